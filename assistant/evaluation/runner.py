"""Run the cases through an ``ask`` function and summarise the scores per category."""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from typing import Any, Callable, Iterable

from ..documents import Answer
from .cases import CATEGORIES, Case
from .scorers import DocumentText, Result, score


def run(cases: Iterable[Case], ask: Callable[..., Answer], document: DocumentText | None = None,
        backend: str = "extractive") -> list[Result]:
    """Ask every case (with its conversation) and score it; latency is measured around ``ask``. An exception from
    ``ask`` fails that case, with the exception as the first reason."""
    results = []
    for case in cases:
        started = time.perf_counter()
        try:
            answer = ask(case.question, case.history or None)
        except Exception as exc:  # a crash fails its case (and is named in the report); the run goes on
            crash = f"ask raised {type(exc).__name__}: {str(exc).strip()[:200]}"
            answer = Answer("", [], False, case.question, meta={"error": crash})
            result = score(case, answer, time.perf_counter() - started, document, backend)
            result.reasons.insert(0, crash)
            results.append(result)
            continue
        results.append(score(case, answer, time.perf_counter() - started, document, backend))
    return results


def document_lookup(assistant: Any) -> DocumentText:
    """``source -> (text, date)`` from an Assistant's stored documents (for validity and retrieval scoring)."""
    def lookup(source: str) -> tuple[str, str] | None:
        doc = assistant.document(source)
        return None if doc is None else (doc.text, str(doc.metadata.get("date", "")))
    return lookup


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summary(results: list[Result], k: int = 8) -> dict[str, dict[str, Any]]:
    """Per category (in suite order) and "all": cases, passed, accuracy, median latency; for "all" also
    abstention precision/recall, false-premise handling, citation validity/precision/support, page citation (answers
    citing the expected PDF page, where cases name one), hit@k and MRR,
    and the LLM's dropped-sentence share, tokens/s and time to first token when the backend reports them."""
    groups: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        groups[r.case.category].append(r)
    order = [c for c in CATEGORIES if c in groups] + sorted(c for c in groups if c not in CATEGORIES)
    out: dict[str, dict[str, Any]] = {}
    for name in order + ["all"]:
        rs = results if name == "all" else groups[name]
        out[name] = {"cases": len(rs), "passed": sum(r.passed for r in rs),
                     "accuracy": sum(r.passed for r in rs) / len(rs),
                     "median_s": _median([r.seconds for r in rs])}
    answerable = [r for r in results if not r.case.abstain]
    should = [r for r in results if r.case.abstain]
    abstained = [r for r in results if r.abstained]
    premise = [r for r in results if r.premise_ok is not None]
    ranks = [r.rank for r in answerable]
    dropped = sum(r.llm.get("dropped", 0) for r in results)
    sentences = sum(r.llm.get("sentences", 0) for r in results)
    out["all"].update({
        "abstention_rate": len(abstained) / len(results),
        "abstention_precision": (sum(r.case.abstain for r in abstained) / len(abstained)) if abstained else 1.0,
        "abstention_recall": (sum(r.abstained for r in should) / len(should)) if should else 1.0,
        "false_premise_handled": _mean([float(r.passed) for r in premise]),
        "citation_validity": _mean([float(r.valid) for r in results if r.valid is not None]),
        "citation_precision": _mean([r.precision for r in results if r.precision is not None]),
        "citation_support": _mean([float(r.supported) for r in answerable if not r.abstained]),
        "page_citation": _mean([float(r.page_cited) for r in answerable
                                if not r.abstained and r.page_cited is not None]),
        f"hit@{k}": _mean([float(x is not None and x <= k) for x in ranks]) if ranks else None,
        "hit@1": _mean([float(x == 1) for x in ranks]) if ranks else None,
        "mrr": _mean([1.0 / x if x else 0.0 for x in ranks]) if ranks else None,
        "p95_s": sorted(r.seconds for r in results)[max(0, int(0.95 * len(results)) - 1)],
    })
    if any(r.llm for r in results):
        out["all"].update({
            "llm_dropped_share": (dropped / sentences) if sentences else None,
            "llm_tokens_per_s": _median([r.llm["tokens_per_s"] for r in results if r.llm.get("tokens_per_s")]),
            "llm_ttft_s": _median([r.llm["ttft_s"] for r in results if r.llm.get("ttft_s") is not None]),
            "llm_unverified": sum(bool(r.llm.get("unverified")) for r in results),
        })
    return out
