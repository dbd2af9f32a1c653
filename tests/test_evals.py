"""The eval suite: a well-formed dataset, a report on every run, and the floors that gate CI on the real corpus."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from assistant.evaluation import (CATEGORIES, DEFAULT_FLOORS, Case, check_floors, document_lookup, load_cases,
                                  load_floors, regressions, run, score, summary, write_report)
from assistant.documents import Answer, Citation


def test_cases_file_covers_every_category():
    cases = load_cases()
    counts = Counter(c.category for c in cases)
    assert len(cases) >= 80
    assert set(counts) == set(CATEGORIES), counts
    assert min(counts.values()) >= 8, counts
    assert len({c.id for c in cases}) == len(cases)
    for c in cases:
        assert c.expect or c.abstain, c.id
        assert c.abstain or c.sources, c.id
        for pattern in c.expect + c.forbid:
            re.compile(pattern)
    assert all(c.history for c in cases if c.category == "multi-turn")


def test_floors_cover_every_category_and_name_passing_cases():
    floors = load_floors()
    ids = {c.id for c in load_cases()}
    assert set(floors["categories"]) == set(CATEGORIES)
    assert all(0 <= f <= 1 for f in floors["categories"].values())
    assert set(floors["baseline_passed"]) <= ids


def test_malformed_cases_file_names_the_line(tmp_path):
    path = tmp_path / "cases.jsonl"
    path.write_text('{"id": "a", "question": "q", "category": "dates"}\n{not json\n')
    with pytest.raises(ValueError, match=r"cases.jsonl:2"):
        load_cases(path)


def test_report_merges_backends_and_draws_the_chart(tmp_path):
    case = Case("d", "When?", "dates", [r"July\s+13,?\s+2026"], ["a.md"], False)
    cite = Citation(1, "a.md", "T", "deadline of July 13, 2026", 0, 25)
    right = score(case, Answer("July 13, 2026 [1].", [cite], False, "q"), backend="extractive")
    wrong = score(case, Answer("July 14, 2026 [1].", [cite], False, "q",
                               meta={"llm": {"sentences": 4, "dropped": 1, "tokens_per_s": 12.5, "ttft_s": 0.4}}),
                  backend="llamacpp")
    write_report([right], tmp_path, "extractive")
    report = write_report([wrong], tmp_path, "llamacpp")
    data = json.loads((tmp_path / "results.json").read_text())
    assert set(data["runs"]) == {"extractive", "llamacpp"}
    assert data["runs"]["llamacpp"]["summary"]["all"]["llm_dropped_share"] == 0.25
    text = report.read_text()
    assert "| dates | 100% | 0% |" in text and "12.5 tokens/s" in text
    assert (tmp_path / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def corpus_results(corpus_settings):
    from assistant.engine import get_assistant

    assistant = get_assistant(corpus_settings)
    return run(load_cases(), assistant.ask, document_lookup(assistant))


@pytest.mark.slow
def test_eval_suite_meets_the_floors(corpus_results, tmp_path):
    floors = load_floors(DEFAULT_FLOORS)
    problems = check_floors(corpus_results, floors)
    regressed = [f"{r.case.id} ({r.case.category}): {'; '.join(r.reasons)}"
                 for r in regressions(corpus_results, floors)]
    assert not problems, "\n".join(problems + ["regressed since the baseline:"] + regressed)
    stats = summary(corpus_results)
    assert stats["all"]["citation_validity"] == 1.0


@pytest.mark.slow
def test_every_run_writes_the_report(corpus_results, tmp_path):
    report = write_report(corpus_results, tmp_path, "extractive", load_floors())
    data = json.loads((tmp_path / "results.json").read_text())
    assert len(data["runs"]["extractive"]["cases"]) == len(corpus_results)
    assert "## Floors" in report.read_text() and (tmp_path / "report.png").stat().st_size > 1000


@pytest.mark.slow
def test_eval_command_prints_a_table_and_gates(corpus_settings, tmp_path):
    from click.testing import CliRunner

    from assistant.cli import cli

    args = ["--corpus-dir", str(corpus_settings.corpus_dir), "--index-dir", str(corpus_settings.index_dir), "eval",
            "--category", "unanswerable", "--report", str(tmp_path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "| unanswerable | 13 |" in result.output and (tmp_path / "report.png").exists()
    bad = CliRunner().invoke(cli, args[:-4] + ["--category", "nonsense"])
    assert bad.exit_code != 0 and "known: dates" in str(bad.exception or bad.output)
