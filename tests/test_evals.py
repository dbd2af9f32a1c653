"""The eval suite: the scorers catch wrong answers, and the assistant stays above the floors on the real corpus."""

from __future__ import annotations

import json

import pytest

from assistant.documents import Answer, Citation
from assistant.evals import Case, load_cases, run, score, summary, write_report
from assistant.settings import PROJECT_ROOT

# Floors measured on the bundled corpus (see README "Evals"); a change that drops below them fails CI.
MIN_ACCURACY = 0.80
MIN_ABSTENTION_RECALL = 0.9
MIN_ABSTENTION_PRECISION = 0.85

DEADLINE = Case("d", "When is the deadline?", "date", [r"July\s+13,?\s+2026"], ["article.md"], False)
LIST = Case("l", "Which sectors?", "list", ["defen[cs]e", "aerospace", "telecom"], ["article.md"], False)
UNANSWERABLE = Case("u", "What tariff rate?", "unanswerable", [], [], True)


def answer(text: str, quote: str, source: str = "article.md", abstained: bool = False) -> Answer:
    return Answer(text=text, citations=[Citation(1, source, "T", quote, 0, len(quote))], abstained=abstained,
                  query="q")


def test_a_right_answer_passes():
    assert score(DEADLINE, answer("July 13, 2026 [1].", "deadline of July 13, 2026")).passed


@pytest.mark.parametrize("case, bad", [
    (DEADLINE, answer("July 14, 2026 [1].", "deadline of July 14, 2026")),  # wrong date
    (LIST, answer("defense and aerospace [1].", "the defense and aerospace sectors")),  # missing list item
    (DEADLINE, answer("July 13, 2026 [1].", "an unrelated sentence")),  # unsupported citation
    (DEADLINE, answer("July 13, 2026 [1].", "deadline of July 13, 2026", source="other.md")),  # wrong source
    (DEADLINE, answer("The sources don't say.", "x", abstained=True)),  # abstained on an answerable case
    (UNANSWERABLE, answer("25% [1].", "a 25% tariff")),  # answered the unanswerable
])
def test_wrong_answers_fail(case, bad):
    assert not score(case, bad).passed


def test_cases_file_is_well_formed():
    cases = load_cases()
    assert len(cases) >= 25
    assert len({c.id for c in cases}) == len(cases)
    assert sum(c.abstain for c in cases) >= 5
    assert all(c.expect or c.abstain for c in cases)


def test_malformed_cases_file_names_the_line(tmp_path):
    path = tmp_path / "cases.jsonl"
    path.write_text('{"id": "a", "question": "q", "category": "date"}\n{not json\n')
    with pytest.raises(ValueError, match=r"cases.jsonl:2"):
        load_cases(path)


@pytest.mark.slow
def test_eval_suite_meets_the_floors(corpus_settings, tmp_path):
    from assistant.engine import get_assistant

    results = run(load_cases(), get_assistant(corpus_settings).ask)
    stats = summary(results)
    report = write_report(results, tmp_path)
    data = json.loads((tmp_path / "results.json").read_text())
    assert report.exists() and len(data["cases"]) == len(results)
    failed = [f"{r.case.id}: {'; '.join(r.reasons)}" for r in results if not r.passed]
    assert stats["all"]["accuracy"] >= MIN_ACCURACY, "\n".join(failed)
    assert stats["all"]["abstention_recall"] >= MIN_ABSTENTION_RECALL, "\n".join(failed)
    assert stats["all"]["abstention_precision"] >= MIN_ABSTENTION_PRECISION, "\n".join(failed)
    assert (PROJECT_ROOT / "evals" / "cases.jsonl").exists()
