"""The general reading rules of the answerer, each on text in the style of at least two corpora (a release
schedule, a government notice, a news report). The samples are written for these tests."""

from __future__ import annotations

import pytest

from assistant.index import constraints
from assistant.answer import facts
from assistant.documents import Document
from assistant.answer.picking import _label_contradicts
from assistant.answer.question import answer_side, classify
from assistant.load.units import heading_path, identity, units

SCHEDULE = Document("pep-9001.txt", (
    "PEP: 9001\nTitle: Python 4.2 Release Schedule\nAuthor: Ada Quill <ada@example.org>\n\n"
    "Release Manager and Crew\n\n- 4.2 Release Manager: Ada Quill\n- Windows installers: Bram Okafor\n\n"
    "Release Schedule\n\n4.2.0 schedule\n\n- 4.2.0 beta 1: Tuesday, 2031-05-06\n- 4.2.0 final: Monday, 2031-10-06\n\n"
    "Lifespan\n\nThe 4.2 series will receive bugfix updates for about two years. After that, security fixes follow "
    "until 2036."),
    {"title": "Python 4.2 Release Schedule", "fields": {"PEP": "9001", "Author": "Ada Quill"},
     "headings": []})
_text = SCHEDULE.text
SCHEDULE.metadata["headings"] = [[_text.index(h), _text.index(h) + len(h), lv] for h, lv in (
    ("Release Manager and Crew", 1), ("Release Schedule", 1), ("4.2.0 schedule", 2), ("Lifespan", 1))]

NOTICE = Document("2031-02-03-notice.md", (
    "Today, the President declared that a major disaster exists in the State of Eastmoor.\n\n"
    "The Administrator of the Federal Emergency Management Agency, Dana Pruitt, named Colm R. Vance as the "
    "Federal Coordinating Officer for recovery operations in the affected areas.\n\n"
    "| County | Aid |\n| --- | --- |"), {"title": "President Approves Eastmoor Disaster Declaration", "date": "2031-02-03"})

NEWS = Document("article.md", (
    "# Ministers meet on supply chains\n\nOn the 12th, finance ministers met in the capital. Trade Envoy Mira Solt "
    "said the deadline of 90 days stands. Mr. J. Ortega disagreed.\n"),
    {"title": "Ministers meet on supply chains", "date": "2031-03-13"})


def _texts(doc: Document, kind: str | None = None) -> list[str]:
    return [doc.text[u.start:u.end] for u in units(doc) if kind is None or u.kind == kind]


def test_units_are_items_fields_and_whole_sentences():
    assert "4.2.0 final: Monday, 2031-10-06" in _texts(SCHEDULE, "item")
    assert "PEP: 9001" in _texts(SCHEDULE, "field")
    assert "Release Schedule" in _texts(SCHEDULE, "heading")
    # the segmenter keeps an abbreviation and an initial inside their sentence
    assert "Mr. J. Ortega disagreed." in _texts(NEWS, "sentence")
    assert "Trade Envoy Mira Solt said the deadline of 90 days stands." in _texts(NEWS, "sentence")
    final = next(u for u in units(SCHEDULE) if SCHEDULE.text[u.start:u.end].startswith("4.2.0 final"))
    assert SCHEDULE.text[final.value_start:final.end] == "Monday, 2031-10-06"


def test_hard_wrapped_lines_join_but_separate_lines_do_not():
    wrapped = Document("memo.txt", "The agency shall report within ninety\ndays of this order to the\nCommittee.")
    assert _texts(wrapped, "sentence") == ["The agency shall report within ninety\ndays of this order to the\nCommittee."]
    caption = Document("a.md", "Ministers met in the capital, photo by the desk\n" + "The meeting " * 20 + "ended.")
    assert len(_texts(caption, "sentence")) == 2


def test_table_rows_are_units_with_the_first_cell_as_label():
    doc = Document("t.md", "Position | Name\n4.2 Release Manager | Ada Quill\nDocs | Bram Okafor")
    row = next(u for u in units(doc) if doc.text[u.start:u.end].startswith("4.2 Release"))
    assert row.kind == "row" and doc.text[row.value_start:row.end] == "Ada Quill"
    assert "| County | Aid |" in _texts(NOTICE, "row")  # a raw Markdown row, borders and all


def test_heading_path_and_identity():
    offset = SCHEDULE.text.index("4.2.0 final")
    assert heading_path(SCHEDULE, offset) == ("Release Schedule", "4.2.0 schedule")
    assert identity(SCHEDULE) == "PEP 9001 \u00b7 Python 4.2 Release Schedule"
    assert heading_path(NEWS, NEWS.text.index("Mr. J.")) == ("Ministers meet on supply chains",)


@pytest.mark.parametrize("question, unit, context, unmet", [
    ("When was 4.2.0 final released?", "4.2.0 final: Monday, 2031-10-06", "Python 4.2 Release Schedule", []),
    ("When was 4.2.0 final released?", "4.3.0 final: Monday, 2032-10-04", "Python 4.3 Release Schedule", ["4.2.0"]),
    ("Who is the release manager for 4.2?", "Release Manager: Ada Quill", "Python 4.2 Release Schedule", []),
    ("Who is the release manager for 4.1?", "Release Manager: Ada Quill", "Python 4.10 Release Schedule", ["4.1"]),
    ("When is 4.2.3 due?", "after 4.2.0 final, until 2036", "Python 4.2 Release Schedule", ["4.2.3"]),
    ("When was 4.2.0 released?", "4.2.0rc1 2031-09-01", "", ["4.2.0"]),
    ("What does PEP 9001 say?", "x", "PEP 9001 \u00b7 Title", []),
    ("What does PEP 900 say?", "x", "PEP 9001 \u00b7 Title", ["PEP 900"]),
    ("What did Proclamation 12001 impose?", "Proclamation 12001 imposes a 10% tariff", "", []),
    ("What did Proclamation 12001 impose?", "Proclamation 12002 imposes a 10% tariff", "", ["Proclamation 12001"]),
    ("What was announced in the 2031 declaration?", "aid was announced", "Declaration (2031-02-03)", []),
    ("What was announced in the 2030 declaration?", "aid was announced", "Declaration (2031-02-03)", ["2030"]),
    ("What does the Eastmoor Survey Report 2031 say?", "the ESR 2031 says", "", []),
])
def test_constraints(question, unit, context, unmet):
    assert constraints.unmet(question, unit, context) == unmet


def test_named_things_match_their_other_forms():
    names = [c for c in constraints.of_question("What did the Japanese envoy tell the IEA?") if c.kind == "name"]
    assert {c.surface for c in names} == {"Japanese", "IEA"}
    assert all(constraints.matches(c, "Japan's envoy wrote to the International Energy Agency") for c in names)


@pytest.mark.parametrize("text, common, expected", [
    ("4.2 Release Manager: Ada Quill", "the release manager", ["Ada Quill"]),
    ("Release Schedule", "release schedule", []),
    ("Dana Pruitt, Administrator, Federal Emergency Management Agency, named Colm R. Vance", "", ["Dana Pruitt", "Colm R. Vance"]),
    ("Trade Envoy Mira Solt and Secretary of Commerce Ivo Brandt met", "", ["Mira Solt", "Ivo Brandt"]),
    ("written by Anneke van der Berg", "", ["Anneke van der Berg"]),
    # a portfolio after "<Title> for" is no person (order style; PEP-like governance style)
    ("The Assistant to the Mayor for Public Safety and Dana Pruitt shall serve", "", ["Dana Pruitt"]),
    ("the Release Manager for Source Archives, Ada Quill, decides", "", ["Ada Quill"]),
])
def test_person_names(text, common, expected):
    assert [v.surface for v in facts.names(text, facts.lower_words(common))] == expected


def test_lower_words_skip_addresses():
    assert "quill" not in facts.lower_words("Ada Quill <ada@quill.example.org> wrote http://quill.example.org/x")


@pytest.mark.parametrize("label, question, contradicts", [
    ("4.2.0 beta 3", "When was 4.2.0 beta 5 released?", True),
    ("4.2.0 beta 4", "When was the first beta of 4.2.0?", True),
    ("4.2.0 beta 1", "When was the first beta of 4.2.0?", False),
    ("Section 4", "What does section 4 of the order require?", False),
    ("Phase 2", "What happens in phase 3 of the plan?", True),
    # an identifier names the document, not a sibling: a field of PEP 9001 answers about PEP 9001
    ("Author", "Who is the author of PEP 9001?", False),
    ("Effective date", "What is the effective date of Proclamation 10001?", False),
    ("4.2.0 beta 3", "When was beta 5 of PEP 9001 due?", True),
])
def test_label_numbers_tell_siblings_apart(label, question, contradicts):
    assert _label_contradicts(label, question) is contradicts


@pytest.mark.parametrize("question, kind", [
    ("What is the maximum line length recommended by the style guide?", "count"),
    ("How many members does the council have?", "count"),
    ("What was the Senate vote on the nominee?", "count"),
    ("What was the exact release date of 4.2.0?", "date"),
    ("Who sits on the 2031 council?", "list"),
    ("Which counties were designated for aid?", "list"),
    ("Who named the coordinating officer?", "name"),
])
def test_question_kinds(question, kind):
    assert classify(question) == kind


def test_answer_side():
    assert answer_side("Who did the envoy succeed?") == 1
    assert answer_side("Who signed the declaration?") == -1
    assert answer_side("Who is the coordinating officer?") == 0


@pytest.mark.parametrize("question, kind", [
    ("Which day was proclaimed a day of remembrance?", "date"),
    ("What date is the 4.2.0 final planned for?", "date"),
    ("Which minerals were listed?", "list"),
    ("What's the planned release date for 4.2.0 final?", "date"),
])
def test_question_kinds_by_form(question, kind):
    assert classify(question) == kind


def test_what_a_question_rules_out():
    from assistant.answer.question import analyse
    intent = analyse("What day was 4.2.0 released (final, not a candidate)?")
    assert intent.negated == ["candidate"] and "final" in intent.focus_terms
    assert analyse("Besides the agency head, who co-chairs the council?").negated == ["agency", "head"]
    assert analyse("Why did the plan not work?").negated == []


def test_places_are_no_person_names(tmp_path, monkeypatch):
    from assistant.answer import places

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    places.place_names.cache_clear()
    try:
        assert places.is_place("South Korea") and places.is_place("North Carolina") and not places.is_place("Ada Quill")
        assert (tmp_path / "assistant" / "places").is_dir()  # kept for the next process
        places.place_names.cache_clear()
        assert places.is_place("Saudi Arabia")  # read back from the cache
    finally:
        places.place_names.cache_clear()


def test_a_parenthesis_is_a_clause_and_an_article_numbers_nothing():
    from assistant.answer.picking import _clauses

    text = "Lines are limited to 79 characters (and comments to 72)."
    assert [text[a:b] for a, b in _clauses(text)] == ["Lines are limited to 79 characters", " (and comments to 72",
                                                       ")."]
    assert not _label_contradicts("Scoring Round", "How many votes did Ada Quill get in the 2031 election?")


def test_money_prefixes_are_whole_words():
    amounts = [v.surface for v in facts.money("more than $3 billion, plus $2 million, and US$1 billion and A$5")]
    assert amounts == ["more than $3 billion", "$2 million", "US$1 billion", "A$5"]
    assert [v.norm for v in facts.money("paid just 82 cents for every dollar")] == ["82 cents"]


# -- offices: who holds a role when a text names no person ------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    # a municipal order in the White House style: offices listed together are each read whole
    ("(b)  The Assistant to the Mayor for Housing Policy, the Assistant to the Mayor for Public Safety, and the "
     "Director of the Office of Parks and Recreation shall serve as Trustees of the Harbour Trust.",
     ["Assistant to the Mayor for Housing Policy", "Assistant to the Mayor for Public Safety",
      "Director of the Office of Parks and Recreation", "Trustees of the Harbour Trust"]),
    # qualifiers before the title; an office inside an institution's name is no office of its own
    ("There is established within the Office of the Mayor the position of Harbour District Water Coordinator, who "
     "shall serve as Trustee.", ["Harbour District Water Coordinator", "Trustee"]),
    # "and" before another title separates two offices; "and" inside a name does not split it
    ("The Secretary of Finance and the Port Commissioner shall report.", ["Secretary of Finance",
                                                                          "Port Commissioner"]),
    # a PEP-like governance section: a lower-case complement is no part of the office
    ("Decisions on the proposal are delegated to the Release Manager of each series.", ["Release Manager"]),
    # a news report: a title in lower case, and a sentence-initial capital, name no office
    ("The treasurer, Ines Varga, said the reservoir had fallen to 41 percent.", []),
])
def test_offices_are_read_by_their_titles(text, expected):
    found = facts.offices(text)
    assert [v.surface for v in found] == expected
    assert all(text[v.start:v.end] == v.surface for v in found)  # each value is the text as written

