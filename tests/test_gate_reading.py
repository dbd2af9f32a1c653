"""The gate's rules that check a model's sentence answers the question asked, not only that its values are quoted:
"second reading" (the value stated is the one the cited units give for what is asked), "asked field" (a field
under another label answers another question), dates however written, and "passages stay" (a list or an
explanation keeps the extractive reader's passages). Each is tested on text in the style of two corpora (a PEP's
release crew and schedule, a government release or news report). The samples are written for these tests."""

from __future__ import annotations

from assistant.answer.citations import Draft, Quote, Segment
from assistant.answer.composing import second_reader
from assistant.answer.evidence import EvidenceUnit
from assistant.answer.generative import with_passages
from assistant.answer.grounding import check_answer, unsupported_figures
from assistant.answer.question import analyse
from assistant.documents import Document
from assistant.load.units import units

PEP = """PEP: 9051
Title: Frobnicator 5.1 Release Schedule

Release Manager and Crew
========================

- 5.1 Release Manager: Ada Quill
- Windows installers: Bram Okafor
- Mac installers: Cyd Marlow

Release Schedule
================

- 5.1.0 candidate 1: Monday, 2031-09-29
- 5.1.0 final: Monday, 2031-10-13

Of 212 eligible voters, 187 cast ballots in the 2031 council election.
"""

RELEASE = """# Delegation to the Inauguration of the President of Eastmoor

The Honorable Mara Vell, Secretary of the Department of Tides, will lead the delegation.

The relief program has delivered nearly 4 million meals to 12 counties since 2029-04-01.

The board held its first meeting on 2030-03-05 in Norbury.
"""


class _Keyword:
    def idf(self, term: str) -> float:
        return 1.0

    def known(self, term: str) -> bool:
        return True


def _shown(source: str, text: str, title: str) -> dict[int, EvidenceUnit]:
    doc = Document(source, text, {"title": title})
    found = [u for u in units(doc) if u.evidence]
    return {i: EvidenceUnit(i, doc, u) for i, u in enumerate(found, start=1)}


def _number(shown: dict[int, EvidenceUnit], text: str) -> int:
    return next(n for n, u in shown.items() if text in u.text)


def _gate(question: str, answer: str, shown: dict[int, EvidenceUnit], cited: str) -> list[str]:
    """The sentences of ``answer`` the gate keeps, citing the unit holding ``cited``, with the second reader."""
    reader = second_reader(analyse(question, question), _Keyword())
    verdict = check_answer(answer, [_number(shown, cited)], shown, question, reading=reader)
    return [k.text for k in verdict.kept]


def test_second_reading_keeps_the_value_the_cited_unit_gives_for_what_is_asked():
    pep = _shown("pep-9051.txt", PEP, "pep-9051")
    q = "How many eligible voters were there in the 2031 council election?"
    assert _gate(q, "187", pep, "eligible voters") == []  # the ballots cast, not the voters
    assert _gate(q, "212", pep, "eligible voters") == ["212"]
    release = _shown("delegation.md", RELEASE, "Delegation to the Inauguration")
    q = "How many counties has the relief program reached?"
    assert _gate(q, "Nearly 4 million.", release, "relief program") == []
    assert _gate(q, "12 counties.", release, "relief program") == ["12 counties."]
    q = "Which cabinet secretary leads the delegation?"
    assert _gate(q, "The Secretary of the Department of Tides.", release, "lead the delegation") == []
    assert _gate(q, "Mara Vell leads it.", release, "lead the delegation") == ["Mara Vell leads it."]


def test_second_reading_drops_a_sentence_stating_no_value_of_the_asked_kind():
    pep = _shown("pep-9051.txt", PEP, "pep-9051")
    q = "When is Frobnicator 5.1.0 final released?"
    kept = _gate(q, "It ships on October 13, 2031. It is the last step of the schedule.", pep, "5.1.0 final")
    assert kept == ["It ships on October 13, 2031."]
    release = _shown("delegation.md", RELEASE, "Delegation to the Inauguration")
    assert _gate("When did the board first meet?", "In Norbury.", release, "first meeting") == []
    assert _gate("When did the board first meet?", "March 5, 2030.", release, "first meeting") == ["March 5, 2030."]


def test_asked_field_a_field_under_another_label_answers_another_question():
    pep = _shown("pep-9051.txt", PEP, "pep-9051")
    assert _gate("Who built the Windows installers for Frobnicator 5.1?", "Ada Quill", pep, "Release Manager") == []
    assert _gate("Who made the Mac installers for 5.1?", "Bram Okafor", pep, "Windows installers") == []
    assert _gate("Who made the Mac installers for 5.1?", "Cyd Marlow", pep, "Mac installers") == ["Cyd Marlow"]
    assert _gate("Who is the release manager of 5.1?", "Ada Quill", pep, "Release Manager") == ["Ada Quill"]
    crew = _shown("crew.md", "# Mission crew\n\n- Flight director: Ines Tal\n- Launch director: Omar Reyes\n",
                  "Mission crew")
    assert _gate("Who is the launch director?", "Ines Tal", crew, "Flight director") == []
    assert _gate("Who is the launch director?", "Omar Reyes", crew, "Launch director") == ["Omar Reyes"]


def test_a_date_is_supported_however_the_unit_writes_it():
    assert unsupported_figures("October 13, 2031", ["5.1.0 final: Monday, 2031-10-13"]) == []
    assert unsupported_figures("March 5, 2030", ["The board held its first meeting on 2030-03-05."]) == []
    assert unsupported_figures("March 6, 2030", ["The board held its first meeting on 2030-03-05."]) == \
        ["March 6, 2030"]
    assert unsupported_figures("November 13, 2031", ["final: 2031-10-13"]) == ["November 13, 2031"]
    assert unsupported_figures("2011-11-09", ["Created: 09-Nov-2011"]) == []  # a PEP header's date
    # the day of a date is not supported by another number ("one week"), nor a day by its month
    assert unsupported_figures("December 1st, 2030", ["The vote (December 2030) is open for one week."]) == \
        ["December 1st, 2030"]
    assert unsupported_figures("December 2030", ["The vote opens on December 1st, 2030."]) == []


def test_passages_stay_under_the_models_summary_of_a_list_or_an_explanation():
    a, b, c = Quote("pep.txt", 0, 10), Quote("pep.txt", 20, 30), Quote("pep.txt", 40, 50)
    model = Draft(lead=[Segment("Three constructors accept them", [a]), Segment(".")], evidence=[a])
    extractive = Draft(lead=[], evidence=[a, b, c])
    listed = with_passages(model, extractive, analyse("Which constructors accept underscores?",
                                                     "Which constructors accept underscores?"))
    assert listed.lead == model.lead and listed.evidence == [a, b, c]
    why = with_passages(model, extractive, analyse("Why did the board meet in Norbury?", "Why did the board meet?"))
    assert why.evidence == [a, b, c]
    value = with_passages(model, extractive, analyse("How many counties were reached?", "How many counties?"))
    assert value.evidence == [a]  # a value question's answer is the model's own...
    assert with_passages(model, Draft(lead=[Segment("No.")], evidence=[b], abstained=True),
                         analyse("Why?", "Why?")).evidence == [a]


def test_agreeing_support_cites_the_extractive_units_of_the_same_value():
    a, b = Quote("pep-9013.txt", 0, 10), Quote("pep-9016.txt", 20, 30)
    q = analyse("How many members does the council have?", "How many members does the council have?")
    model = Draft(lead=[Segment("The council has 5 members", [a]), Segment(".")], evidence=[a])
    assert with_passages(model, Draft(lead=[Segment("5", [a, b]), Segment(".")], evidence=[a, b]), q).evidence \
        == [a, b]
    assert with_passages(model, Draft(lead=[Segment("7", [b]), Segment(".")], evidence=[b]), q).evidence == [a]
    d = analyse("When does the board meet?", "When does the board meet?")
    met = Draft(lead=[Segment("It meets on March 5, 2030", [a]), Segment(".")], evidence=[a])
    assert with_passages(met, Draft(lead=[Segment("March 5, 2030", [b]), Segment(".")], evidence=[b]), d).evidence \
        == [a, b]
    assert with_passages(met, Draft(lead=[Segment("March 6, 2030", [b]), Segment(".")], evidence=[b]), d).evidence \
        == [a]
    named = analyse("Who leads the delegation?", "Who leads the delegation?")
    vell = Draft(lead=[Segment("Mara Vell leads it", [a])], evidence=[a])
    assert with_passages(vell, Draft(lead=[Segment("Mara Vell", [b])], evidence=[b]), named).evidence == [a, b]
    assert with_passages(vell, Draft(lead=[Segment("Ines Tal", [b])], evidence=[b]), named).evidence == [a]


def test_a_right_value_cited_by_the_wrong_id_is_recited_to_the_unit_stating_it():
    pep = _shown("pep-9051.txt", PEP, "pep-9051")
    q = "When is Frobnicator 5.1.0 final released?"
    reader = second_reader(analyse(q, q), _Keyword())
    verdict = check_answer("Monday, 2031-10-13", [_number(pep, "candidate 1")], pep, q, reading=reader)
    assert [k.text for k in verdict.kept] == ["Monday, 2031-10-13"] and verdict.recited == 1
    assert verdict.kept[0].quotes == [pep[_number(pep, "5.1.0 final")].quote]
    release = _shown("delegation.md", RELEASE, "Delegation to the Inauguration")
    q = "When did the board first meet?"
    verdict = check_answer("March 5, 2030.", [_number(release, "relief program")], release, q,
                           reading=second_reader(analyse(q, q), _Keyword()))
    assert verdict.kept and verdict.kept[0].quotes == [release[_number(release, "first meeting")].quote]


def test_a_relative_date_must_be_stated_as_the_date_it_is():
    news = Document("news.md", "# Ministers meet\n\nOn the 12th, finance ministers met in Ottawa to discuss cobalt.\n",
                    {"title": "Ministers meet", "date": "2031-03-15"})
    notice = Document("notice.md", "# Storm notice\n\nThe storm reached the coast last October, the agency said.\n",
                      {"title": "Storm notice", "date": "2031-03-15"})
    for doc, q, relative, resolved in (
            (news, "On what day did the finance ministers meet?", "On the 12th.", "March 12, 2031."),
            (notice, "When did the storm reach the coast?", "Last October.", "October 2030.")):
        shown = {i: EvidenceUnit(i, doc, u) for i, u in enumerate((u for u in units(doc) if u.evidence), start=1)}
        reader = second_reader(analyse(q, q), _Keyword())
        assert not check_answer(relative, [2], shown, q, reading=reader).kept, (q, relative)
        assert [k.text for k in check_answer(resolved, [2], shown, q, reading=reader).kept] == [resolved]


def test_settle_the_models_abstention_is_checked_like_its_answers():
    from assistant.answer.generative import MODEL_ABSTAINED, Outcome, settle

    a = Quote("pep.txt", 0, 10)
    passages = Draft(lead=[], evidence=[a])
    abstained = Draft(lead=[Segment("The sources don't say.")], evidence=[], abstained=True)
    said_not = Outcome(Draft(lead=[Segment(MODEL_ABSTAINED)], evidence=[], abstained=True),
                       {"fallback": False, "abstained": True})
    why = analyse("Why was the deadline set?", "Why was the deadline set?")
    overruled = settle(said_not, passages, why)  # the extractive reader answers from the passages
    assert overruled.draft is passages and overruled.fallback == "extractive" and overruled.llm["fallback"]
    kept = settle(said_not, abstained, why)  # neither finds it: the model's abstention stands
    assert kept.draft.abstained and kept.fallback is None and kept.answered_by.startswith("abstained")
    model = Draft(lead=[Segment("It was set by the board", [a])], evidence=[a])
    answered = settle(Outcome(model, {"fallback": False, "abstained": False}), abstained, why)
    assert answered.draft.lead == model.lead and answered.answered_by == "model"


def test_a_right_value_from_a_header_field_not_shown_is_recited_to_it_when_its_label_names_what_is_asked():
    from assistant.answer.generative import header_fields

    pep = Document("pep-9465.txt", "PEP: 9465\nTitle: A matrix operator\nCreated: 20-Feb-2031\n"
                   "Python-Version: 5.5\n\nAbstract\n========\n\nThis PEP proposes a new infix operator for "
                   "matrix multiplication in Python.\n", {"title": "pep-9465"})
    rule = Document("rule.md", "Agency: Department of Tides\nEffective-Date: 2030-03-05\nDocket: TD-2030-17\n\n"
                    "# Harbour dues\n\nThe Department of Tides sets new harbour dues for ships over 90 metres.\n",
                    {"title": "Harbour dues"})
    for doc, q, right, label_elsewhere in (
            (pep, "Which Python release first got the matrix operator?", "Python 5.5",
             ("When was the operator accepted?", "2031-02-20")),
            (rule, "On what date do the new harbour dues take effect?", "March 5, 2030",
             ("When were the harbour dues announced?", "March 5, 2030"))):
        body = [u for u in units(doc) if u.evidence and u.kind != "field"]
        shown = {i: EvidenceUnit(i, doc, u) for i, u in enumerate(body, start=1)}
        header = header_fields(list(shown.values()))
        assert header and all(u.unit.kind == "field" for u in header)
        reader = second_reader(analyse(q, q), _Keyword())
        kept = check_answer(right, [1], shown, q, reading=reader, header=header)
        assert [k.text for k in kept.kept] == [right] and kept.recited == 1, (q, kept.dropped)
        assert doc.text[kept.kept[0].quotes[0].start:kept.kept[0].quotes[0].end].split(":")[0] in \
            ("Python-Version", "Effective-Date")
        other_q, value = label_elsewhere  # "Created" and "Effective-Date" name no announcement or acceptance
        other = check_answer(value, [1], shown, other_q, reading=second_reader(analyse(other_q, other_q),
                                                                               _Keyword()), header=header)
        assert not other.kept, other_q
