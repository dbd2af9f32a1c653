"""The named rules that pick the value that answers, each on text in the style of at least two corpora (a PEP, a
government notice, a news report). The samples are written for these tests."""

from __future__ import annotations

from assistant.answer.candidates import Sentence, _positions
from assistant.answer.composing import _second_value
from assistant.answer.picking import pick_value, sentence_values
from assistant.answer.question import analyse, second_ask
from assistant.documents import Document
from assistant.text import terms


class _Keyword:
    """Every term equally rare: the rules under test decide, not the corpus' statistics."""

    def idf(self, term: str) -> float:
        return 1.0

    def known(self, term: str) -> bool:
        return True


def _sentence(text: str, source: str = "doc.md", title: str = "A document", date: str = "") -> Sentence:
    doc = Document(source, text, {"title": title, **({"date": date} if date else {})})
    return Sentence(doc=doc, start=0, end=len(text), rank=1, window=text, tokens=_positions(text), score=1.0)


def _picked(question: str, text: str, **kw: str) -> str | None:
    chosen = pick_value(analyse(question), _sentence(text, **kw), _Keyword())
    return chosen.value.surface if chosen else None


def test_a_number_and_its_percent_word_are_one_term_as_in_the_question():
    notice = "For a period of 30 days, debris removal is authorized at 100 percent of the total eligible costs."
    pep = "A quorum of 75 per cent of the voters is needed; 5% abstained."
    assert "100%" in {t for t, _, _ in _positions(notice)} and "100%" in terms("paid at 100 percent")
    assert [t for t, _, _ in _positions(pep) if t[0].isdigit()] == ["75%", "5%"]


def test_elided_unit_a_bare_number_after_one_with_a_unit_shares_it():
    pep = "The standard library limits lines to 79 characters (and docstrings or comments to 72)."
    notice = "Written comments are limited to 5 pages, and supporting exhibits to 10."
    ask = analyse("How long may docstrings be?")
    assert [v.surface for v in sentence_values(ask, _sentence(pep))] == ["79", "72"]
    assert _picked("How long may docstrings or comments be?", pep) == "72"
    assert [v.surface for v in sentence_values(analyse("How long may exhibits be?"), _sentence(notice))] == ["5", "10"]
    # a bare number before any number with a unit is no measure ("In 2 of them ...")
    news = "In 2 of the ports, queues reached 40 ships."
    assert [v.surface for v in sentence_values(analyse("How long were the queues?"), _sentence(news))] == ["40"]


def test_a_money_amount_ends_at_its_last_digit_group():
    from assistant.answer.facts import money

    assert [v.surface for v in money("awards of $40,000, $25,000 and $1,250.50, totalling $66,250.50.")] == \
        ["$40,000", "$25,000", "$1,250.50", "$66,250.50"]
    assert [v.surface for v in money("a budget of 4,500,000 million dollars, and $12 million")] == \
        ["4,500,000 million dollars", "$12 million"]


def test_respective_pairs_give_the_value_in_the_asked_name_s_place():
    pep = "Scoring Round: Ada Quill and Bram Okafor advance to the runoff with 301 and 255 stars."
    assert _picked("How many stars did Bram Okafor get?", pep) == "255"
    assert _picked("How many stars did Ada Quill get?", pep) == "301"
    notice = "Medals went to Dana Pruitt, Colm R. Vance and Ira Holt, with awards of $40,000, $25,000 and $10,000."
    assert _picked("How much money was Colm R. Vance awarded?", notice) == "$25,000"
    # a sentence that pairs nothing the question names is read as before
    news = "Ministers agreed on 12 projects and 4 loans."
    assert _picked("How many projects did ministers agree on?", news) == "12"


def test_second_ask_names_the_second_kind_of_value_asked_for():
    assert second_ask("Which spokesperson commented on the statement, and on what date?", "name") == "date"
    assert second_ask("Who was the 4.2 release manager and when was 4.2.0 final released?", "name") == "date"
    assert second_ask("When was the disaster declared, and how many counties are covered?", "date") == "count"
    assert second_ask("When was the disaster declared?", "date") == ""
    assert second_ask("Why was it declared and when?", "explain") == ""  # passages answer it whole
    news = "At the briefing on January 13, 2031, spokesperson Mira Solt answered questions on the statement."
    notice = _sentence("Colm R. Vance was named Federal Coordinating Officer on March 3, 2031.", date="2031-03-04")
    ask = analyse("Which spokesperson answered questions on the statement, and on what date?")
    assert ask.kind == "name" and ask.also == "date"
    assert _second_value(ask, [_sentence(news)]).surface == "January 13, 2031"
    assert _second_value(analyse("Who was named coordinating officer, and when?"), [notice]).surface == "March 3, 2031"


def test_offices_are_title_phrases_headed_by_a_role_word():
    from assistant.answer.facts import offices

    notice = ("There is established within the Executive Office of the President the position of Regional Recovery "
              "Coordinator, who shall serve as Co-Chair of the Council.")
    assert [v.surface for v in offices(notice)] == ["Regional Recovery Coordinator", "Co-Chair of the Council"]
    pep = "The Release Manager and the Director of Infrastructure sign the tags."
    assert [v.surface for v in offices(pep)] == ["Release Manager", "Director of Infrastructure"]


def test_office_as_answer_when_a_duty_is_given_to_an_office():
    from assistant.answer.picking import office_holders

    notice = _sentence("The Assistant to the President for Domestic Policy, and the Director of the Office of "
                       "Budget shall serve as Co-Chairs of the Council.")
    span = office_holders(analyse("Who co-chairs the Council?"), notice)
    assert notice.text[span[0]:span[1]] == ("Assistant to the President for Domestic Policy, and the Director of the "
                                            "Office of Budget")
    pep = _sentence("Each release is prepared by the Release Manager, who is also responsible for the schedule.")
    span = office_holders(analyse("Who is responsible for the release schedule?"), pep)
    assert pep.text[span[0]:span[1]] == "Release Manager"
    # the office the question rules out, or one whose predicate is not what is asked, is no answer
    assert office_holders(analyse("Besides the release manager, who is responsible for the schedule?"), pep) is None
    assert office_holders(analyse("Who signs the tags?"), pep) is None


def test_asked_predicate_prefers_the_sentence_that_states_what_the_person_did():
    from assistant.answer.composing import _stating_predicate
    from assistant.answer.picking import Pick
    from assistant.answer.question import asked_predicate

    assert asked_predicate("Who was appointed to coordinate recovery in Eastmoor?") == "appoint"
    assert asked_predicate("Who is the release manager for Python 4.2?") == "manager"
    assert asked_predicate("Who was the Federal Coordinating Officer for the storms?") == "officer"
    assert asked_predicate("Besides the chair, who builds the installers?") == "build"
    assert asked_predicate("When was it released?") == ""
    assert analyse("Who did the envoy succeed?").predicate == ""  # the word after "who did" is the subject

    def picks(*texts: str) -> list[Pick]:
        out = []
        for text in texts:
            sentence = _sentence(text)
            chosen = pick_value(analyse("Who?"), sentence, _Keyword()) or None
            out.append(Pick(sentence, chosen.value if chosen else None, 0.0))
        return out

    notice = picks("Today, President Ada Quill declared that a major disaster exists in Eastmoor.",
                   "Mr. Colm R. Vance of the Agency has been appointed to coordinate recovery operations.")
    ask = analyse("Who was appointed to coordinate recovery for Eastmoor?")
    assert [p.value.surface for p in _stating_predicate(ask, notice)] == ["Colm R. Vance"]
    pep = picks("Release managers: Ada Quill and Bram Okafor.", "Windows installers: Steve Okoro.")
    assert [p.value.surface for p in _stating_predicate(analyse("Who builds the installers?"), pep)] == \
        ["Ada Quill", "Steve Okoro"]  # no unit says "build": every pick stays
    pep = picks("Windows installers: Steve Okoro.", "4.2 Release Manager: Ada Quill.")
    assert [p.value.surface for p in _stating_predicate(analyse("Who is the release manager?"), pep)] == ["Ada Quill"]


def test_attribution_prefix_leaves_the_question_s_own_form_to_decide():
    from assistant.answer.question import classify

    assert classify("According to the news report, which ministers does the 90-day deadline pressure?") == "list"
    assert classify("According to PEP 9001, when is 4.2.0 final released?") == "date"
    assert classify("As reported by the fact sheet, how many counties are covered?") == "count"


def test_both_asked_leads_with_the_value_of_each_coordinated_thing():
    from assistant.answer.picking import both_asked
    from assistant.answer.question import coordinated_pair

    assert coordinated_pair("What are China's shares of refining and magnet manufacturing?", "percent") == \
        ("refin", "magnet")
    assert coordinated_pair("Who were the chair and the vice chair?", "name") == ()

    def both(question: str, text: str) -> list[str] | None:
        ask = analyse(question)
        found = both_asked(ask, pick_value(ask, _sentence(text), _Keyword()))
        return [v.surface for v in found] if found else None

    news = "The agency put China's share of refining at about 91% and of magnet manufacturing at about 94%."
    assert both("What are China's shares of refining and magnet manufacturing?", news) == ["about 91%", "about 94%"]
    notice = "Federal funding covers 75 percent of debris removal and 90 percent of emergency protective measures."
    assert both("What share of debris removal and emergency measures does federal funding cover?", notice) is None
    notice = "Federal funding covers debris removal at 75 percent and emergency protective measures at 90 percent."
    assert both("What share of debris removal and emergency measures does federal funding cover?", notice) == \
        ["75 percent", "90 percent"]
    pep = "The standard library limits lines to 79 characters (and docstrings and comments to 72)."
    assert both("How many characters may docstrings and comments hold?", pep) is None  # one value serves both


def test_how_much_is_an_amount_never_a_bare_count():
    notice = "Agencies have committed to nearly 400 related actions, and I have asked the Congress for $850 million."
    assert [v.surface for v in sentence_values(analyse("How much did the President ask Congress for?"),
                                               _sentence(notice))] == ["$850 million"]
    pep = "The new parser, one of 3 prototypes, is 40% faster."
    assert _picked("How much faster is the new parser?", pep) == "40%"
    news = "In 2024 the United States mined about 45,000 tonnes, second among 6 producers."
    assert _picked("How much did the United States mine in 2024?", news) == "45,000"
    # "how many" still counts
    assert _picked("How many related actions have agencies committed to?", notice) == "400"


def test_place_questions_are_answered_by_a_located_place():
    from assistant.answer.facts import places
    from assistant.answer.question import classify

    assert classify("Where did the brothers make their first flight?") == "place"
    assert classify("In which city did the ministers meet?") == "place"
    assert classify("Where can residents apply for assistance?") != "place"  # asks how, not where
    notice = "Today, the President declared a major disaster in the State of Eastmoor, in Lake County."
    proclamation = "From their home in Dayton, Ohio, they flew over Kitty Hawk, North Carolina, on December 17, 1903."
    news = "The host was the Treasury Secretary, in Washington, D.C. No joint measures came out of it."
    assert [v.surface for v in places(notice)] == ["State of Eastmoor", "Lake County"]
    assert [v.surface for v in places(proclamation)] == ["Dayton, Ohio", "Kitty Hawk, North Carolina"]
    assert [v.surface for v in places(news)] == ["Washington, D.C."]
    # the place the question names is no answer; a city is never a country
    assert _picked("Where was the disaster in Eastmoor declared?", notice) == "Lake County"
    met = "Ministers met in the US to discuss the supply chain, with the host in Washington."
    assert _picked("In which city did ministers meet to discuss the supply chain?", met) == "Washington"
    assert _picked("In which country did ministers meet to discuss the supply chain?", met) == "US"


def test_range_end_answers_a_question_after_an_end():
    pep = "The nomination period was: November 10, 2031 through November 24, 2031 AoE."
    notice = ("Federal aid supplements recovery in the areas affected by severe storms from April 11 to April 14, "
              "2031.")
    assert _picked("What is the deadline for nominations?", pep) == "November 24, 2031"
    assert _picked("When did the nomination period begin?", pep) == "November 10, 2031"
    assert _picked("When did the severe storms end?", notice, date="2031-05-02") == "April 14, 2031"
    assert _picked("When did the severe storms begin?", notice, date="2031-05-02") == "April 11"
    news = "Talks opened on March 3, 2031, and a deal followed on May 9, 2031."  # no range: two events
    assert _picked("When did the talks end?", news) == "March 3, 2031"


def test_asked_thing_a_quantity_comes_from_a_passage_about_what_is_measured():
    from assistant.answer.composing import _speaks_of_asked
    from assistant.answer.question import asked_thing

    assert asked_thing("What carbon tax rate did the ministers plan?") == ["carbon", "tax"]
    assert asked_thing("What share of occupations pay women less?") == []  # "share" only names the measure
    assert asked_thing("Which organization is the source of the 92% figure?") == []  # asks for a name
    assert asked_thing("How much funding did the county receive?") == ["fund"]
    assert asked_thing("How much money is committed under the framework?") == []  # "money" names the measure
    news = _sentence("The group accounts for about 60% of world critical-mineral demand.")
    ask = analyse("What carbon tax rate did the group plan on exports?")
    assert ask.kind == "percent" and not _speaks_of_asked(ask, news)
    ask = analyse("What quorum percentage is needed for a council vote?")
    assert ask.asked == ["quorum"]
    assert _speaks_of_asked(ask, _sentence("A quorum of 75 per cent of the core developers is needed."))
    assert not _speaks_of_asked(ask, _sentence("At least 5% of core developers must sign a petition."))
    notice = _sentence("Debris removal is authorized at 75 percent of the total eligible costs.")
    assert _speaks_of_asked(analyse("What cost share is authorized for debris removal?"), notice)


def test_dated_document_tells_near_duplicates_apart_by_their_date():
    from assistant.answer.candidates import dated_first
    from assistant.answer.question import issued_when

    assert issued_when("Which counties were covered by the disaster declared in March 2031?") == "2031-03"
    assert issued_when("What was in the statement the council published on May 2, 2031?") == "2031-05-02"
    assert issued_when("What tariff did the proclamation signed in 2031 set?") == ""  # a year names too many
    assert issued_when("When did the storms of March 2031 begin?") == ""  # the storms', not the document's date
    march = _sentence("The President declared a major disaster in Eastmoor.", "a.md", date="2031-03-21")
    july = _sentence("The President declared a major disaster in Eastmoor.", "b.md", date="2031-07-14")
    assert dated_first([july, march], "2031-03") == [march]
    assert dated_first([july, march], "2031-01") == [july, march]  # none dated then: all stay
    pep_may = _sentence("The council accepted the proposal.", "pep-9001.txt", date="2031-05-02")
    pep_june = _sentence("The council accepted the proposal.", "pep-9002.txt", date="2031-06-02")
    assert dated_first([pep_june, pep_may], "2031-05-02") == [pep_may]


def test_unknown_stands_alone_or_is_no_abstention():
    from assistant.answer.abstention import said_unknown

    def scored(text: str, score: float) -> Sentence:
        sentence = _sentence(text)
        sentence.score = score
        return sentence

    news = scored("The agency's report has not been published, and the order only summarizes it.", 0.51)
    basis = scored("The order rests on Section 9 of the Trade Act of 2031, the import statute.", 0.50)
    assert said_unknown(news, [news, basis]) is None  # a near-equal passage states the answer
    assert said_unknown(news, [news, scored("Tariffs are possible later.", 0.30)]).abstained
    pep = scored("The salary of council members was not disclosed.", 0.7)
    assert said_unknown(pep, [pep]).abstained
    assert said_unknown(basis, [basis]) is None  # says nothing of not knowing


def _unit_sentences(doc: Document, scores: dict[str, float]) -> list[Sentence]:
    from assistant.load.units import units

    out = []
    for unit in units(doc):
        text = doc.text[unit.start:unit.end]
        if text in scores:
            out.append(Sentence(doc=doc, start=unit.start, end=unit.end, rank=1, window=text, unit=unit,
                                tokens=_positions(text), score=scores[text]))
    return sorted(out, key=lambda s: -s.score)


def test_a_list_answers_a_list_question_from_its_lead_in():
    from assistant.answer.composing import _list_unit, _siblings
    from assistant.answer.question import classify

    assert classify("Who are the members of the task force?") == "list"
    order = Document("2031-01-05-order.md", (
        "Sec. 2. Task Force.\n\n(a) There is established the Recovery Task Force.\n\n"
        "(b) In addition to the Chair, the Task Force shall consist of the following members:\n\n"
        "(i) the Secretary of the Interior;\n\n(ii) the Secretary of Labor;\n\n(iii) the Administrator of the Agency."),
        {"title": "Executive Order on the Recovery Task Force"})
    lead_in = "In addition to the Chair, the Task Force shall consist of the following members:"
    pool = _unit_sentences(order, {"Task Force.": 0.70, "There is established the Recovery Task Force.": 0.62,
                                   lead_in: 0.60})
    listed = _list_unit(pool, pool[0])
    assert listed is not None and listed.text.endswith("following members:")
    assert [order.text[u.start:u.end] for u in _siblings(listed)][1:] == [
        "the Secretary of the Interior;", "the Secretary of Labor;", "the Administrator of the Agency."]
    assert _list_unit(pool[:1], pool[0]) is None  # no item about the question: passages answer
    pep = Document("pep-9001.txt", "Results\n\nThe three winners are:\n\n* Ada Quill\n* Bram Okafor\n* Colm Vance\n",
                   {"title": "2031 Term Steering Council election"})
    pool = _unit_sentences(pep, {"The three winners are:": 0.5, "Ada Quill": 0.45})
    assert [pep.text[u.start:u.end] for u in _siblings(_list_unit(pool, pool[0]))] == \
        ["Ada Quill", "Bram Okafor", "Colm Vance"]


def test_the_sentence_after_a_quoted_one_finishes_its_thought():
    from assistant.answer.composing import passages

    proclamation = Document("2031-12-16-proclamation.md", (
        "This year a small rotorcraft flew above the surface of Mars. Tucked beneath its propellers was a piece "
        "of cloth from the wing of the first airplane."), {"title": "A Proclamation on Aviation Day, 2031"})
    ranked = _unit_sentences(proclamation, {
        "This year a small rotorcraft flew above the surface of Mars.": 0.7,
        "Tucked beneath its propellers was a piece of cloth from the wing of the first airplane.": 0.4})
    ask = analyse("What did the rotorcraft carry from the first airplane?")
    assert ask.kind == "other"
    quoted = [proclamation.text[q.start:q.end] for q in passages(ask, ranked[:1], ranked).evidence]
    assert quoted[1].startswith("Tucked beneath")
    pep = Document("pep-9001.txt", "Releases are cut every two months. Each one is tagged by the release manager.",
                   {"title": "PEP 9001 -- Release cadence"})
    ranked = _unit_sentences(pep, {"Releases are cut every two months.": 0.8,
                                   "Each one is tagged by the release manager.": 0.45})
    answer = passages(analyse("What is cut every two months?"), ranked[:1], ranked)
    quoted = [pep.text[q.start:q.end] for q in answer.evidence]
    assert quoted == ["Releases are cut every two months.", "Each one is tagged by the release manager."]


def test_kind_from_the_evidence_reads_how_the_passages_state_the_thing():
    from assistant.answer.picking import evidence_kind

    ask = analyse("What tariff did Proclamation 10001 put on widget imports?")
    assert ask.kind == "other"
    proclamations = [_sentence("Proclamation 10001 imposed a 10 percent ad valorem tariff on widgets."),
                     _sentence("In Proclamation 10001 the President set a tariff of 10 percent on widget imports."),
                     _sentence("The tariff helps the domestic widget industry.")]
    assert evidence_kind(ask, proclamations) == "percent"
    pep = [_sentence("A vote of the council needs a quorum of 75 per cent of its members."),
           _sentence("Without the quorum, 75 per cent, the vote is void.")]
    assert evidence_kind(analyse("What quorum does a council vote need?"), pep) == "percent"
    mixed = [_sentence("The fee of $20 is waived."), _sentence("About 5% of attendees pay the fee.")]
    assert evidence_kind(analyse("What fee applies to attendees?"), mixed) == ""  # one of each: no kind
    assert evidence_kind(analyse("Why was the tariff imposed?"), proclamations) == ""  # an explanation


def test_a_title_s_background_name_answers_only_what_its_unit_states():
    from assistant.answer.composing import _stating_predicate
    from assistant.answer.picking import Pick

    def pick(text: str, title: str) -> Pick:
        sentence = _sentence(text, title=title)
        sentence.context = title
        return Pick(sentence, pick_value(analyse("Who?"), sentence, _Keyword()).value, 0.0)

    notice = pick("Today, President Ada Quill declared that a major disaster exists in Eastmoor.",
                  "President Ada Quill Approves Eastmoor Disaster Declaration")
    assert _stating_predicate(analyse("Who was named to coordinate recovery in Eastmoor?"), [notice]) == []
    assert _stating_predicate(analyse("Who declared the disaster in Eastmoor?"), [notice]) == [notice]
    pep = pick("Ada Quill wrote the first draft of the guide.", "PEP 9001 -- Style guide by Ada Quill")
    other = pick("Bram Okafor maintains the guide.", "PEP 9001 -- Style guide by Ada Quill")
    assert _stating_predicate(analyse("Who reviewed the guide?"), [pep, other]) == [other]


def test_role_words_are_general_titles_not_a_corpus_s_departments():
    from assistant.answer.picking import _ROLE_TERMS

    assert {"secretary", "manager", "coordinator", "spokesperson"} <= _ROLE_TERMS
    assert not {"trade", "commerce", "treasury", "finance"} & _ROLE_TERMS
    notice = "Administrator Dana Pruitt named Colm R. Vance as the Federal Coordinating Officer."
    assert _picked("Who is the administrator?", notice) == "Dana Pruitt"
    pep = "The release is tagged by Bram Okafor; Ada Quill, the Release Manager, signs it."
    assert _picked("Who is the release manager?", pep) == "Ada Quill"


def test_kind_from_the_evidence_leaves_which_questions_alone():
    from assistant.answer.picking import evidence_kind

    pep = [_sentence("- 4.2.20 final: Tuesday, 2036-10-07, the last security release."),
           _sentence("The 4.2.19 release followed on 2036-06-03, a security release.")]
    assert evidence_kind(analyse("Which release was the last security release?"), pep) == ""
    notice = [_sentence("Proclamation 10001 imposed a 10 percent tariff."), _sentence("A tariff of 10 percent applies.")]
    assert evidence_kind(analyse("Which tariff applies to widgets?"), notice) == ""


def test_demonyms_count_people():
    from assistant.answer.question import counted_terms

    assert counted_terms("How many Americans died?", "americans died") == ["american", "died", "people"]
    assert counted_terms("How many loans were made?", "loans were") == ["loan"]
    proclamation = "The attack took the lives of 2,403 service members and civilians, and sank 12 ships."
    assert _picked("How many Americans died in the attack?", proclamation) == "2,403"
    news = "Some 40 Japanese delegates and 3 ministers came to the 12 sessions."
    assert _picked("How many Japanese came to the sessions?", news) == "40"
