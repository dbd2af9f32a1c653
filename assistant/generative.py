"""The LLM answerer: the model writes the answer from numbered passages, the gate keeps only what its quotes support.

It produces the same ``Draft`` as the extractive answerer, so the answer goes through ``citations.render`` and
``verify`` (every quote checked at its offsets). Abstention is decided in code before the model is called (the
extractive answerer's checks); when no generated sentence survives verification, the extractive answer is used and
``meta["llm"]["fallback"]`` says so.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from langchain_core.language_models import BaseChatModel

from .citations import Draft, Quote, Segment
from .documents import Document
from .grounding import Verdict
from .llm import Generation, LLMUnavailableError, model_label, stream_text
from .prompting import Claim, Source, answer_schema, build_messages, claim_from_item, complete_items, parse
from .retrieve import Retrieval
from .settings import Settings

if TYPE_CHECKING:
    from .condense import Question
    from .documents import Answer

log = logging.getLogger(__name__)

# Structured-output requests, tried in order for an OpenAI-compatible server until one is accepted; the working one
# is remembered per server and model.
# "json_schema" is OpenAI's, vLLM's and Ollama's; "json_object_schema" ({"type": "json_object", "schema": ...}) is
# llama-cpp-python's server's; "json_object" is plain json mode; "plain" asks by prompt only.
OPENAI_FORMATS = ("json_schema", "json_object_schema", "json_object", "plain")
_openai_format: dict[tuple[str | None, str], str] = {}
_format_lock = threading.Lock()


@dataclass
class Outcome:
    """The draft to render and the metrics for ``Answer.meta["llm"]``."""

    draft: Draft
    llm: dict[str, Any]


def choose_sources(retrieval: Retrieval, documents: Mapping[str, Document], fallback: Draft,
                   limit: int) -> list[Source]:
    """Up to ``limit`` numbered passages: the chunks holding the extractive evidence first, then by rank."""
    chunks = [c.chunk for c in retrieval.chunks if c.chunk.source in documents]
    wanted = [q for q in fallback.evidence] + [q for seg in fallback.lead for q in seg.quotes]

    def holds_evidence(chunk: Any) -> bool:
        return any(q.source == chunk.source and q.start < chunk.end and q.end > chunk.start for q in wanted)

    ordered = [c for c in chunks if holds_evidence(c)] + [c for c in chunks if not holds_evidence(c)]
    picked = list({c.id: c for c in ordered}.values())[:limit]
    return [Source(number=i, chunk=c, document=documents[c.source]) for i, c in enumerate(picked, start=1)]


def question_for_model(question: "Question") -> str:
    """The question as the model sees it: the standalone query (the plain question, or a follow-up with the
    conversation's subject, or the model's own rewrite of it)."""
    return question.query


def _request(settings: Settings, sources: list[Source], fmt: str) -> dict[str, Any]:
    """Invocation keywords asking for structured output in format ``fmt``."""
    if settings.llm == "llamacpp":
        return {"response_format": {"type": "json_object", "schema": answer_schema(sources)}}
    if fmt == "json_schema":
        return {"extra_body": {"response_format": {"type": "json_schema", "json_schema": {
            "name": "grounded_answer", "schema": answer_schema(sources)}}}}
    if fmt == "json_object_schema":
        return {"extra_body": {"response_format": {"type": "json_object", "schema": answer_schema(sources)}}}
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


class GenerativeAnswerer:
    """Answers with a chat model over numbered passages; only verified sentences are kept."""

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

    def stream(self, question: str, sources: list[Source], fallback: Draft) -> Iterator[Draft | Outcome]:
        """Yield a growing Draft (lead of verified sentences only) as the model writes, then the final Outcome."""
        messages = build_messages(question, sources)
        by_number = {s.number: s for s in sources}
        verdict = Verdict()
        generation = Generation()

        def take(claim: Claim | None) -> bool:
            """Run one claim through the gate; True when it was kept."""
            return claim is not None and verdict.take(claim, by_number)

        formats = self._formats()
        for attempt, fmt in enumerate(formats):
            generation = Generation(format=fmt)
            handled = 0
            try:
                for _ in stream_text(self.model, messages, self.settings, generation,
                                     **_request(self.settings, sources, fmt)):
                    items = list(complete_items(generation.text))
                    grew = False
                    for item in items[handled:]:
                        grew = take(claim_from_item(item)) or grew
                    handled = max(handled, len(items))
                    if grew:
                        yield Draft(lead=_segments(verdict.kept), evidence=[])
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
            break
        claims, how = parse(generation.text)
        generation.extra["parsed"] = how
        if not handled:  # plain text, or JSON whose items were not in a streamed array
            for claim in claims:
                take(claim)

        kept = verdict.kept
        llm = {"model": model_label(self.model), "prompt_tokens": generation.prompt_tokens,
               "completion_tokens": generation.completion_tokens, "seconds": generation.seconds,
               "ttft_s": generation.ttft_s, "tokens_per_s": generation.tokens_per_s,
               "sentences": verdict.proposed, "kept": len(kept), "dropped": len(verdict.dropped),
               "drop_reasons": verdict.dropped, "fallback": not kept, "format": generation.format, "parsed": how,
               "sources": len(sources)}
        if not kept:
            log.info("no generated sentence survived verification (%d proposed); using the extractive answer",
                     verdict.proposed)
            yield Outcome(draft=fallback, llm=llm)
            return
        evidence: list[Quote] = list(dict.fromkeys(q for v in kept for q in v.quotes))
        yield Outcome(draft=Draft(lead=_segments(kept), evidence=evidence), llm=llm)


def ask_stream(assistant: Any, question: str, history: Any) -> Iterator["str | Answer"]:
    """The whole LLM path of ``Assistant.ask_stream``: condense (by the model), retrieve, decide abstention in code,
    generate, verify; yields the growing verified text, then the rendered Answer."""
    import time

    from .citations import render
    from .condense import condense_with_model
    from .condense import Question
    from .engine import clean_history, clean_question, noted, only_instructions
    from .llm import describe_failure, get_chat_model

    started = time.perf_counter()
    settings: Settings = assistant.settings
    cleaned = clean_question(question, settings.max_question_chars)
    turns = clean_history(history)
    asked = Question.plain(cleaned)
    if not asked.asked:  # nothing asked but instructions: the model is not called
        answer = render(only_instructions(), {}, "", {"answerer": settings.llm, "ignored": list(asked.ignored)})
        yield answer.text
        yield answer
        return
    model = get_chat_model(settings)
    try:
        asked = condense_with_model(cleaned, turns, model)
    except Exception as exc:
        raise describe_failure(exc, settings) from exc
    query = asked.query
    found = assistant.extract(asked)
    retrieval, documents, fallback, meta = found.retrieval, found.documents, found.draft, found.meta
    if fallback.abstained:  # decided in code: the model is not asked when the evidence cannot answer
        meta.update(llm_skipped="abstained before generation", seconds=round(time.perf_counter() - started, 3))
        answer = render(noted(fallback, asked.ignored), documents, query, meta)
        yield answer.text
        yield answer
        return
    sources = choose_sources(retrieval, documents, fallback, settings.llm_sources)
    outcome: Outcome | None = None
    shown = ""
    for step in GenerativeAnswerer(model, settings).stream(question_for_model(asked), sources, fallback):
        if isinstance(step, Outcome):
            outcome = step
        else:
            shown = render(step, documents, query, {}).text
            yield shown
    if outcome is None:
        raise RuntimeError("the generative answerer ended without an outcome")
    meta.update(llm=outcome.llm, seconds=round(time.perf_counter() - started, 3))
    if outcome.llm["fallback"]:
        meta["fallback"] = "extractive"  # nothing generated survived verification
    answer = render(noted(outcome.draft, asked.ignored), documents, query, meta)
    if answer.text != shown:
        yield answer.text
    yield answer
