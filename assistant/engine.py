"""The pipeline behind ``ask``: validate → condense → retrieve → answer → cite. One Assistant per settings."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Iterator, Mapping, Sequence

from .answer.citations import Draft, Segment, render
from .answer.condense import Question, condense
from .documents import Answer, Document
from .index.embeddings import dimension, embeddings_for
from .errors import EmptyCorpusError, QuestionError
from .answer.extractive import ExtractiveAnswerer
from .answer.instructions import NOTE
from .answer.question import analyse
from .index.retrieve import HybridRetriever, Retrieval
from .settings import Settings
from .index.store import DocumentRecord, IndexStore

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


@dataclass
class Extracted:
    """What retrieval found for a question and the extractive answer drafted from it."""

    retrieval: Retrieval
    documents: dict[str, Document]
    draft: Draft
    meta: dict[str, Any]


class Assistant:
    """Answers questions from one index. Safe to share between threads."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.embeddings = embeddings_for(self.settings)
        self.store = IndexStore(self.settings, self.embeddings, dimension(self.embeddings))
        if not self.store.records():
            self._build()
        self.retriever = HybridRetriever(self.store, self.settings)
        self._documents: dict[str, tuple[str, Document]] = {}
        self._lock = threading.Lock()

    def _build(self) -> None:
        from .index.ingest import ingest
        from .load.loaders import supported_types

        report = ingest(settings=self.settings, progress=False)
        if not report.documents:
            raise EmptyCorpusError(f"no readable documents in {self.settings.corpus_dir}; add {supported_types()} "
                                   "files and run `assistant ingest`")

    def warm(self) -> None:
        """Build the keyword index now (reading every chunk: about half a minute at 100k chunks), so the first
        question does not wait for it."""
        self.retriever.keyword_index()

    def sources(self) -> list[DocumentRecord]:
        """Every indexed document with its metadata and chunk count."""
        return sorted(self.store.records().values(), key=lambda r: r.source)

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

    def ask(self, question: str, history: History | None = None) -> Answer:
        """A cited, verified answer to ``question`` (with the conversation so far in ``history``)."""
        if self.settings.llm != "extractive":  # issue 3: a language model writes, the gate verifies
            return [step for step in self.ask_stream(question, history) if isinstance(step, Answer)][-1]
        started = time.perf_counter()
        asked = condense(clean_question(question, self.settings.max_question_chars), clean_history(history))
        if not asked.asked:  # nothing asked but instructions to the assistant
            return render(only_instructions(), {}, "", {"answerer": self.settings.llm, "ignored": list(asked.ignored)})
        found = self.extract(asked)
        found.meta["seconds"] = round(time.perf_counter() - started, 3)
        return render(noted(found.draft, asked.ignored), found.documents, asked.query, found.meta)

    def extract(self, question: Question) -> Extracted:
        """Retrieve for the question's standalone query and draft the extractive answer to what it asks (its kind
        read from the question, or from the one it continues). Both answerers start here."""
        intent = analyse(question.resolved, question.query, previous=question.kind_from)
        records = self.store.records()  # once per question; re-read only after a change
        retrieval = self.retriever.search(question.query, records=records)
        documents = {s: d for s in {c.chunk.source for c in retrieval.chunks} if (d := self.document(s, records))}
        answerer = ExtractiveAnswerer(self.retriever.keyword_index(records), self.embeddings.embed_documents,
                                      self.settings.min_similarity)
        meta: dict[str, Any] = {
            "answerer": self.settings.llm, "kind": intent.kind, "subject": list(question.subject),
            "retrieved": [{"source": c.chunk.source, "start": c.chunk.start, "end": c.chunk.end,
                           "score": round(c.score, 5)} for c in retrieval.chunks]}
        return Extracted(retrieval, documents, answerer.answer(intent, retrieval, documents), meta)

    def ask_stream(self, question: str, history: History | None = None) -> Iterator[str | Answer]:
        """Yield the answer text as it grows (line by line, each line already verified), then the Answer."""
        if self.settings.llm != "extractive":  # issue 3: sentences are shown as they pass verification
            from .answer.generative import ask_stream

            yield from ask_stream(self, question, history)
            return
        answer = self.ask(question, history)
        shown = ""
        for line in answer.text.split("\n"):
            shown = f"{shown}\n{line}" if shown else line
            yield shown
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
