"""The pipeline behind ``ask``: validate → condense → retrieve → answer → cite. One Assistant per settings."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Sequence

from .answer.answerer import Answerer, Drafted, Found, Resources
from .answer.citations import Draft, Segment, render
from .answer.condense import Question
from .documents import Answer, Document
from .index.embeddings import dimension, embeddings_for
from .answerers import answerer_spec
from .errors import AssistantError, EmptyCorpusError, QuestionError
from .answer.extractive import ExtractiveAnswerer
from .answer.instructions import NOTE
from .answer.question import analyse
from .index.retrieve import HybridRetriever
from .settings import Settings
from .index.store import DocumentRecord, IndexStore

if TYPE_CHECKING:
    from .index.ingest import IngestReport

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # lone surrogates (not encodable as UTF-8) crash the tokenizer
History = Sequence[Mapping[str, str]]


def clean_question(question: object, limit: int) -> str:
    """The question without control characters, or QuestionError naming what is wrong with it."""
    if not isinstance(question, str):
        raise QuestionError(f"the question must be text, not {type(question).__name__}")
    cleaned = " ".join(_SURROGATE.sub(" ", _CONTROL.sub(" ", question)).split())
    if not cleaned:
        raise QuestionError("the question is empty")
    if len(cleaned) > limit:
        raise QuestionError(f"the question is {len(cleaned):,} characters long; the limit is {limit:,}")
    return cleaned


def clean_history(history: object) -> list[dict[str, Any]]:
    """A list of {"role": "user"|"assistant", "content": str} messages (an assistant message may say whether it
    "abstained"), or QuestionError."""
    if history is None:
        return []
    if not isinstance(history, (list, tuple)):
        raise QuestionError("history must be a list of {'role', 'content'} messages")
    out = []
    for i, message in enumerate(history):
        if not isinstance(message, Mapping) or message.get("role") not in ("user", "assistant") \
                or not isinstance(message.get("content"), str):
            raise QuestionError(f"history message {i} needs a role of 'user' or 'assistant' and text content")
        out.append({"role": str(message["role"]), "content": _SURROGATE.sub(" ", str(message["content"]))})
        if isinstance(message.get("abstained"), bool):  # an answer's own flag: condense never reads its wording
            out[-1]["abstained"] = message["abstained"]
    return out


def only_instructions() -> Draft:
    """The answer to a question that holds nothing but instructions to the assistant."""
    return Draft(lead=[Segment(f"{NOTE} The question asks nothing else: ask about the documents.")], evidence=[],
                 abstained=True)


def noted(draft: Draft, removed: Sequence[str]) -> Draft:
    """``draft`` with a one-line note at the end of its lead when instructions were removed from the question."""
    if not removed:
        return draft
    return replace(draft, lead=[*draft.lead, Segment((" " if draft.lead else "") + f"({NOTE})")])


@dataclass(frozen=True)
class Trace:
    """How an answer came about, as ``Answer.meta``: each field is filled from the value one stage returned."""

    answerer: str
    kind: str | None = None
    subject: list[str] | None = None
    retrieved: list[dict[str, Any]] | None = None
    ignored: list[str] | None = None
    answered_by: str | None = None
    fallback: str | None = None
    llm: dict[str, Any] | None = None
    llm_skipped: str | None = None
    seconds: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The fields that are set (JSON-ready)."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


def traced(answerer: str, asked: Question, found: Found, drafted: Drafted, seconds: float,
           first_shown: float | None) -> Trace:
    """The Trace of one answer, from the question, what retrieval found and the answerer's last word; a model's
    metrics get ``first_verified_s``, the seconds from the question to its first verified sentence shown."""
    retrieved = [{"source": c.chunk.source, "start": c.chunk.start, "end": c.chunk.end, "score": round(c.score, 5)}
                 for c in found.retrieval.chunks]
    llm = {**drafted.llm, "first_verified_s": first_shown} if drafted.llm is not None else None
    return Trace(answerer=answerer, kind=found.kind, subject=list(asked.subject), retrieved=retrieved,
                 ignored=list(asked.ignored) or None, answered_by=drafted.answered_by, fallback=drafted.fallback,
                 llm=llm, llm_skipped=drafted.llm_skipped, seconds=round(seconds, 3))


class Assistant:
    """Answers questions from one index. Safe to share between threads.

    Per question, ``answerer`` picks one of ``assistant.answerers.NAMES`` (default ``settings.llm``) and ``top_k``
    the number of passages retrieved (default ``settings.top_k``); each answerer is built once per Assistant."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.embeddings = embeddings_for(self.settings)
        self.store = IndexStore(self.settings, self.embeddings, dimension(self.embeddings))
        self._documents: dict[str, tuple[str, Document]] = {}
        self._answerers: dict[str, Answerer] = {}
        self._lock = threading.Lock()
        if not self.store.records():
            self._build()
        self.retriever = HybridRetriever(self.store, self.settings)
        self._resources = Resources(self.settings, self.retriever.keyword_index, self.embeddings.embed_documents)

    def _build(self) -> None:
        from .load.loaders import supported_types

        report = self.ingest()
        if not report.documents:
            raise EmptyCorpusError(f"no readable documents in {self.settings.corpus_dir}; add {supported_types()} "
                                   "files and run `assistant ingest`")

    def ingest(self, paths: Sequence[str | Path] | None = None, *, rebuild: bool = False, progress: bool = False,
               on_skip: Callable[[AssistantError], None] | None = None) -> "IngestReport":
        """Index the corpus folder (or ``paths``) into this Assistant's index: new and edited files are added,
        deleted ones removed; the next question sees the change."""
        from .index.ingest import ingest

        report = ingest(list(paths) if paths else None, self.settings, rebuild=rebuild, progress=progress,
                        on_skip=on_skip)
        with self._lock:
            self._documents.clear()
        return report

    def warm(self) -> None:
        """Build the keyword index now (reading every chunk: about half a minute at 100k chunks), so the first
        question does not wait for it."""
        self.retriever.keyword_index()

    def sources(self) -> list[DocumentRecord]:
        """Every indexed document with its metadata and chunk count."""
        return sorted(self.store.records().values(), key=lambda r: r.source)

    def record(self, source: str) -> DocumentRecord | None:
        """What the index holds about one document (None when it is not indexed)."""
        return self.store.records().get(source)

    def document(self, source: str, records: Mapping[str, DocumentRecord] | None = None) -> Document | None:
        """A stored document, cached until its fingerprint changes (``records``: the store's, if just read)."""
        records = self.store.records() if records is None else records
        record = records.get(source)
        if record is None:
            return None
        with self._lock:
            cached = self._documents.get(source)
            if cached and cached[0] == record.fingerprint:
                return cached[1]
        doc = self.store.document(source)
        if doc is not None:
            with self._lock:
                self._documents[source] = (record.fingerprint, doc)
        return doc

    def answerer(self, name: str | None = None) -> Answerer:
        """The answerer ``name`` names (default ``settings.llm``), built on first use."""
        name = name or self.settings.llm
        spec = answerer_spec(name)
        with self._lock:
            if name not in self._answerers:
                cls = spec.load()
                self._answerers[name] = cls(self._resources, name)
            return self._answerers[name]

    def ask(self, question: str, history: History | None = None, *, answerer: str | None = None,
            top_k: int | None = None) -> Answer:
        """A cited, verified answer to ``question`` (with the conversation so far in ``history``): the last item
        of ``ask_stream``."""
        answer: Answer | None = None
        for step in self.ask_stream(question, history, answerer=answerer, top_k=top_k):
            if isinstance(step, Answer):
                answer = step
        assert answer is not None
        return answer

    def find(self, question: Question, top_k: int | None = None) -> Found:
        """Retrieve for the question's standalone query and draft the extractive answer to what it asks (its kind
        read from the question, or from the one it continues). Every answerer starts here."""
        intent = analyse(question.resolved, question.query, previous=question.kind_from)
        records = self.store.records()  # once per question; re-read only after a change
        retrieval = self.retriever.search(question.query, k=top_k, records=records)
        documents = {s: d for s in {c.chunk.source for c in retrieval.chunks} if (d := self.document(s, records))}
        drafter = ExtractiveAnswerer(self.retriever.keyword_index(records), self.embeddings.embed_documents,
                                     self.settings.min_similarity)
        return Found(retrieval, documents, drafter.answer(intent, retrieval, documents), intent.kind)

    def ask_stream(self, question: str, history: History | None = None, *, answerer: str | None = None,
                   top_k: int | None = None) -> Iterator[str | Answer]:
        """Yield the answer text as it grows (each step already verified), then the Answer.

        The pipeline: validate → condense (the answerer's) → retrieve and draft extractively → the answerer's
        drafts → verify and render."""
        started = time.perf_counter()
        name = answerer or self.settings.llm
        chosen = self.answerer(name)
        if top_k is not None and not 1 <= int(top_k) <= 50:
            raise QuestionError(f"top_k must be between 1 and 50, not {top_k}")
        asked = chosen.condense(clean_question(question, self.settings.max_question_chars), clean_history(history))
        if not asked.asked:  # nothing asked but instructions to the assistant
            answer = render(only_instructions(), {}, "", Trace(answerer=name, ignored=list(asked.ignored)).as_dict())
            yield answer.text
            yield answer
            return
        found = self.find(asked, top_k=int(top_k) if top_k is not None else None)
        shown = ""
        first_shown: float | None = None
        drafted: Drafted | None = None
        for step in chosen.stream(asked, found):
            if isinstance(step, Drafted):
                drafted = step
            else:
                shown = render(step, found.documents, asked.query).text
                first_shown = first_shown or round(time.perf_counter() - started, 3)
                yield shown
        if drafted is None:
            raise RuntimeError(f"the {name} answerer ended without a draft")
        trace = traced(name, asked, found, drafted, time.perf_counter() - started, first_shown)
        answer = render(noted(drafted.draft, asked.ignored), found.documents, asked.query, trace.as_dict())
        if not shown:  # nothing streamed: show the answer line by line
            lines = answer.text.split("\n")
            for i in range(1, len(lines)):
                yield "\n".join(lines[:i])
        if answer.text != shown:
            yield answer.text
        yield answer


_assistants: dict[str, Assistant] = {}
_assistants_lock = threading.Lock()


def get_assistant(settings: Settings | None = None) -> Assistant:
    """A shared Assistant for these settings (built once per process)."""
    settings = settings or Settings()
    key = settings.model_dump_json()
    with _assistants_lock:
        if key not in _assistants:
            _assistants[key] = Assistant(settings)
        return _assistants[key]


def reset() -> None:
    """Forget the shared Assistants and this process's keyword indexes: the next question opens the index afresh
    (as a new process would)."""
    from .index.retrieve import forget_keyword_indexes

    with _assistants_lock:
        _assistants.clear()
    forget_keyword_indexes()
