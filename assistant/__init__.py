"""A grounded research assistant: answers from a corpus of news and policy documents, every sentence cited.

    >>> from assistant import ask
    >>> a = ask("When is the deadline for the negotiations?")
    >>> a.text, a.citations[0].quote
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Sequence

from .documents import Answer, Citation
from .errors import (AssistantError, CitationError, CorpusMissing, EmptyCorpusError, IndexCorruptError, IndexError_,
                     IndexLockedError, IndexMismatchError, LLMError, LLMUnavailableError, ModelFileError, QuestionError,
                     SkipFile, UploadError)

if TYPE_CHECKING:
    from .engine import Assistant
    from .index.store import DocumentRecord
    from .index.ingest import IngestReport
    from .settings import Settings

__all__ = ["ask", "ask_stream", "clean_question", "clean_history", "ingest", "get_assistant", "reset", "load_settings", "supported_types", "Answer",
           "Citation", "Settings", "Assistant", "DocumentRecord", "IngestReport", "AssistantError", "QuestionError",
           "IndexError_", "IndexMismatchError", "IndexLockedError", "IndexCorruptError", "EmptyCorpusError",
           "CitationError", "SkipFile", "LLMError", "ModelFileError", "LLMUnavailableError", "UploadError",
           "CorpusMissing"]


def load_settings(**overrides: Any) -> "Settings":
    """Settings from the ``ASSISTANT_*`` environment variables and ``overrides`` (None values left out); a bad value
    raises AssistantError naming the setting and its variable in one line."""
    from .settings import load_settings as load

    return load(**overrides)


def supported_types() -> str:
    """The file types the corpus and the chat's uploads accept, for users: ".md, .txt, … or .pdf"."""
    from .load.loaders import supported_types as types

    return types()


def get_assistant(settings: Settings | None = None) -> "Assistant":
    """The Assistant shared in this process for these settings (opened, or built from the corpus, on first use)."""
    from .engine import get_assistant as shared

    return shared(settings)


def reset() -> None:
    """Forget the shared Assistants and in-memory indexes: the next call opens the index afresh."""
    from .engine import reset as forget

    forget()


def clean_question(question: object, limit: int) -> str:
    """The question as it will be asked (control characters removed, white space folded), or QuestionError naming
    what is wrong with it (not text, empty, longer than ``limit`` characters)."""
    from .engine import clean_question as clean

    return clean(question, limit)


def clean_history(history: object) -> list[dict[str, Any]]:
    """The conversation as {"role", "content"} messages, or QuestionError naming the message that is wrong."""
    from .engine import clean_history as clean

    return clean(history)


def _checked(question: object, history: object, settings: Settings | None) -> Settings:
    """The settings to answer with, once the question and history passed the Assistant's own checks: bad input
    raises QuestionError before any index is opened or built."""
    from .engine import clean_history, clean_question
    from .settings import Settings

    settings = settings or Settings()
    clean_question(question, settings.max_question_chars)
    clean_history(history)
    return settings


def ask(question: str, history: Sequence[Mapping[str, str]] | None = None, *,
        settings: Settings | None = None, answerer: str | None = None, top_k: int | None = None) -> Answer:
    """Answer ``question`` from the corpus with inline citations [n] to verified quotes.

    ``history`` is the conversation so far, as {"role": "user"|"assistant", "content": str} messages.
    Builds the index from the corpus folder on first use. Raises QuestionError (a ValueError) for an empty,
    whitespace-only or over-long question, before the index is opened.
    ``answerer`` (one of ``assistant.answerers.NAMES``) and ``top_k`` override the settings for this question.
    """
    settings = _checked(question, history, settings)
    return get_assistant(settings).ask(question, history, answerer=answerer, top_k=top_k)


def ask_stream(question: str, history: Sequence[Mapping[str, str]] | None = None, *,
               settings: Settings | None = None, answerer: str | None = None,
               top_k: int | None = None) -> Iterator[str | Answer]:
    """Like ``ask``, but yields the growing answer text first and the final Answer last."""
    settings = _checked(question, history, settings)
    return get_assistant(settings).ask_stream(question, history, answerer=answerer, top_k=top_k)


def ingest(paths: Sequence[str | Path] | None = None, *, settings: Settings | None = None, rebuild: bool = False,
           progress: bool = False, on_skip: Callable[[SkipFile], None] | None = None) -> "IngestReport":
    """Index the corpus folder (or ``paths``): new and edited files are added, deleted ones removed. Each skipped
    file is passed to ``on_skip`` as it is met (a SkipFile, whose ``str`` is one line) and listed in the report."""
    from .index.ingest import ingest as _ingest

    return _ingest(list(paths) if paths else None, settings, rebuild=rebuild, progress=progress, on_skip=on_skip)


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
