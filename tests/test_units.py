"""Fast checks of the pure helpers: question kinds, values in text, sentences, condensing, citation checks."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.answer import facts
from assistant.answer.citations import Draft, Quote, Segment, render, verify
from assistant.answer.condense import condense
from assistant.documents import Answer, Citation, Document
from assistant.errors import CitationError
from assistant.answer.question import analyse, classify
from assistant.text import sentence_spans, terms

PUBLISHED = dt.date(2026, 1, 15)


@pytest.mark.parametrize("question, kind", [
    ("When is the deadline for the negotiations?", "date"),
    ("How many critical minerals does the US import completely?", "count"),
    ("How long do partners have?", "duration"),
    ("What share of processing does China control?", "percent"),
    ("How much money is committed under the framework?", "money"),
    ("Who is the Secretary of Commerce?", "name"),
    ("Which countries has the US turned to?", "list"),
    ("Why did the US issue the proclamation?", "explain"),
    ("What happens if the deadline is missed?", "explain"),
    ("In what year did the investigation start?", "year"),
])
def test_question_kinds(question, kind):
    assert classify(question) == kind


def test_relative_dates_resolve_against_publication():
    found = facts.dates("a deadline of July 13 this year; last October; on January 14 local time", PUBLISHED)
    assert [v.norm for v in found] == ["2026-07-13", "2025-10", "2026-01-14"]
    assert found[0].display == "July 13, 2026" and found[0].resolved_from == "July 13 this year"


def test_relative_dates_need_a_publication_date():
    assert [v.norm for v in facts.dates("July 13 this year and July 13, 2026")] == ["2026-07-13"]


def test_values_of_each_kind():
    text = "over 60% of output, US$8.5B, $110/kg, 180-day window, 12 critical minerals, Section 232, 45,000 t"
    assert [v.norm for v in facts.percents(text)] == ["60%"]
    assert [v.norm for v in facts.money(text)] == ["$8.5 billion", "$110"]
    assert [v.norm for v in facts.durations(text)] == ["180 day"]
    assert [v.norm for v in facts.counts(text)] == ["180", "12", "45000"]  # not 232: a section number


def test_names_after_titles_and_in_runs():
    text = "Trump directed U.S. Trade Representative Jacquelyn Gries and Secretary of Commerce Howard Lutnick."
    assert [v.surface for v in facts.names(text)] == ["Jacquelyn Gries", "Howard Lutnick"]
    assert [v.surface for v in facts.names("US Treasury Secretary Mnuchin convened")] == ["Mnuchin"]


def test_sentences_respect_abbreviations_and_lines():
    text = "Trump directed U.S. Trade Representative Greer. Announcement No. 18 applies.\nA caption line"
    spans = [text[s:e] for s, e in sentence_spans(text)]
    assert spans == ["Trump directed U.S. Trade Representative Greer.", "Announcement No. 18 applies.",
                     "A caption line"]


def test_terms_keep_exact_tokens():
    assert terms("Section 232's 92 percent, U.S. Lutnick") == ["section", "232", "92%", "usa", "lutnick"]


def test_follow_up_is_condensed_with_the_conversation():
    history = [{"role": "user", "content": "When is the deadline for the negotiations?"},
               {"role": "assistant", "content": "July 13, 2026 [1].\n\n“...” [1]"}]
    asked = condense("What happens if it is missed?", history)
    assert asked.resolved == "What happens if deadline is missed?"  # "it" is what the conversation is about
    assert asked.query.startswith(asked.resolved + " (") and "negotiations" in asked.query
    assert asked.subject and asked.previous == "When is the deadline for the negotiations?"
    # the conversation's subject, never the previous answer's value (a date asked for is no referent)
    assert "July" not in asked.query and "[1]" not in asked.query
    plain = condense("Who is the Secretary of Commerce?", history)
    assert plain.query == plain.asked == "Who is the Secretary of Commerce?" and not plain.follow_up
    assert analyse("And the trade representative?", previous="Who is the Secretary?").kind == "name"


DOCS = {"a.md": Document("a.md", "Alpha beta. The deadline is July 13, 2026.", {"title": "A"})}


def test_render_numbers_quotes_and_verifies():
    quote = Quote("a.md", 12, 42)
    answer = render(Draft(lead=[Segment("July 13, 2026", [quote]), Segment(".")], evidence=[quote]), DOCS, "q")
    assert answer.text.startswith("July 13, 2026 [1].")
    assert answer.citations[0].quote == "The deadline is July 13, 2026."
    assert (answer.citations[0].start, answer.citations[0].end) == (12, 42)


@pytest.mark.parametrize("citation, text", [
    (Citation(1, "a.md", "A", "The deadline is July 14, 2026.", 12, 42), "x [1]"),  # quote not at offsets
    (Citation(1, "b.md", "B", "Alpha", 0, 5), "x [1]"),  # unknown source
    (Citation(1, "a.md", "A", "Alpha", 0, 5), "x [2]"),  # marker without citation
])
def test_verify_rejects_bad_citations(citation, text):
    with pytest.raises(CitationError):
        verify(Answer(text=text, citations=[citation], abstained=False, query="q"), DOCS)


def test_a_bracketed_number_inside_a_quote_is_no_marker():
    docs = {"n.md": Document("n.md", "The council met twice [3] and voted.", {"title": "N"}),
            "p.txt": Document("p.txt", "- 4.2.0 final: see [12] for the date", {"title": "P"})}
    for source, doc in docs.items():
        quote = Quote(source, 0, len(doc.text))
        answer = render(Draft(lead=[], evidence=[quote]), docs, "q")
        assert [c.marker for c in answer.citations] == [1]


def test_units_on_a_cover_contents_or_disclaimer_page_are_no_evidence():
    from assistant.documents import Document
    from assistant.load.units import units

    text = ("Federal Grants for Harbours\nPrepared for Members of Congress\n\n"
            "Contents\nIntroduction .......... 1\n\n"
            "The program awarded 41 grants in FY2030.\n")
    body = text.index("The program")
    doc = Document("r.pdf", text, {"title": "Harbours", "front_matter": [[0, body]], "pages": [0, body]})
    quotable = [text[u.start:u.end] for u in units(doc) if u.evidence]
    assert quotable == ["The program awarded 41 grants in FY2030."]
    unmarked = Document("r.pdf", text, {"title": "Harbours"})
    assert len([u for u in units(unmarked) if u.evidence]) > 1
