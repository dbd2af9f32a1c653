"""The scorers themselves, on hand-made right and wrong answers: each kind of mistake must score as a failure."""

from __future__ import annotations

import pytest

from assistant.documents import Answer, Citation
from assistant.evaluation import Case, check_floors, lead, matches, normalise, regressions, score

DOC = ("He noted that the negotiating parties have 180 days to reach binding or enforceable agreements, with a "
       "deadline of July 13 this year. The reliance makes the defense, aerospace, telecommunications, and "
       "transportation sectors vulnerable.")
DOCS = {"article.md": (DOC, "2026-01-15")}
JULY13 = r"July\s+13,?\s+2026|13\s+July\s+2026|2026-07-13"

DEADLINE = Case("d", "When is the deadline?", "dates", [JULY13], ["article.md"], False)
SECTORS = Case("l", "Which sectors?", "lists", ["defen[cs]e", "aerospace", "telecom", "transport"], ["article.md"],
               False)
UNANSWERABLE = Case("u", "What tariff rate?", "unanswerable", [], [], True)
FALSE_PREMISE = Case("p", "Why a December deadline?", "adversarial", [JULY13], ["article.md"], False,
                     forbid=[r'(?<!")\bDecember\b'], may_abstain=True, in_lead=True)


def quote(text: str, marker: int = 1, source: str = "article.md", date: str = "2026-01-15") -> Citation:
    start = DOC.find(text)
    return Citation(marker, source, "T", text, max(start, 0), max(start, 0) + len(text), date=date)


def answer(text: str, *citations: Citation, abstained: bool = False, retrieved: list | None = None) -> Answer:
    return Answer(text=text, citations=list(citations), abstained=abstained, query="q",
                  meta={"retrieved": retrieved or []})


DEADLINE_QUOTE = quote("with a deadline of July 13 this year")


def test_a_right_answer_passes_with_every_metric():
    r = score(DEADLINE, answer("July 13, 2026 [1].\n\n\u201cwith a deadline of July 13 this year\u201d [1]",
                               DEADLINE_QUOTE, retrieved=[{"source": "article.md", "start": 0, "end": len(DOC)}]),
              document=DOCS.get)
    assert r.passed and r.correct and r.supported and r.cited and r.valid, r.reasons
    assert r.precision == 1.0 and r.rank == 1 and r.reciprocal_rank == 1.0


@pytest.mark.parametrize("written", ["13 July 2026", "2026-07-13", "July 13th 2026", "Jul. 13, 2026"])
def test_dates_match_in_any_usual_spelling(written):
    assert matches(JULY13, written)


def test_number_words_percentages_and_accents_are_normalised():
    assert matches(r"\b12\b", "twelve critical minerals")
    assert matches(r"(?<![\d.])92\s*%", "92 per cent of output")
    assert matches("Bastnasite", "bastnäsite from Mountain Pass")
    assert matches(r"56\s*-\s*43", "confirmed 56\u201343")
    assert "July 13, 2026" in normalise("a deadline of July 13 this year", "2026-01-15")


@pytest.mark.parametrize("case, bad, reason", [
    (DEADLINE, answer("July 14, 2026 [1].", quote("July 13")), "lead missing"),  # a wrong date
    (SECTORS, answer("\u201cdefense, aerospace\u201d [1]", quote("defense, aerospace")), "missing"),  # list item
    (DEADLINE, answer("July 13, 2026 [1].", quote("The reliance makes the defense")), "no cited quote"),
    (DEADLINE, answer("July 13, 2026 [1].", quote("with a deadline of July 13 this year", source="other.md")),
     "cites none"),
    (DEADLINE, answer("The sources don't say.", abstained=True), "abstained on an answerable"),
    (UNANSWERABLE, answer("25% [1].", quote("180 days")), "answered a question"),
    (FALSE_PREMISE, answer("The December deadline was set to pressure allies [1].", DEADLINE_QUOTE), "lead states"),
])
def test_wrong_answers_fail(case, bad, reason):
    r = score(case, bad, document=DOCS.get)
    assert not r.passed
    assert any(reason in x for x in r.reasons), r.reasons


def test_a_date_only_inside_a_quote_is_not_a_short_answer():
    r = score(DEADLINE, answer("\u201cwith a deadline of July 13 this year\u201d [1]", DEADLINE_QUOTE))
    assert lead(r.text) == "" and not r.correct and not r.passed
    assert r.supported  # the quote does hold the fact: support and correctness are separate scores


def test_a_quote_not_at_its_offsets_is_invalid():
    moved = Citation(1, "article.md", "T", "with a deadline of July 13 this year", 0, 36, date="2026-01-15")
    r = score(DEADLINE, answer("July 13, 2026 [1].", moved), document=DOCS.get)
    assert r.valid is False and not r.passed


def test_citation_precision_counts_quotes_that_hold_a_fact():
    r = score(DEADLINE, answer("July 13, 2026 [1][2].", DEADLINE_QUOTE, quote("The reliance makes", 2)),
              document=DOCS.get)
    assert r.passed and r.precision == 0.5


def test_retrieval_rank_is_the_first_chunk_of_an_expected_source_holding_the_fact():
    cut = DOC.find("The reliance")
    retrieved = [{"source": "article.md", "start": cut, "end": len(DOC)},  # right source, wrong passage
                 {"source": "other.md", "start": 0, "end": 10},
                 {"source": "article.md", "start": 0, "end": cut}]
    r = score(DEADLINE, answer("July 13, 2026 [1].", DEADLINE_QUOTE, retrieved=retrieved), document=DOCS.get)
    assert r.rank == 3 and r.reciprocal_rank == pytest.approx(1 / 3)


def test_a_false_premise_may_be_declined_or_corrected_but_not_repeated():
    declined = score(FALSE_PREMISE, answer("The sources don't say.", abstained=True))
    corrected = score(FALSE_PREMISE, answer("The sources don't support \u201cDecember\u201d: they give July 13, "
                                            "2026 [1].", DEADLINE_QUOTE))
    assert declined.passed and corrected.passed and corrected.premise_ok


def test_floors_name_the_cases_that_regressed():
    good = score(DEADLINE, answer("July 13, 2026 [1].", DEADLINE_QUOTE))
    bad = score(Case("d2", "When?", "dates", [JULY13], ["article.md"], False), answer("July 14, 2026 [1].",
                                                                                      DEADLINE_QUOTE))
    floors = {"categories": {"dates": 0.9}, "baseline_passed": ["d", "d2"]}
    problems = check_floors([good, bad], floors)
    assert len(problems) == 1 and "dates: 50% < floor 90%" in problems[0] and "regressed: d2" in problems[0]
    assert [r.case.id for r in regressions([good, bad], floors)] == ["d2"]
    assert check_floors([good], floors) == []


def test_a_citation_is_on_a_page_by_its_pdf_page_whatever_the_page_prints():
    from assistant.evaluation.scorers import on_page

    assert on_page("12", (12,)) and on_page("12-13", (13,)) and on_page("16 (printed 12)", (16,))
    assert on_page("16-17 (printed 12-13)", (17,))
    assert not on_page("16 (printed 12)", (12,)) and not on_page("", (1,)) and not on_page("iv", (4,))
