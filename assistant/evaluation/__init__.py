"""The eval suites: cases written from each corpus (``evals/cases.jsonl`` for the bundled corpus,
``evals/corpora/<name>.jsonl`` for the shared ones), deterministic scorers, a runner, the orchestration that indexes
each corpus' subset once (:mod:`.corpora`), a report (Markdown, JSON, PNG) with per-corpus floors that gate CI, and
``evaluate`` (:mod:`.outcome`): everything ``assistant eval`` does but printing."""

from __future__ import annotations

from .cases import CATEGORIES, DEFAULT_CASES, DEFAULT_FLOORS, EVALS_DIR, LEAD_CATEGORIES, SPLITS, Case, load_cases
from .corpora import (BUNDLED, CORPORA, CORPORA_DIR, SHARED, CorpusMissing, EvalRun, Suite, SuiteRun, backend_label,
                      index_key, index_settings, prepare, run_suites, selected, suite)
from .report import (check_floors, load_floors, record_floors, regressions, side_by_side, split_summaries, table,
                     write_chart, write_report, write_reports)
from .outcome import Outcome, evaluate, suite_lines, suite_problems
from .runner import document_lookup, run, summary
from .scorers import Result, lead, matches, normalise, score

__all__ = ["BUNDLED", "CATEGORIES", "CORPORA", "CORPORA_DIR", "DEFAULT_CASES", "DEFAULT_FLOORS", "EVALS_DIR",
           "LEAD_CATEGORIES", "SHARED", "SPLITS", "Case", "CorpusMissing", "EvalRun", "Outcome", "Result", "Suite",
           "SuiteRun", "backend_label", "check_floors", "document_lookup", "evaluate", "index_key", "index_settings",
           "lead", "load_cases", "load_floors", "matches", "normalise", "prepare", "record_floors", "regressions", "run",
           "run_suites", "score", "selected", "side_by_side", "split_summaries", "suite", "suite_lines",
           "suite_problems", "summary", "table", "write_chart", "write_report", "write_reports"]
