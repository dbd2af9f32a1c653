"""A grounded research assistant: answers from a corpus of news and policy documents, every sentence cited.

    >>> from assistant import ask
    >>> a = ask("When is the deadline for the negotiations?")
    >>> a.text, a.citations[0].quote
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

from .documents import Answer, Citation
from .errors import (AssistantError, CitationError, EmptyCorpusError, IndexError_, IndexLockedError,
                     IndexMismatchError, QuestionError, SkipFile)

if TYPE_CHECKING:
    from .index.ingest import IngestReport
    from .settings import Settings

__all__ = ["ask", "ask_stream", "ingest", "Answer", "Citation", "Settings", "AssistantError", "QuestionError",
           "IndexError_", "IndexMismatchError", "IndexLockedError", "EmptyCorpusError", "CitationError", "SkipFile"]


def get_assistant(settings: Settings | None = None) -> "Assistant":
    """The Assistant shared in this process for these settings (opened, or built from the corpus, on first use)."""
    from .engine import get_assistant as shared

    return shared(settings)


def reset() -> None:
    """Forget the shared Assistants and in-memory indexes: the next call opens the index afresh."""
    from .engine import reset as forget

    forget()


def ask(question: str, history: Sequence[Mapping[str, str]] | None = None, *,
        settings: Settings | None = None, answerer: str | None = None, top_k: int | None = None) -> Answer:
    """Answer ``question`` from the corpus with inline citations [n] to verified quotes.

    ``history`` is the conversation so far, as {"role": "user"|"assistant", "content": str} messages.
    Builds the index from the corpus folder on first use. Raises QuestionError (a ValueError) for an empty,
    whitespace-only or over-long question.
    ``answerer`` (one of ``assistant.answerers.NAMES``) and ``top_k`` override the settings for this question.
    """
    return get_assistant(settings).ask(question, history, answerer=answerer, top_k=top_k)


def ask_stream(question: str, history: Sequence[Mapping[str, str]] | None = None, *,
               settings: Settings | None = None, answerer: str | None = None,
               top_k: int | None = None) -> Iterator[str | Answer]:
    """Like ``ask``, but yields the growing answer text first and the final Answer last."""
    return get_assistant(settings).ask_stream(question, history, answerer=answerer, top_k=top_k)


def ingest(paths: Sequence[str] | None = None, *, settings: Settings | None = None, rebuild: bool = False,
           progress: bool = False) -> "IngestReport":
    """Index the corpus folder (or ``paths``): new and edited files are added, deleted ones removed."""
    from .index.ingest import ingest as _ingest

    return _ingest(paths, settings, rebuild=rebuild, progress=progress)


def __getattr__(name: str) -> Any:
    """``Settings``, ``Assistant`` and the record types are imported on first use, so ``assistant --help`` does not
    pay for pydantic-settings or the index."""
    if name == "Settings":
        from .settings import Settings

        return Settings
    if name == "Assistant":
        from .engine import Assistant

        return Assistant
    if name == "DocumentRecord":
        from .index.store import DocumentRecord

        return DocumentRecord
    if name == "IngestReport":
        from .index.ingest import IngestReport

        return IngestReport
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
