"""The LLM answerer: the model reads numbered evidence units and answers with their ids; the gate keeps only what
the cited units state and what answers the question asked.

Abstention before the model is kept only where no passage is about the question (the extractive answerer
abstained with nothing to show: off topic, unknown terms). Whether the passages hold the answer is the model's
call ("NOT_IN_SOURCES"), checked by the gate (``grounding.check_answer``), which also holds a value question's
answer to the value the extractive reader takes from the cited units (rule "second reading",
``composing.readings``). When nothing the model wrote survives, the extractive answer (or its abstention) is
returned and ``meta["fallback"]`` says so (``settle``). A kept answer to a list or an explanation keeps the
extractive reader's passages under it (``with_passages``). The result is the same ``Draft`` as the extractive
answerer's, rendered and verified by ``citations.render``.
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
from .composing import second_reader
from .citations import Draft, Quote, Segment
from .condense import Question, condense_with_model
from .question import Intent
from .evidence import EvidenceUnit, select
from .grounding import Reading, Verdict, check_answer, figures, names, unsupported_figures
from .llm import Generation, LLMUnavailableError, describe_failure, get_chat_model, model_label, stream_text
from .prompting import SYSTEM, Reply, answer_schema, build_messages, parse
from ..load.units import units as document_units
from ..settings import Settings
from ..text import terms


log = logging.getLogger(__name__)

# Structured-output requests, tried in order for an OpenAI-compatible server until one is accepted; the working one
# is remembered per server and model.
# "json_schema" is OpenAI's, vLLM's and Ollama's; "json_object_schema" ({"type": "json_object", "schema": ...}) is
# llama-cpp-python's server's; "json_object" is plain json mode; "plain" asks by prompt only.
OPENAI_FORMATS = ("json_schema", "json_object_schema", "json_object", "plain")
_openai_format: dict[tuple[str | None, str], str] = {}
_format_lock = threading.Lock()
MODEL_ABSTAINED = "The sources don't answer this."
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


def about_question(question: str, similarity: float, coverage: float, known: Any, settings: Settings) -> bool:
    """Whether any passage is about the question at all: close in meaning (``similarity`` of the best retrieved
    chunk) or holding half of its weighted terms (``coverage`` of the best unit), and no term of it unknown to the
    whole corpus unless a passage is clearly about it. The only abstention decided before the model is asked."""
    if similarity < settings.min_similarity and coverage < 0.5:
        return False
    unknown = [t for t in terms(question) if len(t) > 2 and not t[0].isdigit() and not known(t)]
    return not (unknown and similarity < 0.45 and coverage < 0.5)


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

    def stream(self, question: str, units: list[EvidenceUnit], fallback: Draft,
               gate_question: str | None = None, reading: Reading | None = None) -> Iterator[Draft | Outcome]:
        """Yield the verified Draft as soon as the reply is whole and judged (before the stream ends), then the
        final Outcome. ``reading`` is the gate's second reader (rule "second reading")."""
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
                check_answer(got.answer, got.units, by_number, gate_question or question, verdict, reading,
                             header_fields(units))
            return got

        for _ in self._stream(messages, units, attempts):
            generation = attempts[-1]
            if reply is None and generation.text.rstrip().endswith("}") and _complete(generation.text):
                reply = judge(generation.text)
                if verdict.kept:
                    verified_s = round(time.perf_counter() - started, 3)
                    yield self._draft(verdict)
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
               "fallback": not kept and not reply.abstained, "abstained": reply.abstained,
               "recited": verdict.recited, "format": generation.format, "parsed": reply.how, "units": len(units),
               "cited": reply.units,
               "answer": reply.answer}
        if reply.abstained:
            log.info("the model found no answer in the %d units", len(units))
            evidence = list(fallback.evidence)[:2] if fallback.abstained else []
            yield Outcome(draft=Draft(lead=[Segment(MODEL_ABSTAINED)], evidence=evidence, abstained=True), llm=llm)
            return
        if not kept:
            log.info("no generated sentence survived verification (%d proposed); using the extractive answer",
                     verdict.proposed)
            yield Outcome(draft=fallback, llm=llm)
            return
        yield Outcome(draft=self._draft(verdict), llm=llm)

    def _draft(self, verdict: Verdict) -> Draft:
        evidence: list[Quote] = list(dict.fromkeys(q for v in verdict.kept for q in v.quotes))
        return Draft(lead=_segments(verdict.kept), evidence=evidence)


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


def settle(outcome: Outcome, extractive: Draft, intent: Intent | None) -> Drafted:
    """The model answerer's last word, from the gate's outcome and the extractive answer.

    - nothing the model wrote survived: the extractive answer (or its abstention), marked as a fallback;
    - rule "abstention checked": the model's "not in the sources" is a claim too; when the extractive reader
      answers from the passages (no abstention), its answer is returned, marked as a fallback;
    - the model found no answer and neither did the extractive reader: the model's abstention;
    - else the model's verified sentences (``with_passages``).

    Rule "disagreement stays" is decided before the model is asked (``ModelAnswerer.stream``): when the extractive
    reader finds that the sources disagree on the value, or that one corrects another, its answer says so, and a
    model stating one value would hide it."""
    llm = outcome.llm
    if llm["fallback"]:  # nothing generated survived verification
        return Drafted(outcome.draft, fallback="extractive", llm=llm,
                       answered_by="extractive (fallback)" if not extractive.abstained else "abstained (fallback)")
    if llm["abstained"] and not extractive.abstained:
        return Drafted(extractive, fallback="extractive", llm={**llm, "fallback": True},
                       answered_by="extractive (the model found no answer, the passages hold one)")
    if llm["abstained"]:
        return Drafted(outcome.draft, llm=llm, answered_by="abstained (the model found no answer)")
    return Drafted(with_passages(outcome.draft, extractive, intent), llm=llm, answered_by="model")


def with_passages(draft: Draft, extractive: Draft, intent: Intent | None) -> Draft:
    """Rule "passages stay": for a question answered by passages (a list, an explanation, not a value), the
    model's verified sentences lead and the passages the extractive reader quotes follow them as evidence. A small
    model summing up a list or an argument drops items ("int(), float(), complex()" of four constructors); the
    quotes keep them. Rule "agreeing support": when the model states the value the extractive reader leads with,
    the units supporting that value are cited too (a second document saying the same)."""
    if intent is None or extractive.abstained or extractive.conflict:
        return draft
    if intent.factoid and not _states_lead(draft, extractive):
        return draft
    return replace(draft, evidence=list(dict.fromkeys([*draft.evidence, *extractive.evidence])))


def _states_lead(draft: Draft, extractive: Draft) -> bool:
    """Whether the model's lead states every figure and name of the extractive lead (and it has one)."""
    theirs = "".join(seg.text for seg in extractive.lead).strip().rstrip(".")
    ours = "".join(seg.text for seg in draft.lead)
    if not theirs or not (figures(theirs) or names(theirs)):
        return False
    return not unsupported_figures(theirs, [ours]) and all(w in ours for w in names(theirs))


class ModelAnswerer:
    """The language-model answerer behind the ``Answerer`` interface (``llamacpp`` or ``openai``): the model
    rewrites follow-ups and reads the evidence units; the gate keeps what the cited units state."""

    def __init__(self, resources: Resources, name: str) -> None:
        self.name = name
        self.settings = resources.settings.model_copy(update={"llm": name})
        self.resources = resources
        self._model: BaseChatModel | None = None

    def model(self) -> BaseChatModel:
        """The chat model, loaded on first use (a GGUF once per process) with its system prompt evaluated."""
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
        """Abstain in code only when no passage is about the question; otherwise let the model read the evidence
        units, yield each verified draft, and end with the model's (or the fallback's) Drafted."""
        retrieval, documents, fallback = found.retrieval, found.documents, found.draft
        model_question = question_for_model(asked)
        keyword = self.resources.keyword_index()
        preferred = list(fallback.evidence) + [q for seg in fallback.lead for q in seg.quotes]
        selection = select(model_question, retrieval, documents, idf=keyword.idf, embed=self.resources.embed,
                           preferred=preferred, chunks=self.settings.llm_sources, limit=self.settings.llm_units)
        units = selection.units
        if not about_question(asked.asked, retrieval.best_similarity, selection.coverage, keyword.known,
                              self.settings):
            units = []
        if not units:  # decided in code: no passage is about the question (off topic, unknown terms)
            draft = fallback if fallback.abstained else Draft(lead=[Segment(OFF_TOPIC)], evidence=[], abstained=True)
            yield Drafted(draft, answered_by="abstained before the model",
                          llm_skipped="no passage is about the question")
            return
        if fallback.conflict:  # rule "disagreement stays", decided in code (see ``settle``)
            yield Drafted(fallback, answered_by="extractive (the sources disagree)", llm_skipped=DISAGREE)
            return
        outcome: Outcome | None = None
        reading = second_reader(found.intent, keyword) if found.intent is not None else None
        for step in GenerativeAnswerer(self.model(), self.settings).stream(model_question, units, fallback,
                                                                           gate_question=question_for_gate(asked),
                                                                           reading=reading):
            if isinstance(step, Outcome):
                outcome = step
            else:
                yield step
        if outcome is None:
            raise RuntimeError("the generative answerer ended without an outcome")
        yield settle(outcome, fallback, found.intent)
