"""The one interface every answerer implements, and the typed values the answering stages hand on.

The engine runs condense → retrieve → draft → verify → render. An answerer owns two steps of it: how a follow-up
becomes a standalone ``Question`` (``condense``), and how the retrieved passages become a ``Draft`` (``stream``: zero
or more verified drafts as they grow, then one ``Drafted``, its last word). Retrieval and the extractive draft come
first for every answerer (``Found``): the extractive draft is the answer itself for the extractive answerer, and the
disagreement a language model's answer keeps ("disagreement stays").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Protocol, Sequence

from ..documents import Document
from ..index.keyword import KeywordIndex
from ..index.retrieve import Retrieval
from ..settings import Settings
from .citations import Draft
from .condense import Question, condense


@dataclass(frozen=True)
class Found:
    """What retrieval found for a question, and the extractive draft made from it."""

    retrieval: Retrieval
    documents: dict[str, Document]
    draft: Draft
    kind: str  # the kind of answer the question asks for (date, count, name, ...)


@dataclass(frozen=True)
class Drafted:
    """An answerer's last word: the draft to verify and render, and how it came about."""

    draft: Draft
    answered_by: str | None = None  # "model", "extractive (fallback)", ...; None: the answerer's own name says it
    fallback: str | None = None  # the answerer whose draft was used because nothing of this one's survived
    llm: dict[str, Any] | None = None  # the model's metrics (tokens, timings, sentences kept and dropped)
    llm_skipped: str | None = None  # why the model was not asked


@dataclass(frozen=True)
class Resources:
    """What an answerer may use besides the question and the passages (built once per Assistant)."""

    settings: Settings
    keyword_index: Callable[[], KeywordIndex]
    embed: Callable[[list[str]], list[list[float]]]


class Answerer(Protocol):
    """Turns a question and what retrieval found into a verified draft."""

    def condense(self, question: str, history: Sequence[Mapping[str, Any]]) -> Question:
        """The question with its standalone query (a follow-up gets the conversation's subject)."""

    def stream(self, asked: Question, found: Found) -> Iterator[Draft | Drafted]:
        """Drafts as they grow (each one verifiable on its own), then one Drafted."""


@dataclass
class Extractive:
    """The extractive answerer behind the interface: the engine's extractive draft is its answer."""

    resources: Resources
    name: str = field(default="extractive")

    def condense(self, question: str, history: Sequence[Mapping[str, Any]]) -> Question:
        return condense(question, history)

    def stream(self, asked: Question, found: Found) -> Iterator[Draft | Drafted]:
        yield Drafted(found.draft)
