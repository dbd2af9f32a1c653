"""The eval suite: cases written from the corpus (``evals/cases.jsonl``), deterministic scorers, a runner, and a
report (Markdown, JSON, PNG) with per-category floors that gate CI (``evals/floors.json``)."""

from __future__ import annotations

from .cases import CATEGORIES, DEFAULT_CASES, DEFAULT_FLOORS, EVALS_DIR, Case, load_cases
from .report import check_floors, load_floors, record_floors, regressions, table, write_chart, write_report
from .runner import document_lookup, run, summary
from .scorers import Result, lead, matches, normalise, score

__all__ = ["CATEGORIES", "DEFAULT_CASES", "DEFAULT_FLOORS", "EVALS_DIR", "Case", "Result", "check_floors",
           "document_lookup", "lead", "load_cases", "load_floors", "matches", "normalise", "record_floors", "regressions", "run",
           "score", "summary", "table", "write_chart", "write_report"]
