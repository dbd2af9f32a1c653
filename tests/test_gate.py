"""The generic gate a model's answer passes, on text in the style of three kinds of documents (a release schedule
with header fields, a government release, a statistical table rendered as records): cited units must state every
figure, date and name of the sentence; the version, year or identifier the question pins must be met; a right
value cited by a wrong id is recited to the shown unit stating it; quotes are cut to the clause that states the
value; and the answerer abstains in code only when retrieval matched nothing. The samples are written for these
tests."""

from __future__ import annotations

import pytest

from assistant.answer.citations import Draft, Quote, Segment
from assistant.answer.corrections import contradicts
from assistant.answer.evidence import EvidenceUnit, Selection
from assistant.answer.generative import MODEL_ABSTAINED, NOT_VERIFIED, Outcome, header_fields, matched_nothing, settle
from assistant.answer.grounding import check_answer
from assistant.answer.quotes import tighten
from assistant.documents import Chunk, Document, RetrievedChunk
from assistant.index.retrieve import Retrieval
from assistant.load.units import units

PEP = """PEP: 9051
Title: Frobnicator 5.1 Release Schedule

Release Manager and Crew
========================

- 5.1 Release Manager: Ada Quill
- Windows installers: Bram Okafor

Release Schedule
================

- 5.1.0 candidate 1: Monday, 2031-09-29
- 5.1.0 final: Monday, 2031-10-13
"""

RELEASE = """# Delegation to the Inauguration of the President of Eastmoor

The Honorable Mara Vell, Secretary of the Department of Tides, will lead the delegation.

The relief program has delivered nearly 4 million meals to 12 counties since 2029-04-01.

The board held its first meeting on 2030-03-05 in Norbury.
"""

TABLE = """# Salient statistics

(thousand metric tons)

Production › Tin › 2029: 1,040
Production › Tin › 2030: 1,150
Imports › Tin › 2030: 310
"""


def _shown(source: str, text: str, title: str, date: str = "") -> dict[int, EvidenceUnit]:
    doc = Document(source, text, {"title": title, **({"date": date} if date else {})})
    found = [u for u in units(doc) if u.evidence]
    return {i: EvidenceUnit(i, doc, u) for i, u in enumerate(found, start=1)}


def _number(shown: dict[int, EvidenceUnit], text: str) -> int:
    return next(n for n, u in shown.items() if text in u.text)


def _kept(question: str, answer: str, shown: dict[int, EvidenceUnit], cited: str) -> list[str]:
    return [k.text for k in check_answer(answer, [_number(shown, cited)], shown, question).kept]


def test_every_figure_and_name_stated_must_be_in_the_cited_units():
    pep = _shown("pep-9051.txt", PEP, "pep-9051")
    assert _kept("When is 5.1.0 final?", "Monday, 2031-10-13", pep, "5.1.0 final") == ["Monday, 2031-10-13"]
    assert _kept("When is 5.1.0 final?", "October 13, 2031.", pep, "5.1.0 final") == ["October 13, 2031."]
    assert not _kept("When is 5.1.0 final?", "Monday, 2031-10-20", pep, "5.1.0 final")
    release = _shown("delegation.md", RELEASE, "Delegation")
    assert _kept("Who leads the delegation?", "Mara Vell leads it.", release, "Mara Vell")
    assert not _kept("Who leads the delegation?", "Ines Tal leads it.", release, "Mara Vell")
    assert not _kept("How many meals were delivered?", "Nearly 5 million meals.", release, "meals")
    table = _shown("tin.txt", TABLE, "Salient statistics")
    assert _kept("How much tin was produced in 2030?", "1,150 thousand metric tons.", table, "Production › Tin › 2030")
    assert not _kept("How much tin was produced in 2030?", "1,250 thousand metric tons.", table,
                     "Production › Tin › 2030")
    reliance = _shown("reliance.txt", "# Net import reliance\n\nNet import reliance as a percentage › 2030: 76\n"
                      "Price, dollars per kilogram › 2030: 31\n", "Statistics")
    assert _kept("What was the import reliance in 2030?", "76%.", reliance, "reliance") == ["76%."]
    assert _kept("What was the price in 2030?", "$31 per kilogram.", reliance, "Price") == ["$31 per kilogram."]
    assert not _kept("What was the price in 2030?", "31%.", reliance, "Price")
    assert not _kept("What was the price in 2030?", "$31 million.", reliance, "Price")
    loan = _shown("loan.md", "# Loan\n\nThe agency lent the company $150 million in 2030.\n", "Loan")
    assert _kept("How much was the loan?", "150 million.", loan, "lent") == ["150 million."]
    assert not _kept("How much was the loan?", "€150 million.", loan, "lent")


def test_the_version_or_year_the_question_pins_must_be_met_by_the_cited_unit():
    pep = _shown("pep-9051.txt", PEP, "pep-9051")
    verdict = check_answer("Monday, 2031-09-29", [_number(pep, "candidate 1")], pep, "When is 5.2.0 candidate 1?")
    assert not verdict.kept and verdict.refused_units
    table = _shown("tin.txt", TABLE, "Salient statistics")
    verdict = check_answer("1,040", [_number(table, "2029")], table, "How much tin was produced in 2031?")
    assert not verdict.kept and "2031" in " ".join(verdict.refused_units)
    # a report states the year once for its paragraph: the sentence that gives the value is about that year
    report = _shown("r.pdf", "In tax year 2030, claims rose sharply. The average credit was $882. Most went to "
                    "owners.\n\nIn 2029 the average was $640.\n", "Preliminary data on the credit")
    assert _kept("What was the average credit in 2030?", "$882.", report, "$882") == ["$882."]
    assert not _kept("What was the average credit in 2030?", "$640.", report, "$640")


def test_a_pinned_identifier_may_be_on_the_document_s_cover_and_a_year_in_its_subject():
    # a report names its series number on its cover page (front matter), not in its title or headings
    text = ("NIST Special Publication 9900-12\nGuide to Harbour Sensors\n\nThe guide organizes its requirements into "
            "9 families.\n")
    cover_end = text.index("The guide")
    report = Document("sp.pdf", text, {"title": "Guide to Harbour Sensors", "front_matter": [[0, cover_end]]})
    shown = {i: EvidenceUnit(i, report, u) for i, u in enumerate((u for u in units(report) if u.evidence), start=1)}
    assert _kept("How many families does SP 9900-12 have?", "9 families.", shown, "9 families") == ["9 families."]
    assert not _kept("How many families does SP 9900-13 have?", "9 families.", shown, "9 families")
    # a release dates its figures once, in its lead paragraph; a later sentence with no year of its own is about it
    release = _shown("meals.md", "# Relief in 2030\n\nThe relief program ran through 2030 in 12 counties.\n\n"
                     "Volunteers served 4 million meals.\n\nIn 2029 they served 3 million meals.\n", "Relief in 2030")
    assert _kept("How many meals were served in 2030?", "4 million meals.", release, "Volunteers")
    assert not _kept("How many meals were served in 2030?", "3 million meals.", release, "In 2029")
    # nothing around a record dates it: the year its document states elsewhere does, and only that year
    far = _shown("credit.txt", "# Credit by state\n\nThe credit helps owners insulate homes.\n\n## Scope\n\n"
                 "The data cover tax year 2030 and were published later.\n\n## Method\n\n"
                 + "Returns were grouped by the state of the filer's address. " * 80 + "\n\n## Averages\n\n"
                 "Average credit › Vermont: $7,100\n", "Credit by state")
    assert _kept("What was the average credit in Vermont in 2030?", "$7,100", far, "Vermont") == ["$7,100"]
    assert not _kept("What was the average credit in Vermont in 2031?", "$7,100", far, "Vermont")
    # a table record states its own year: another year's cell stays refused whatever the title says
    table = _shown("tin.txt", TABLE.replace("# Salient statistics", "# Salient statistics 2030"), "Statistics 2030")
    assert not _kept("How much tin was produced in 2030?", "1,040", table, "Production › Tin › 2029")


def test_a_year_the_question_pins_may_be_restated_once_the_cited_unit_meets_it():
    # the answer echoes the question's year; the unit meets it through its document (a record, a report
    # paragraph, a release lead), so the year needs no copy inside the unit
    far = _shown("credit.txt", "# Credit by state\n\n## Scope\n\nThe data cover tax year 2030.\n\n## Averages\n\n"
                 "Average credit › Vermont: $7,100\n", "Credit by state")
    assert _kept("Which state had the largest average credit in 2030?", "Vermont had the largest, $7,100, in 2030.",
                 far, "Vermont")
    release = _shown("meals.md", "# Relief in 2030\n\nVolunteers served 4 million meals.\n", "Relief in 2030")
    assert _kept("How many meals were served in 2030?", "In 2030 volunteers served 4 million meals.", release,
                 "Volunteers")
    report = _shown("r.pdf", "In tax year 2030, claims rose sharply. The average credit was $915.\n", "Credit")
    assert _kept("What was the average credit in 2030?", "In 2030 it was $915.", report, "$915")
    # a year the question does not pin is still a value the unit must state
    assert not _kept("What was the average credit?", "In 2031 it was $915.", report, "$915")
    # and a unit of another year is refused whatever the answer says
    assert not _kept("What was the average credit in 2031?", "In 2031 it was $915.", report, "$915")


def test_a_negated_sentence_contradicts_a_claim_only_on_the_words_it_negates():
    # report: a list of what a measure left out answers "which did it leave out", though the quote says "not"
    exempt = "The levy did not apply to raw inputs (such as pulp, resin and bark)."
    assert not contradicts(exempt, "pulp, resin and bark")
    assert contradicts(exempt, "The levy applied to raw inputs.")
    # White House style: a negated predicate against the same predicate affirmed
    assert contradicts("The Council does not report to the press office.", "The Council reports to the press office.")
    # standard's list item: the claim is one affirmative sentence of a long unit; another sentence's "not" is not it
    rule = ("Each vault is opened for one visit at a time. Badge records are kept for a year. Approval for one vault "
            "does not automatically grant entry to another vault.")
    assert not contradicts(rule, "Badge records are kept for a year.")
    assert contradicts(rule, "Approval for one vault automatically grants entry to another vault.")


def test_a_sentence_the_answer_copies_is_quoted_alone():
    # the answer's first word ("Badge") stands lower-case in an earlier clause: the copied sentence is the quote
    rule = ("Each vault is opened for one visit at a time, and a badge is checked at the door. Badge records are kept "
            "for a year. Staff should open only the vaults the task needs.")
    cut = tighten(rule, Quote("sp.pdf", 0, len(rule)), "Badge records are kept for a year")
    assert rule[cut.start:cut.end] == "Badge records are kept for a year."
    legal = ("Sec. 2. The Secretary shall consult the Council. The Council shall meet within 30 days of its "
             "formation and shall report to the President on its findings, including any recommendations.")
    cut = tighten(legal, Quote("eo.md", 0, len(legal)), "The Council shall meet within 30 days of its formation.")
    assert legal[cut.start:cut.end].startswith("The Council shall meet within 30 days")
    # words the unit holds apart are not a copy: with no figure or name to find, the unit is quoted whole
    assert tighten(legal, Quote("eo.md", 0, len(legal)), "It shall consult and report.") == \
        Quote("eo.md", 0, len(legal))


def test_a_cited_unit_must_be_about_the_question_by_one_of_its_words_or_its_headings():
    release = _shown("delegation.md", RELEASE, "Delegation to the Inauguration of the President of Eastmoor")
    assert _kept("Who heads the group sent to the inauguration?", "Mara Vell.", release, "Mara Vell") == ["Mara Vell."]
    pep = _shown("pep-9051.txt", PEP, "pep-9051")  # a date that happens to be in another document's year
    verdict = check_answer("Monday, 2031-10-13", [_number(pep, "5.1.0 final")], pep, "When does the 2031 fair open?")
    assert not verdict.kept and "shares no word" in verdict.refused_units[0]


def test_a_right_value_cited_by_the_wrong_id_is_recited_to_the_unit_stating_it():
    pep = _shown("pep-9051.txt", PEP, "pep-9051")
    verdict = check_answer("Monday, 2031-10-13", [_number(pep, "candidate 1")], pep, "When is 5.1.0 final?")
    assert [k.text for k in verdict.kept] == ["Monday, 2031-10-13"] and verdict.recited == 1
    assert verdict.kept[0].quotes == [pep[_number(pep, "5.1.0 final")].quote]
    table = _shown("tin.txt", TABLE, "Salient statistics")
    verdict = check_answer("310", [_number(table, "Production › Tin › 2029")], table, "Tin imports in 2030?")
    assert verdict.kept and verdict.kept[0].quotes == [table[_number(table, "Imports")].quote]


def test_a_header_field_not_shown_is_recited_only_when_its_label_names_what_is_asked():
    rule = Document("rule.md", "Agency: Department of Tides\nEffective-Date: 2030-03-05\n\n# Harbour dues\n\n"
                    "The Department of Tides sets new harbour dues for ships over 90 metres.\n", {"title": "Dues"})
    body = [u for u in units(rule) if u.evidence and u.kind != "field"]
    shown = {i: EvidenceUnit(i, rule, u) for i, u in enumerate(body, start=1)}
    header = header_fields(list(shown.values()))
    kept = check_answer("March 5, 2030", [1], shown, "What is the effective date of the dues?", header=header)
    assert [k.text for k in kept.kept] == ["March 5, 2030"] and kept.recited == 1
    assert not check_answer("March 5, 2030", [1], shown, "When were the dues announced?", header=header).kept


def test_quotes_are_cut_to_the_clause_that_states_the_value():
    legal = ("Sec. 3. (b) Within 180 days of the date of this proclamation, the Secretary shall report to the "
             "President on the status of the negotiations, including any agreements reached with trading partners, "
             "and shall recommend any further action that the Secretary deems appropriate.")
    short = tighten(legal, Quote("p.md", 0, len(legal)), "The report is due within 180 days.")
    cut_legal = legal[short.start:short.end]
    assert cut_legal.startswith("Within 180 days of the date of this proclamation") and len(cut_legal) < len(legal) / 2
    report = ("Federal obligations for research rose to $12.4 billion in FY2030, according to the agency's "
              "annual survey, which covers grants, contracts, and intramural work across 14 departments.")
    cut = tighten(report, Quote("r.pdf", 0, len(report)), "They rose to $12.4 billion.")
    assert "$12.4 billion" in report[cut.start:cut.end] and cut.end - cut.start < len(report)
    record = "Production › Tin › 2030: 1,150"
    assert tighten(record, Quote("t.txt", 0, len(record)), "1,150.") == Quote("t.txt", 0, len(record))
    why = tighten(legal, Quote("p.md", 0, len(legal)), "It asks for a report on the talks.")
    assert why == Quote("p.md", 0, len(legal))


def _retrieval(*hits: RetrievedChunk) -> Retrieval:
    return Retrieval(query="q", chunks=list(hits), query_vector=[])


def test_code_abstains_before_the_model_only_when_retrieval_matched_nothing():
    chunk = Chunk("c1", "a.md", "text", 0, 4)
    assert matched_nothing(_retrieval(), 0.22)
    assert matched_nothing(_retrieval(RetrievedChunk(chunk, 0.01, similarity=0.1, dense_rank=1)), 0.22)
    assert not matched_nothing(_retrieval(RetrievedChunk(chunk, 0.01, similarity=0.3, dense_rank=1)), 0.22)
    assert not matched_nothing(_retrieval(RetrievedChunk(chunk, 0.01, similarity=0.1, keyword_rank=3)), 0.22)


def test_when_nothing_survives_the_answer_abstains_with_the_closest_passages_never_another_readers_value():
    shown = list(_shown("delegation.md", RELEASE, "Delegation").values())
    selection = Selection(shown, 1.0, list(reversed(shown)))
    for llm, lead in (({"unverified": False, "abstained": True}, MODEL_ABSTAINED),
                      ({"unverified": True, "abstained": False}, NOT_VERIFIED)):
        drafted = settle(Outcome(Draft(lead=[Segment(MODEL_ABSTAINED)], evidence=[], abstained=True), llm),
                         selection)
        assert drafted.draft.abstained and drafted.draft.lead[0].text == lead and drafted.fallback is None
        assert drafted.draft.evidence == [shown[-1].quote, shown[-2].quote]
    model = Draft(lead=[Segment("Mara Vell leads it", [shown[0].quote])], evidence=[shown[0].quote])
    answered = settle(Outcome(model, {"unverified": False, "abstained": False}), selection)
    assert answered.draft is model and answered.answered_by == "model"


def _scored(doc: Document, chunk_end: int) -> list:
    """The candidates ``evidence.select`` scores: the units before ``chunk_end`` are the top chunk (rank 1), the
    rest are the document's best units outside it (rank 9), in text order as a stand-in for best first."""
    return [(0.0, 1 if u.start < chunk_end else 9, doc, u) for u in units(doc) if u.evidence]


@pytest.mark.parametrize("text, cut, wanted", [
    # a long table whose first rows ranked best; the row of the state asked about is far down
    ("# Bridges by state\n\n| State | Poor |\n|---|---|\n"
     + "".join(f"| State{i:02d} | {i * 10} |\n" for i in range(40)) + "| Westmarch | 9,321 |\n", "| State35",
     "Westmarch"),
    # a report section's opening ranked best; the sentence that names the program is pages away
    ("# Funding\n\n" + "The program received funds each year from several accounts. " * 30 + "\n\n## Later\n\n"
     + "Filler about other matters. " * 40 + "\n\nThe Lighthouse Grant received $6.7 million in FY2030.\n",
     "Filler", "Lighthouse"),
    # a release schedule's first lines ranked best; the line of the release asked about is further down
    ("# Schedule\n\n" + "".join(f"- 4.{i}.0 beta: planned in month {i}\n" for i in range(30))
     + "- Harbourmaster release: 2031-05-04\n", "- 4.25.0", "Harbourmaster"),
])
def test_a_reserve_of_the_evidence_shows_the_unit_holding_a_word_the_top_chunks_lack(text, cut, wanted):
    from assistant.answer.evidence import _passages
    from assistant.text import terms

    doc = Document("d.md", text, {"title": "Doc"})
    scored = _scored(doc, text.index(cut))
    asked = {t: 1.0 for t in terms(f"How much for {wanted}?")}
    shown = lambda reserve: [doc.text[u.start:u.end] for _, _, u in _passages(scored, 8, 400, reserve, asked)]
    assert not any(wanted in s for s in shown(0.0))  # the top chunk fills the budget
    assert any(wanted in s for s in shown(0.2))
    assert sum(len(s) for s in shown(0.2)) <= 400


def test_a_list_cited_in_part_is_completed_from_its_own_list_or_table_only():
    # governance document: the members are list items; the model cited two of three
    council = _shown("pep-9099.txt", "# Council\n\n## Members\n\nThe 2031 council members are:\n\n- Ada Quill\n"
                     "- Bram Okafor\n- Cy Tal\n\n## Staff\n\n- Dee Moss\n", "Council")
    ids = [_number(council, "Ada Quill"), _number(council, "Bram Okafor")]
    kept = check_answer("Ada Quill, Bram Okafor and Cy Tal.", ids, council, "Who sits on the 2031 council?").kept
    assert kept and council[_number(council, "Cy Tal")].quote in kept[0].quotes
    # a name from another section is not made up from elsewhere
    assert not check_answer("Ada Quill, Bram Okafor and Dee Moss.", ids, council,
                            "Who sits on the 2031 council?").kept
    # report: the items of a bulleted list of exclusions
    report = _shown("r.pdf", "# Scope\n\nThe duties left out these plants:\n\n- Kestrel Mine\n- Osprey Mill\n"
                    "- Heron Smelter\n", "Duties")
    kept = check_answer("Kestrel Mine, Osprey Mill and Heron Smelter.", [_number(report, "Kestrel")], report,
                        "Which plants did the duties leave out?").kept
    assert kept and len(kept[0].quotes) == 3
    # a table: the records of one table, cited in part
    table = _shown("tin.txt", TABLE, "Salient statistics")
    kept = check_answer("1,040 and 1,150.", [_number(table, "Production › Tin › 2029")], table,
                        "How much tin was produced?").kept
    assert kept and len(kept[0].quotes) == 2


def test_a_word_that_starts_like_a_month_is_no_date_and_a_pinned_version_makes_a_unit_about_the_question():
    from assistant.answer.grounding import figures

    assert figures("Steve Dower, Ned Deily, Julien Palard") == set()
    assert figures("Mayor Decker met Marcus on Sept. 5, 2000") == {"month:september", "5", "2000"}
    pep = _shown("pep-9051.txt", PEP.replace("- 5.1.0 final: Monday, 2031-10-13", "- 5.1.0 2031-10-13"), "pep-9051")
    assert _kept("When was 5.1.0 released?", "2031-10-13", pep, "5.1.0 2031") == ["2031-10-13"]


def test_the_day_of_a_date_supports_that_date_never_a_count():
    release = _shown("eastmoor.md", RELEASE, "Delegation")
    assert not _kept("How many counties met on 2030-03-05?", "5 counties.", release, "first meeting")
    assert _kept("When did the board first meet?", "March 5, 2030.", release, "first meeting") == ["March 5, 2030."]
    pep = _shown("pep-9051.txt", PEP, "pep-9051")
    assert not _kept("How many installers are there for 5.1?", "13.", pep, "5.1.0 final")
    assert _kept("When is 5.1.0 final?", "Monday, 2031-10-13.", pep, "5.1.0 final") == ["Monday, 2031-10-13."]
    report = _shown("r.pdf", "On 12 June 2030 the agency audited 12 plants and 30 vessels.\n", "Audit summary")
    assert _kept("How many plants were audited in June 2030?", "12 plants.", report, "12 plants") == ["12 plants."]
    assert not _kept("How many vessels were audited on 30 June?", "30 vessels.", _shown(
        "s.pdf", "The audit closed on 30 June 2030 with 12 plants seen.\n", "Audit summary"), "12 plants")
    # the quote of a date is the clause holding that date, not another date of the same year
    text = "He was confirmed on January 27, 2031, and he was sworn in on January 28, 2031 as the 79th secretary."
    assert tighten(text, Quote("n.md", 0, len(text)), "January 27, 2031").start == 0
