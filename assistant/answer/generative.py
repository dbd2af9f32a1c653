"""The model answerer: the model reads numbered, labelled evidence units and answers with their ids; the gate keeps
only what the cited units state.

Code abstains before the model only when retrieval matched nothing (``matched_nothing``). Whether the passages hold
the answer is the model's call ("NOT_IN_SOURCES"); the gate (``grounding.check_answer``) checks what the model
claims in ways true of every document: the cited units exist and were shown, every figure, date and name stated is
in them, and the version, year or identifier the question pins is met. When nothing survives, the answer says the
sources don't answer it and shows the closest passages (``settle``): never a value another reader picked. Each kept
sentence cites the smallest clause run of its units that states it (``quotes.tighten``). The result is the same
``Draft`` as the extractive answerer's, rendered and verified by ``citations.render``.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Iterator, Mapping, Sequence

from langchain_core.language_models import BaseChatModel

from .answerer import Drafted, Found, Resources
from .candidates import header_end
from .citations import Draft, Quote, Segment
from .condense import Question, condense_with_model
from .evidence import EvidenceUnit, Selection, select
from .grounding import Verdict, check_answer
from .quotes import tighten
from .llm import Generation, LLMUnavailableError, describe_failure, get_chat_model, model_label, stream_text
from .prompting import SYSTEM, Reply, answer_schema, build_messages, parse
from ..load.units import units as document_units
from ..index.retrieve import Retrieval
from ..settings import Settings


log = logging.getLogger(__name__)

# Structured-output requests, tried in order for an OpenAI-compatible server until one is accepted; the working one
# is remembered per server and model.
# "json_schema" is OpenAI's, vLLM's and Ollama's; "json_object_schema" ({"type": "json_object", "schema": ...}) is
# llama-cpp-python's server's; "json_object" is plain json mode; "plain" asks by prompt only.
OPENAI_FORMATS = ("json_schema", "json_object_schema", "json_object", "plain")
_openai_format: dict[tuple[str | None, str], str] = {}
_format_lock = threading.Lock()
MODEL_ABSTAINED = "The sources don't say."
OFF_TOPIC = "The sources don't say anything about this: no passage matches the question."


@dataclass
class Outcome:
    """The draft to render and the metrics for ``Answer.meta["llm"]``."""

    draft: Draft
    llm: dict[str, Any]


def question_for_model(question: Question) -> str:
    """The question as the model sees it: the standalone query (the plain question, or a follow-up with the
    conversation's subject, or the model's own rewrite of it)."""
    return question.query


def question_for_gate(question: Question) -> str:
    """The question whose constraints the gate holds the answer to: the question with any pronoun or ellipsis
    resolved from the conversation (a follow-up's subject words are search terms, not constraints)."""
    return question.resolved


def _request(settings: Settings, units: list[EvidenceUnit], fmt: str) -> dict[str, Any]:
    """Invocation keywords asking for structured output in format ``fmt``."""
    if settings.llm == "llamacpp":
        return {"response_format": {"type": "json_object", "schema": answer_schema(units)}}
    if fmt == "json_schema":
        return {"extra_body": {"response_format": {"type": "json_schema", "json_schema": {
            "name": "grounded_answer", "schema": answer_schema(units)}}}}
    if fmt == "json_object_schema":
        return {"extra_body": {"response_format": {"type": "json_object", "schema": answer_schema(units)}}}
    if fmt == "json_object":
        return {"extra_body": {"response_format": {"type": "json_object"}}}
    return {}


def _segments(verified: list[Any]) -> list[Segment]:
    lead: list[Segment] = []
    for v in verified:
        body = v.text.rstrip()
        m = re.search(r"[.!?]+$", body)
        punct = m.group(0) if m else "."
        body = body[: m.start()] if m else body
        lead.append(Segment(body, list(v.quotes)))
        lead.append(Segment(punct + " "))
    return lead


def _complete(text: str) -> bool:
    """Whether ``text`` holds a whole JSON object already (the reply can be judged before the stream ends)."""
    start = text.find("{")
    if start < 0:
        return False
    try:
        json.JSONDecoder().raw_decode(text[start:])
    except json.JSONDecodeError:
        return False
    return True


class GenerativeAnswerer:
    """Answers with a chat model over numbered evidence units; only verified sentences are kept."""

    def __init__(self, model: BaseChatModel, settings: Settings) -> None:
        self.model = model
        self.settings = settings

    def _formats(self) -> tuple[str, ...]:
        if self.settings.llm != "openai":
            return ("json_schema",)
        key = (self.settings.openai_base_url, self.settings.openai_model)
        with _format_lock:
            known = _openai_format.get(key)
        return (known,) if known else OPENAI_FORMATS

    def _stream(self, messages: list[Any], units: list[EvidenceUnit], attempts: list[Generation]) -> Iterator[str]:
        """The model's text as it streams, in the first structured-output format the backend accepts (one
        Generation per attempt is appended to ``attempts``; the last one is the reply)."""
        formats = self._formats()
        for attempt, fmt in enumerate(formats):
            generation = Generation(format=fmt)
            attempts.append(generation)
            try:
                yield from stream_text(self.model, messages, self.settings, generation,
                                       **_request(self.settings, units, fmt))
            except LLMUnavailableError as exc:
                detail = f"{exc} {exc.__cause__ or ''}"  # llama-cpp-python's server answers 500 to a request it
                refused = any(f"HTTP {code}" in detail for code in (400, 422)) \
                    or "response_format" in detail or "validation error" in detail  # ...cannot validate
                if refused and attempt + 1 < len(formats) and not generation.text:
                    log.info("the server refused %s output (%s); trying the next format", fmt, exc)
                    continue
                raise
            if self.settings.llm == "openai":
                with _format_lock:
                    _openai_format[(self.settings.openai_base_url, self.settings.openai_model)] = fmt
            return

    def stream(self, question: str, units: list[EvidenceUnit],
               gate_question: str | None = None) -> Iterator[Draft | Outcome]:
        """Yield the verified Draft as soon as the reply is whole and judged (before the stream ends), then the
        final Outcome."""
        started = time.perf_counter()
        messages = build_messages(question, units)
        by_number = {u.number: u for u in units}
        attempts: list[Generation] = []
        reply: Reply | None = None
        verdict = Verdict()
        verified_s: float | None = None

        def judge(text: str) -> Reply:
            got = parse(text)
            if not got.abstained:
                check_answer(got.answer, got.units, by_number, gate_question or question, verdict,
                             header_fields(units))
            return got

        for _ in self._stream(messages, units, attempts):
            generation = attempts[-1]
            if reply is None and generation.text.rstrip().endswith("}") and _complete(generation.text):
                reply = judge(generation.text)
                if verdict.kept:
                    verified_s = round(time.perf_counter() - started, 3)
                    yield self._draft(verdict, units)
        generation = attempts[-1] if attempts else Generation()
        if reply is None:  # plain text, or JSON never closed (truncated)
            reply = judge(generation.text)
            if verdict.kept:
                verified_s = round(time.perf_counter() - started, 3)
        kept = verdict.kept
        llm = {"model": model_label(self.model), "prompt_tokens": generation.prompt_tokens,
               "completion_tokens": generation.completion_tokens, "seconds": generation.seconds,
               "ttft_s": generation.ttft_s, "tokens_per_s": generation.tokens_per_s, "verified_s": verified_s,
               "sentences": verdict.proposed, "kept": len(kept), "dropped": len(verdict.dropped),
               "drop_reasons": verdict.dropped, "refused_units": verdict.refused_units,
               "unverified": not kept and not reply.abstained, "abstained": reply.abstained,
               "recited": verdict.recited, "format": generation.format, "parsed": reply.how, "units": len(units),
               "cited": reply.units,
               "answer": reply.answer}
        if reply.abstained or not kept:
            log.info("the model found no answer in the %d units" if reply.abstained else
                     "no generated sentence survived verification (%d units)", len(units))
            yield Outcome(draft=Draft(lead=[Segment(MODEL_ABSTAINED)], evidence=[], abstained=True), llm=llm)
            return
        yield Outcome(draft=self._draft(verdict, units), llm=llm)

    def _draft(self, verdict: Verdict, units: Sequence[EvidenceUnit]) -> Draft:
        """The kept sentences, each citing the smallest span of each of its units that states what it says."""
        texts = {u.document.source: u.document.text for u in units}
        kept = [replace(v, quotes=list(dict.fromkeys(tighten(texts[q.source], q, v.text) if q.source in texts else q
                                                      for q in v.quotes))) for v in verdict.kept]
        evidence: list[Quote] = list(dict.fromkeys(q for v in kept for q in v.quotes))
        return Draft(lead=_segments(kept), evidence=evidence)


def header_fields(units: Sequence[EvidenceUnit]) -> list[EvidenceUnit]:
    """The header fields ("Created: ...", "Python-Version: ...") of the documents of ``units`` that are not among
    them, numbered 0 (never shown to the model): where the gate may recite a right value whose ids were wrong."""
    shown = {(u.document.source, u.unit.start) for u in units}
    out: list[EvidenceUnit] = []
    for doc in {u.document.source: u.document for u in units}.values():
        end = header_end(doc)
        out += [EvidenceUnit(0, doc, u) for u in document_units(doc)
                if u.kind == "field" and u.end <= end and (doc.source, u.start) not in shown]
    return out


DISAGREE = "the sources disagree on it, or one corrects another: the extractive answer says so"
NOT_VERIFIED = "The sources don't say: no answer the model gave could be checked against the passages."
CLOSEST = 2  # passages shown under an abstention


def matched_nothing(retrieval: Retrieval, min_similarity: float) -> bool:
    """Whether retrieval found nothing relevant: no passage close in meaning and none sharing a keyword with the
    question. The only case in which code abstains before the model reads."""
    return not any((c.similarity or 0.0) >= min_similarity or c.keyword_rank is not None for c in retrieval.chunks)


def closest(selection: Selection, n: int = CLOSEST) -> list[Quote]:
    """The ``n`` best-ranked units shown to the model: what an abstention shows of the passages."""
    return [u.quote for u in selection.ranked[:n]]


def settle(outcome: Outcome, selection: Selection) -> Drafted:
    """The model answerer's last word, from the gate's outcome: the model's verified sentences; or, when the model
    found no answer or nothing it wrote was verified, an abstention that shows the closest passages. Never a value
    another reader picked."""
    llm = outcome.llm
    if llm["abstained"]:
        draft = Draft(lead=[Segment(MODEL_ABSTAINED)], evidence=closest(selection), abstained=True)
        return Drafted(draft, llm=llm, answered_by="abstained (the model found no answer)")
    if llm["unverified"]:  # nothing generated survived verification
        draft = Draft(lead=[Segment(NOT_VERIFIED)], evidence=closest(selection), abstained=True)
        return Drafted(draft, llm=llm, answered_by="abstained (nothing verified)")
    return Drafted(outcome.draft, llm=llm, answered_by="model")


class ModelAnswerer:
    """The language-model answerer behind the ``Answerer`` interface (``llamacpp`` or ``openai``): the model
    rewrites follow-ups and reads the evidence units; the gate keeps what the cited units state."""

    def __init__(self, resources: Resources, name: str) -> None:
        self.name = name
        self.settings = resources.settings.model_copy(update={"llm": name})
        self.resources = resources
        self._model: BaseChatModel | None = None
        self._loading = threading.Lock()

    @property
    def ready(self) -> bool:
        """Whether the model is loaded (the first question otherwise waits for it)."""
        return self._model is not None

    def model(self) -> BaseChatModel:
        """The chat model, loaded on first use (a GGUF once per process) with its system prompt evaluated."""
        with self._loading:
            if self._model is None:
                model = get_chat_model(self.settings)
                if hasattr(model, "warm"):  # llama.cpp: the fixed system prompt evaluated once per model
                    model.warm(SYSTEM)
                self._model = model
        return self._model

    def condense(self, question: str, history: Sequence[Mapping[str, Any]]) -> Question:
        """The follow-up rewritten by the model (checked against the conversation), else by the rules."""
        plain = Question.plain(question)
        if not plain.asked:  # nothing asked but instructions: the model is not called
            return plain
        try:
            return condense_with_model(question, history, self.model())
        except Exception as exc:
            raise describe_failure(exc, self.settings) from exc

    def stream(self, asked: Question, found: Found) -> Iterator[Draft | Drafted]:
        """Abstain in code only when retrieval matched nothing; otherwise let the model read the evidence units,
        yield each verified draft, and end with the model's Drafted (its verified answer or its abstention)."""
        retrieval, documents = found.retrieval, found.documents
        if matched_nothing(retrieval, self.settings.min_similarity):
            yield Drafted(Draft(lead=[Segment(OFF_TOPIC)], evidence=[], abstained=True),
                          answered_by="abstained before the model", llm_skipped="retrieval matched nothing")
            return
        if found.draft.conflict and self.settings.keep_disagreement:  # rule "disagreement stays"
            yield Drafted(found.draft, answered_by="extractive (the sources disagree)", llm_skipped=DISAGREE)
            return
        model_question = question_for_model(asked)
        keyword = self.resources.keyword_index()
        selection = select(model_question, retrieval, documents, idf=keyword.idf, embed=self.resources.embed,
                           chunks=self.settings.llm_sources, limit=self.settings.llm_units,
                           budget=self.settings.llm_evidence_chars, layout=self.settings.llm_layout,
                           reserve=self.settings.llm_evidence_reserve)
        if not selection.units:
            yield Drafted(Draft(lead=[Segment(OFF_TOPIC)], evidence=[], abstained=True),
                          answered_by="abstained before the model", llm_skipped="no passage holds a usable unit")
            return
        outcome: Outcome | None = None
        for step in GenerativeAnswerer(self.model(), self.settings).stream(model_question, selection.units,
                                                                           gate_question=question_for_gate(asked)):
            if isinstance(step, Outcome):
                outcome = step
            else:
                yield step
        if outcome is None:
            raise RuntimeError("the generative answerer ended without an outcome")
        yield settle(outcome, selection)
