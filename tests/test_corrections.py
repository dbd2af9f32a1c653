"""Corrections win, and are never cited for the error (issue 14, item 2): document kinds, "does this quote contradict
this claim", and planted contradicting passages in a temp index, on both answerers' paths.

The samples are written for these tests in the style of each corpus (a news report with its fact-check; a PEP-like
reStructuredText proposal with a mailing-list summary; a White House-like order with a press summary)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant import ask
from assistant.answer.corrections import authority, contradicts, kind, reports
from assistant.documents import Document
from assistant.answer.facts import names
from assistant.answer.evidence import EvidenceUnit
from assistant.answer.grounding import check_answer
from assistant.load.units import units
from assistant.index.ingest import ingest
from assistant.settings import Settings

NEWS = """---
title: "Harbour bridge back in service"
publisher: Coastal Daily
date: 2025-06-01
---
The harbour bridge reopened on May 3, 2025, after eight weeks of repairs, the city said.
Works director Maria Okafor told reporters the repairs cost $12 million.
Traffic was heavy on the first morning.
"""
FACT_CHECK = """---
title: "Fact check: the harbour bridge report"
kind: fact-check
date: 2025-06-03
---
# Fact check

## Reopening date

The report says the bridge reopened on "May 3, 2025". The bridge reopened on May 5, 2025, according to the city's own notice.

## Works director

The report calls the works director "Maria Okafor". The works director is Daniel Brennan, in office since 2023.

## Cost

The report's figure of $12 million is correct according to the city budget.
"""
PEP_LIKE = """Proposal: 9001
Title: Frozen Record Syntax
Author: Ada Quill

Abstract
========

This proposal adds a frozen record syntax.  It was accepted on
2024-03-10 by the delegate Priya Raman.
"""
SUMMARY_LIKE = """---
title: "Mailing-list summary, March 2024"
kind: news
---
The frozen record proposal was accepted on 2024-03-10 by the delegate Tom Hale.
"""
ORDER_LIKE = """---
title: "Executive Order on Coastal Resilience"
kind: primary-summary
date: '2024-05-02'
---
Sec. 3.  Coastal Resilience Council.  (a)  There is established the
Coastal Resilience Council.  The Council shall report within 120 days.

Sec. 4.  Review.  The press summary says the Council must report within
"90 days".  That is wrong: the Council shall report within 120 days.
"""
PRESS_LIKE = """---
title: "Press summary: coastal order"
kind: news
---
The new Coastal Resilience Council must report within 90 days, the press office said.
"""


def _doc(source: str, text: str, **meta) -> Document:
    return Document(source=source, text=text, metadata=meta)


# -- kinds ----------------------------------------------------------------------------------------------------------
def test_kinds_come_from_metadata_and_rank_corrections_first():
    assert kind(_doc("a.md", "x", kind="Fact-Check")) == "fact-check"
    assert kind(_doc("b.md", "x")) == "news"
    assert kind(_doc("c.md", "x", kind="primary summary")) == "primary-summary"
    assert authority(_doc("a.md", "x", kind="fact-check")) > authority(_doc("d.md", "x", kind="background-brief")) \
        > authority(_doc("b.md", "x"))
    assert authority(_doc("e.md", "x", kind="official-record")) == 3  # a folder's own kind, read by its words


# -- does this quote report, correct or contradict this claim -----------------------------------------------------
@pytest.mark.parametrize("sentence, value, reported", [
    ('The report calls the works director "Maria Okafor".', "Maria Okafor", True),
    ('The article says Treasury Secretary "Kim Doe" convened the ministers.', "Kim Doe", True),
    ("Some sources give 2024-03-11 as the date.", "2024-03-11", True),
    ("Works director Maria Okafor told reporters the repairs cost $12 million.", "Maria Okafor", False),
    ("The delegate Priya Raman accepted it; the summary names Tom Hale.", "Priya Raman", False),
    ("The press summary says the Council must report within \"90 days\".", "90 days", True),
])
def test_reports_tells_a_reported_claim_from_a_statement(sentence, value, reported):
    assert reports(sentence, value) is reported


@pytest.mark.parametrize("quote, claim", [
    # says another document's value, in the news/fact-check style
    ('The report calls the works director "Maria Okafor".', "The works director is Maria Okafor."),
    # another value of the same kind for the same thing
    ("The bridge reopened on May 5, 2025, according to the city's own notice.", "The bridge reopened on May 3, 2025."),
    # a negation of the claim, in the White House order style
    ("The Council does not report to the press office.", "The Council reports to the press office."),
    # says the claim is wrong
    ('Saying the order "abolished" the Council would be wrong.', "The order abolished the Council."),
    # PEP style: another person for the same role
    ("It was accepted on 2024-03-10 by the delegate Priya Raman.",
     "It was accepted on 2024-03-10 by the delegate Tom Hale."),
    ("The Council shall report within 120 days.", "The Council shall report within 90 days."),
])
def test_a_contradicting_quote_is_detected(quote, claim):
    assert contradicts(quote, claim)


@pytest.mark.parametrize("quote, claim", [
    ("The bridge reopened on May 5, 2025, according to the city's own notice.", "The bridge reopened on May 5, 2025."),
    ('The report calls the works director "Maria Okafor".', 'The report calls the works director "Maria Okafor".'),
    ("It was accepted on 2024-03-10 by the delegate Priya Raman.", "Priya Raman accepted the proposal."),
    ("The Council shall report within 120 days.", "The Council reports within 120 days."),
    ("Traffic was heavy on the first morning.", "Traffic was heavy on the first morning after the reopening."),
])
def test_a_supporting_quote_is_not_flagged(quote, claim):
    assert not contradicts(quote, claim)


# -- the LLM gate ---------------------------------------------------------------------------------------------------
def _numbered(doc: Document) -> dict[int, EvidenceUnit]:
    return {i: EvidenceUnit(number=i, document=doc, unit=u)
            for i, u in enumerate((u for u in units(doc) if u.evidence), start=1)}


def test_gate_drops_a_sentence_whose_unit_corrects_it():
    fact_check = _doc("fc.md", FACT_CHECK.split("---\n", 2)[2], kind="fact-check", title="Fact check")
    shown = _numbered(fact_check)

    def number(quote: str) -> list[int]:
        return [n for n, u in shown.items() if quote in u.text][:1]

    question = "Who is the works director?"
    wrong = check_answer("The works director is Maria Okafor.",
                         number('The report calls the works director "Maria Okafor".'), shown, question)
    assert not wrong.kept and any("contradict" in d for d in wrong.dropped)
    wrong_date = check_answer("The bridge reopened on May 3, 2025.",
                              number("The bridge reopened on May 5, 2025, according to the city's own notice."),
                              shown, "When did the bridge reopen?")
    assert not wrong_date.kept
    right = check_answer("The works director is Daniel Brennan.",
                         number("The works director is Daniel Brennan, in office since 2023."), shown, question)
    assert [k.text for k in right.kept] == ["The works director is Daniel Brennan."]


# -- the extractive answerer over planted passages in a temp index --------------------------------------------------
@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("planted")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in {"bridge-news.md": NEWS, "bridge-fact-check.md": FACT_CHECK, "proposal-9001.txt": PEP_LIKE,
                       "list-summary.md": SUMMARY_LIKE, "coastal-order.md": ORDER_LIKE,
                       "coastal-press.md": PRESS_LIKE}.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=root / "index")
    assert ingest(settings=settings, progress=False).documents == 6
    return settings


def _supports(answer, value: str) -> list:
    """The citations the lead gives for ``value``: the markers right after the value's own words."""
    lead = answer.text.split("\n")[0]
    m = re.search(re.escape(value) + r"[^\[]{0,3}((?:\s?\[\d+\])+)", lead)
    numbers = {int(n) for n in re.findall(r"\d+", m.group(1))} if m else set()
    return [c for c in answer.citations if c.marker in numbers]


@pytest.mark.slow
def test_corrected_name_leads_and_the_correction_is_never_cited_for_the_error(planted):
    answer = ask("Who is the works director?", settings=planted)
    lead = answer.text.split("\n")[0]
    assert lead.startswith("Daniel Brennan"), answer.text
    assert "Maria Okafor" in lead and "corrects" in lead  # the other version is noted, citing both
    assert {c.source for c in answer.citations} >= {"bridge-news.md", "bridge-fact-check.md"}
    # the fact-check's report of the error is cited for the correction, never as support for the error
    for c in _supports(answer, "Daniel Brennan"):
        assert "Daniel Brennan" in c.quote
    for c in _supports(answer, "gives Maria Okafor"):
        assert c.source == "bridge-news.md" and not reports(c.quote, "Maria Okafor")


@pytest.mark.slow
def test_corrected_date_leads(planted):
    answer = ask("When did the harbour bridge reopen?", settings=planted)
    lead = answer.text.split("\n")[0]
    assert lead.startswith("May 5, 2025"), answer.text
    assert "May 3, 2025" in lead
    first = _supports(answer, "May 5, 2025")
    assert first and all("May 5" in c.quote for c in first)


@pytest.mark.slow
def test_a_value_the_fact_check_confirms_is_not_turned_into_a_correction(planted):
    answer = ask("How much did the bridge repairs cost?", settings=planted)
    assert answer.text.startswith("$12 million"), answer.text
    assert "corrects" not in answer.text


@pytest.mark.slow
def test_a_primary_order_corrects_a_press_summary_in_hard_wrapped_text(planted):
    answer = ask("Within how many days must the Coastal Resilience Council report?", settings=planted)
    lead = answer.text.split("\n")[0]
    assert "120" in lead.split(".")[0], answer.text  # the order's own figure leads
    assert not any(c.source == "coastal-order.md" and "90 days" in c.quote and "wrong" not in c.quote
                   for c in _supports(answer, "90 days"))


def test_names_are_found_in_the_samples():
    # the samples hold the values the tests above ask about (guards against a silently broken sample)
    assert {v.surface for v in names(NEWS)} >= {"Maria Okafor"}
    assert "Daniel Brennan" in {v.surface for v in names(FACT_CHECK)}
    assert Path(__file__).name == "test_corrections.py"


# -- two parties' figures in one paragraph ------------------------------------------------------------------------
def _stated(doc: Document, sentence: str, kind_: str):
    from assistant.answer.corrections import Stated
    from assistant.answer.facts import values

    start = doc.text.index(sentence)
    return Stated(doc, start, start + len(sentence), values(kind_, sentence)[0])


def test_two_parties_figures_are_both_reported():
    from assistant.answer.corrections import reported_disagreement

    text = ("## Funding\n\nThe city says the repairs cost $12 million over two years. The contractor says they cost "
            "more than $15 million, with $2 million in fees.\n")
    doc = _doc("brief.md", text, kind="background-brief", title="Brief")
    draft = reported_disagreement(_stated(doc, "The city says the repairs cost $12 million over two years.", "money"))
    assert draft is not None and draft.conflict
    lead = "".join(s.text for s in draft.lead)
    assert "The city gives $12 million" in lead and "the contractor gives more than $15 million and $2 million" in lead
    assert len({q for s in draft.lead for q in s.quotes}) == 2  # each side cited


@pytest.mark.parametrize("text, sentence", [
    # the same figure from both parties: no disagreement
    ("The Council says the review takes 120 days. The press office says it takes 120 days.",
     "The Council says the review takes 120 days."),
    # the document's own voice: nobody's figure is passed on
    ("The review takes 120 days. The press office says it takes 90 days.", "The review takes 120 days."),
])
def test_no_disagreement_is_invented(text, sentence):
    from assistant.answer.corrections import reported_disagreement

    doc = _doc("order.md", text, kind="primary-summary", title="Order")
    assert reported_disagreement(_stated(doc, sentence, "duration")) is None


# -- a quotation another document reports and corrects -----------------------------------------------------------
TITLED_NEWS = ('The council adopted a plan titled "Water Budget for the Northern Districts" on March 4, and the mayor '
               'called it "a plan for dry years" in her speech.')
TITLE_CHECK = ('# Fact check\n\n## Plan title\n\nThe report gives the title as "Water Budget for the Northern '
               'Districts." The official title is "Water Budget for the Northern Quarter," according to the council '
               'minutes.\n\n## Speech\n\nThe report quotes the mayor calling it "a plan for dry years," which is '
               'accurate.\n')
TITLED_PRESS = 'The order, titled "Coastal Resilience and Harbour Safety", creates a council, the press office said.'
TITLED_ORDER = ('Sec. 5.  Review.  The press summary says the order is titled\n"Coastal Resilience and Harbour '
                'Safety".  That is wrong: the order is titled\n"Implementation of the Coastal Resilience Act."\n')


def _quote_of(doc: Document, sentence: str):
    from assistant.answer.citations import Quote

    start = doc.text.index(sentence)
    return Quote(doc.source, start, start + len(sentence))


@pytest.mark.parametrize("news, check, focus, own", [
    (_doc("plan-news.md", TITLED_NEWS), _doc("plan-check.md", TITLE_CHECK, kind="fact-check", title="Fact check"),
     ["title", "plan"], "Water Budget for the Northern Quarter"),
    # a hard-wrapped order in the White House style corrects a press summary
    (_doc("press.md", TITLED_PRESS), _doc("order.md", TITLED_ORDER, kind="primary-summary", title="Order"),
     ["title", "order"], "Implementation of the Coastal Resilience Act"),
])
def test_a_quotation_reported_and_corrected_elsewhere_comes_with_the_correction(news, check, focus, own):
    from assistant.answer.citations import Draft
    from assistant.answer.corrections import amend, quoted_claim_corrected

    quote = _quote_of(news, news.text)
    found = quoted_claim_corrected(news, quote, [news, check], focus)
    assert found is not None
    report, correction, corrector = found
    assert corrector is check and own in check.text[correction.start:correction.end]
    assert reports(check.text[report.start:report.end], check.text[report.start:report.end].split('"')[1])
    draft = amend(Draft(lead=[], evidence=[quote]), {d.source: d for d in (news, check)}, focus)
    assert draft.conflict and draft.evidence[0] == correction and quote in draft.evidence  # the correction first
    assert "corrects" in "".join(s.text for s in draft.lead)


def test_a_quotation_confirmed_or_off_the_question_is_not_corrected():
    from assistant.answer.corrections import quoted_claim_corrected

    news = _doc("plan-news.md", TITLED_NEWS)
    check = _doc("plan-check.md", TITLE_CHECK, kind="fact-check", title="Fact check")
    speech = _doc("speech.md", 'The mayor called it "a plan for dry years" in her speech.')
    # the check calls the quoted words accurate: nothing to correct
    assert quoted_claim_corrected(speech, _quote_of(speech, speech.text), [speech, check], ["mayor", "speech"]) is None
    # the question is about the date, and the report speaks of the title: another part of the quote
    assert quoted_claim_corrected(news, _quote_of(news, news.text), [news, check], ["date", "adopt"]) is None
    # a correcting document is never corrected by one of its own kind or lower
    assert quoted_claim_corrected(check, _quote_of(check, check.text[:60]), [news, check], ["title"]) is None


@pytest.mark.slow
@pytest.mark.llm
def test_disagreement_stays_when_a_model_answers(planted):
    """Rule "disagreement stays": with a model configured, a corrected value is still answered by the extractive
    reader's correction (the model, which would state one value, is not asked), and says so in its meta."""
    settings = planted.model_copy(update={"llm": "llamacpp", "llm_model": "smollm2"})
    answer = ask("When did the harbour bridge reopen?", settings=settings)
    assert answer.text.split("\n")[0].startswith("May 5, 2025"), answer.text
    assert answer.meta["answered_by"] == "extractive (the sources disagree)" and "llm_skipped" in answer.meta


def test_the_authority_of_a_document_kind_is_data_a_user_edits(tmp_path, monkeypatch):
    from assistant.answer.corrections import authority_table

    table = tmp_path / "authority.json"
    table.write_text('{"gazette": 3, "blog": 0}', encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_SOURCE_AUTHORITY", str(table))
    authority_table.cache_clear()
    try:
        assert authority(_doc("g.md", "x", kind="gazette")) == 3 and authority(_doc("b.md", "x", kind="blog")) == 0
        table.write_text("[1, 2]", encoding="utf-8")
        authority_table.cache_clear()
        with pytest.raises(ValueError, match="source authority table"):
            authority(_doc("g.md", "x", kind="gazette"))
    finally:
        authority_table.cache_clear()
