"""The named rules of reading a question and its evidence added for documents nobody tuned for: document subject,
whole short document, asked role, release stages, measured dimension, asked thing, dates asked by a noun. Each
is tested on text in the style of at least two corpora (a PEP, a government notice, a news report). The samples
are written for these tests."""

from __future__ import annotations

from assistant.answer.candidates import Sentence, _positions, candidate_sentences, names_it
from assistant.answer.composing import _speaks_of_asked, _stating_predicate, states_role
from assistant.answer.facts import measures
from assistant.answer.picking import Pick, pick_value, sentence_values
from assistant.answer.question import analyse, asked_predicate, asked_role, asked_thing, classify, measured_dimension
from assistant.documents import Document
from assistant.index import constraints
from assistant.index.retrieve import Retrieval
from assistant.load.units import document_subject, lead_paragraph
from assistant.text import terms


class _Keyword:
    def idf(self, term: str) -> float:
        return 1.0

    def known(self, term: str) -> bool:
        return True


def _sentence(text: str, doc: Document | None = None, context: str = "") -> Sentence:
    doc = doc or Document("doc.md", text, {"title": "A document"})
    start = doc.text.find(text)
    return Sentence(doc=doc, start=start, end=start + len(text), rank=1, window=f"{context}\n{text}",
                    tokens=_positions(text), score=1.0, context=context,
                    subject=document_subject(doc))


NOTICE = ("Today, the Governor declared that an emergency exists in the State of Eastmoor and ordered aid to "
          "supplement recovery efforts in the areas affected by Storm Ilse beginning on May 2, 2031.\n"
          "Federal funding is available to affected individuals in Norbury County.\n"
          "Ms. Wren T. Alder of the Relief Agency has been appointed to coordinate recovery operations in the "
          "affected areas.")
PEP = ("This PEP describes the release schedule of Python 4.2, the release managed by Ada Quill.\n"
       "The release manager also appoints a Windows expert for each release.\n"
       "Bram Okafor has been appointed to build the installers.")


def test_document_subject_a_later_sentence_is_about_what_the_lead_names():
    notice = Document("notice.md", NOTICE, {"title": "Eastmoor Emergency Declaration"})
    fco = _sentence(NOTICE.splitlines()[2], notice)
    storm, county = (constraints.Constraint("name", w, w.lower()) for w in ("Ilse", "Norbury"))
    assert names_it(storm, fco) and names_it(county, fco)  # the release's first paragraphs name them
    pep = Document("pep-9042.txt", PEP, {"title": "Python 4.2 Release Schedule"})
    builder = _sentence(PEP.splitlines()[2], pep)
    assert names_it(constraints.Constraint("name", "Quill", "quill"), builder)
    assert not names_it(constraints.Constraint("name", "Ilse", "ilse"), builder)
    # a long document's subject is its title and lead paragraph, not every later mention
    long_text = "The council met in Norbury.\n\n" + "It discussed other matters at length. " * 200 + "Ilse came up."
    report = Document("report.md", long_text, {"title": "Council minutes"})
    assert lead_paragraph(report) == "The council met in Norbury."
    tail = _sentence("Ilse came up.", report)
    tail.subject = f"{report.title}\n{lead_paragraph(report)}"
    assert not names_it(constraints.Constraint("name", "Ilse", "ilse"), Sentence(**{**tail.__dict__, "window": ""}))


class _Chunk:
    def __init__(self, source: str, start: int, end: int) -> None:
        self.source, self.start, self.end = source, start, end


class _Hit:
    def __init__(self, chunk: _Chunk) -> None:
        self.chunk = chunk


def test_whole_short_document_the_part_retrieval_missed_is_a_candidate():
    notice = Document("notice.md", NOTICE, {"title": "Eastmoor Emergency Declaration"})
    pep = Document("pep-9042.txt", PEP, {"title": "Python 4.2 Release Schedule"})
    # retrieval found only each document's first line
    hits = [_Hit(_Chunk("notice.md", 0, NOTICE.index("\n"))), _Hit(_Chunk("pep-9042.txt", 0, PEP.index("\n")))]
    retrieval = Retrieval(query="", chunks=hits, query_vector=[])
    texts = [s.text for s in candidate_sentences(retrieval, {"notice.md": notice, "pep-9042.txt": pep})]
    assert any("Wren T. Alder" in t for t in texts) and any("Bram Okafor" in t for t in texts)
    # a long document is not read whole
    long_doc = Document("long.md", NOTICE + "\n" + "Other business followed. " * 400, {"title": "Minutes"})
    retrieval = Retrieval(query="", chunks=[_Hit(_Chunk("long.md", 0, NOTICE.index("\n")))], query_vector=[])
    assert not any("Wren" in s.text for s in candidate_sentences(retrieval, {"long.md": long_doc}))


def _picks(question: str, *texts: str) -> list[Pick]:
    intent = analyse(question)
    out = []
    for text in texts:
        sentence = _sentence(text)
        chosen = pick_value(intent, sentence, _Keyword())
        if chosen is not None:
            out.append(chosen)
    return out


def test_asked_role_a_name_that_holds_another_role_is_no_answer():
    assert asked_role("Who was the governor of Eastmoor when the emergency was declared?") == ("governor",)
    assert asked_role("Who is the Federal Coordinating Officer for the storm?") == tuple(
        terms("Federal Coordinating Officer"))
    assert asked_role("Who builds the installers?") == ()
    notice = "Ms. Wren T. Alder of the Relief Agency has been appointed to coordinate federal recovery operations."
    governor = analyse("Who was the governor of Eastmoor?")
    assert _stating_predicate(governor, _picks("Who was the governor of Eastmoor?", notice)) == []
    fco = analyse("Who is the Federal Coordinating Officer for Eastmoor?")
    assert [p.value.surface for p in _stating_predicate(fco, _picks("Who is the federal coordinating officer?",
                                                                     notice))] == ["Wren T. Alder"]
    # PEP style: the role's head in a "label: value" line states it
    pep = _sentence("4.2 Release Manager: Ada Quill")
    assert states_role(asked_role("Who is the release manager for 4.2?"), pep)
    assert not states_role(asked_role("Who is the documentation expert for 4.2?"), pep)


def test_asked_predicate_of_a_which_person_question_is_its_verb():
    assert asked_predicate("Which agency official coordinates the Norbury recovery?") == terms("coordinates")[0]
    assert asked_predicate("Which release manager signed the 4.2 tags?") == terms("signed")[0]
    assert analyse("Which official coordinates the recovery?").predicate == terms("coordinates")[0]


def test_release_stages_are_one_release_however_spelled():
    alpha5 = constraints.of_question("When was 4.2.0 alpha 5 released?")
    assert [(c.surface, c.key) for c in alpha5] == [("4.2.0 alpha 5", "4.2.0a5")]
    assert constraints.of_question("Date of 4.2.0 release candidate 1?")[0].key == "4.2.0rc1"
    assert not constraints.unmet(alpha5, "4.2.0a5: Monday, 2031-03-03")
    assert constraints.unmet(alpha5, "- 4.2.0 alpha 4: Monday, 2031-02-03", "Python 4.2 Release Schedule")
    assert constraints.unmet(alpha5, "As of 2036-10-01, 4.2 has reached end of life.", "Python 4.2 Release Schedule")
    # a stage asked in words admits the pre-releases of the release named
    beta = constraints.of_question("When was the first beta of 4.2.0?")
    assert not constraints.unmet(beta, "4.2.0 beta 1: Tuesday, 2031-05-06")
    # the final release is not one of its pre-releases
    assert constraints.unmet(constraints.of_question("When is 2.9.18 out?"), "2.9.18rc1: 2031-04-04")


def test_a_line_is_its_first_release_not_a_later_bugfix():
    line = [c for c in constraints.of_question("When was Python 4.2 final released?") if c.kind == "version"]
    assert constraints.unmet(line, "4.2.6 final (source-only release): October 11, 2034")
    assert not constraints.unmet(line, "4.2 final: February 20, 2031")
    assert not constraints.unmet(line, "4.2.0 final: Monday, 2031-10-06")
    # a government notice's section numbers are no versions of the asked line
    assert not constraints.unmet(constraints.of_question("What does clause 4.2 require?"),
                                 "Under clause 4.2, agencies shall report annually.")


def test_a_date_is_asked_by_a_weekday_or_a_date_noun():
    assert classify("Thanksgiving 2031: which Thursday did the proclamation name?") == "date"
    assert classify("Date of 4.2.0 beta 1?") == "date"
    assert classify("Release date of Python 4.2.0 final?") == "date"
    assert classify("What is the release date of 4.2?") == "date"
    assert classify("Which ministers attended?") != "date"


def test_measured_dimension_a_measure_is_of_the_asked_dimension():
    assert measured_dimension("How far did the flyer go on its first flight?") == "length"
    assert measured_dimension("How much did the glider weigh?") == "mass"
    assert measured_dimension("How fast did the train run?") == "speed"
    assert measured_dimension("How high is the tariff?") == ""  # a rate is high too
    assert analyse("How far did the flyer go?").kind == "count"
    news = "The flyer stayed aloft for 12 seconds, covering 120 feet over the dunes."
    assert [v.display for v in sentence_values(analyse("How far did the flyer go?"), _sentence(news))] == ["120 feet"]
    assert sentence_values(analyse("How much did the flyer weigh?"), _sentence(news)) == []
    notice = "Vehicles over 40 tons may not cross; the limit is 25 miles per hour on the bridge for 3 months."
    assert [v.display for v in measures(notice, "mass")] == ["40 tons"]
    assert [v.display for v in measures(notice, "speed")] == ["25 miles per hour"]
    assert [v.display for v in measures("Lines are limited to 79 characters.", "length")] == []


def test_asked_thing_every_word_of_it_must_be_spoken_of():
    assert asked_thing("What is the maximum function length PEP 8 recommends?") == ["function"]
    assert asked_thing("What was the Senate vote confirming Ada Quill?") == terms("senate confirming")
    pep = _sentence("Limit all lines to a maximum of 79 characters.", context="PEP 8 \u203a Maximum Line Length")
    assert not _speaks_of_asked(analyse("What is the maximum function length PEP 8 recommends?"), pep)
    assert _speaks_of_asked(analyse("What is the maximum line length PEP 8 recommends?"), pep)
    notice = _sentence("Imports of aluminum face a tariff of 10 percent ad valorem.")
    assert _speaks_of_asked(analyse("What aluminum tariff rate is imposed?"), notice)
    assert not _speaks_of_asked(analyse("What steel tariff rate is imposed?"), notice)


def test_the_gate_reads_a_document_s_identity_and_subject_as_the_answerer_does():
    from assistant.answer.evidence import EvidenceUnit
    from assistant.load.units import units

    notice = Document("notice.md", NOTICE, {"title": "Eastmoor Emergency Declaration"})
    fco = next(u for u in units(notice) if "Wren" in notice.text[u.start:u.end])
    assert EvidenceUnit(1, notice, fco).unmet("Who coordinates the recovery from Storm Ilse?") == []
    assert EvidenceUnit(1, notice, fco).unmet("Who coordinates the recovery from Storm Odo?") == ["Odo"]
    pep_text = "PEP: 9008\nTitle: Style Guide for Widgets\n\nLimit all lines to a maximum of 79 characters."
    pep = Document("pep-9008.txt", pep_text, {"title": "Style Guide for Widgets", "fields": {"PEP": "9008"}})
    line = next(u for u in units(pep) if "79" in pep.text[u.start:u.end])
    assert EvidenceUnit(1, pep, line).title.startswith("PEP 9008")
    assert EvidenceUnit(1, pep, line).unmet("What line length does PEP 9008 recommend?") == []


def test_a_lead_in_brings_its_list():
    from assistant.answer.composing import _introduced_list, passages

    assert classify("What kinds of proposal are there?") == "list"
    assert classify("Which types of assistance can residents get?") == "list"
    assert classify("What kind of document is a proposal?") == "explain"
    pep_text = ("There are three kinds of proposal:\n\n1. A Standards proposal describes a feature.\n\n"
                "2. An Informational proposal describes a design issue.\n\n3. A Process proposal describes a "
                "process.\n\nEach kind has its own review.")
    notice_text = ("Assistance can include the following programs:\n- grants for temporary housing\n"
                   "- low-cost loans for uninsured losses\n\nResidents can apply online.")
    for text, items in ((pep_text, ["Standards", "Informational", "Process"]), (notice_text, ["grants", "loans"])):
        doc = Document("d.md", text, {"title": "T"})
        lead = _sentence(text.split("\n")[0], doc)
        listed = [doc.text[u.start:u.end] for u in _introduced_list(lead)]
        assert len(listed) == len(items) and all(i in t for i, t in zip(items, listed))
        draft = passages(analyse("What kinds of things are there?"), [lead], [lead])
        assert len(draft.evidence) == 1 + len(items)
    assert _introduced_list(_sentence("Each kind has its own review.", Document("d.md", pep_text, {"title": "T"}))) \
        == []


def test_partitive_count_asks_for_the_part_not_the_whole():
    from assistant.answer.question import partitive

    assert partitive("How many of the proposal's rules were written down?") == terms("written down")
    assert partitive("How many members does the council have?") == []
    pep = "The author distils the principles into 20 rules, only 19 of which have been written down."
    notice = "Of the 12 counties that applied, 9 were approved for individual assistance."
    assert _picked_value("How many of the rules were written down?", pep) == "19"
    assert _picked_value("How many of the counties were approved for individual assistance?", notice) == "9"
    assert _picked_value("How many counties applied?", notice) == "12"


def test_up_to_what_asks_for_a_quantity():
    assert classify("If a team agrees, up to what line length can it go?") == "count"
    assert classify("At most how many members may share an employer?") == "count"
    pep = ("For code maintained by a team that can reach agreement, it is okay to increase the line length limit up "
           "to 99 characters, provided that comments are still wrapped at 72 characters.")
    assert _picked_value("If a team agrees, up to what line length can it go?", pep) == "99"
    notice = "Grants may cover up to 75 percent of eligible costs, and loans the remaining 25 percent."
    assert "75 percent" in _picked_value("Up to what share of eligible costs may grants cover?", notice)


def _picked_value(question: str, text: "str | Sentence") -> str | None:
    chosen = pick_value(analyse(question), _sentence(text) if isinstance(text, str) else text, _Keyword())
    return chosen.value.surface if chosen else None


def test_an_office_that_appoints_the_asked_role_does_not_hold_it():
    from assistant.answer.picking import office_holders

    order = _sentence("The Secretary of Homeland Security shall biennially designate a Chair and Deputy Chair of "
                      "the Board from among its members.")
    assert office_holders(analyse("Who was named chair of the Board?"), order) is None
    pep = _sentence("The Steering Council shall appoint a Release Manager for each feature release.")
    assert office_holders(analyse("Who is the release manager?"), pep) is None
    chair = _sentence("The Director of the Office of Budget shall serve as Chair of the Board.")
    span = office_holders(analyse("Who chairs the Board?"), chair)
    assert span is not None and chair.text[span[0]:span[1]].startswith("Director")


def test_typographic_apostrophes_and_irregular_verbs_read_as_the_question_writes_them():
    assert terms("the Baaj Nwaavjo I\u2019tah Kukveni monument") == terms("the Baaj Nwaavjo I'tah Kukveni monument")
    named = constraints.of_question("How big is the I'tah Kukveni monument?")
    assert constraints.unmet(named, "The I\u2019tah Kukveni National Monument covers 917,618 acres.") == []
    assert terms("Who led the delegation?")[0] == terms("Mayorkas will lead the delegation")[-2]
    assert terms("The vote was held in May")[1] == terms("They hold a vote")[0]  # "hold", a PEP's vote


def test_a_literal_block_is_code_never_a_sentence(tmp_path):
    from assistant.load.loaders import discover, load
    from assistant.load.units import units

    rst = ("Examples\n========\n\nSimple cases are not objectionable::\n\n    # Valid\n"
           "    if any(len(line) >= 100 for line in lines):\n        print(line)\n\nThat is all.\n")
    md = "# Examples\n\nSimple cases:\n\n```\n# Valid\nif total >= 100:\n    report(total)\n```\n\nThat is all.\n"
    for name, body in (("example.rst", rst), ("example.md", md)):
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        found = discover([path], tmp_path)
        doc = load((found[0] if isinstance(found, tuple) else found)[0], 1_000_000)
        kinds = {u.kind for u in units(doc) if "100" in doc.text[u.start:u.end]}
        assert kinds == {"code"}, (name, kinds)
        assert any(doc.text[u.start:u.end] == "That is all." and u.kind == "sentence" for u in units(doc))


def test_document_header_and_label_names_the_asked():
    from assistant.answer.candidates import header_end, score_sentences

    header = "PEP: 9518\nTitle: Build Requirements\nBDFL-Delegate: Ada Quill\nStatus: Final\n\n"
    body = "Abstract\n\n" + "This proposal specifies how build tools declare what they need. " * 120
    pep = Document("pep-9518.txt", header + body, {"title": "Build Requirements",
                                                     "headings": [[len(header), len(header) + 8, 1]]})
    assert pep.text[:header_end(pep)].endswith("Status: Final")
    hits = [_Hit(_Chunk("pep-9518.txt", len(header) + 10, len(header) + 200))]
    found = candidate_sentences(Retrieval(query="", chunks=hits, query_vector=[]), {"pep-9518.txt": pep})
    delegate = next(s for s in found if s.text == "BDFL-Delegate: Ada Quill")  # the header came with the body
    notice_text = "Coordinating Officer: Wren T. Alder\nAgency: Relief Agency\n\nThe declaration covers the county."
    notice = Document("notice.md", notice_text, {"title": "Notice"})
    officer = next(s for s in candidate_sentences(
        Retrieval(query="", chunks=[_Hit(_Chunk("notice.md", 0, len(notice_text)))], query_vector=[]),
        {"notice.md": notice}) if s.text.startswith("Coordinating"))

    def embed(texts: list[str]) -> list[list[float]]:
        return [[0.0] for _ in texts]

    for question, sentence in (("Who served as BDFL-Delegate for the build proposal?", delegate),
                               ("Who is the coordinating officer?", officer)):
        score_sentences([sentence], analyse(question), [0.0], _Keyword(), embed)
        assert sentence.coverage >= 0.35, question
    from assistant.answer.candidates import _label_asked

    number = next(s for s in found if s.text == "PEP: 9518")
    assert not _label_asked(number, {"pep": 1.0, "9518": 1.0})  # the document's number answers nothing


def test_measured_dimension_an_area_is_in_acres_or_square_units():
    assert measured_dimension("How big is the national monument, in acres?") == "area"
    assert measured_dimension("How many square miles does the reserve cover?") == "area"
    proclamation = _sentence("The reserved lands encompass approximately 917,618 acres, in 3 units.")
    news = _sentence("The fire burned 12 square miles over 4 days.")
    assert [v.display for v in sentence_values(analyse("How big is the monument, in acres?"), proclamation)] == \
        ["917,618 acres"]
    assert [v.display for v in sentence_values(analyse("What area did the fire burn, in square miles?"), news)] == \
        ["12 square miles"]


def test_acronym_numbers_name_documents_not_quantities():
    from assistant.answer.facts import counts

    assert [v.surface for v in counts("Function annotations should use PEP 484 syntax.")] == []
    assert [v.surface for v in counts("Under FEMA-4709-DR, aid reached 12 counties.")] == ["12"]
    assert [v.surface for v in counts("The fund holds USD 500 million for 3 years.")] == ["500 million", "3"]
    pep = _sentence("Function annotations should use PEP 484 syntax.")
    assert sentence_values(analyse("What is the maximum function length PEP 8 recommends?"), pep) == []


def test_document_subject_the_lead_of_a_short_document_counts_toward_coverage(tiny_settings):
    """Rule "document subject", coverage side: in a short document, a question word that only its lead paragraph
    holds counts a quarter for every later unit ("Which agency official coordinates the Storm Ilse recovery?"
    is covered in part by "Ms. Wren T. Alder ... appointed to coordinate recovery operations", whose release
    opens on Storm Ilse); a long document's lead lends nothing."""
    from assistant.answer.candidates import score_sentences
    from assistant.index.embeddings import embeddings_for

    embed = embeddings_for(tiny_settings).embed_documents
    notice = Document("notice.md", NOTICE, {"title": "Eastmoor Emergency Declaration"})
    pep = Document("pep-9042.txt", PEP, {"title": "Python 4.2 Release Schedule"})
    long_text = NOTICE.split("\n")[0] + "\n\n" + "Other business followed. " * 200 + "\n\n" + NOTICE.split("\n")[2]
    minutes = Document("minutes.md", long_text, {"title": "Minutes"})
    cases = [("Which agency official coordinates the Storm Ilse recovery?", notice, "Ms. Wren T. Alder"),
             ("Who builds the installers of the release Ada Quill manages?", pep, "Bram Okafor"),
             ("Which agency official coordinates the Storm Ilse recovery?", minutes, "Ms. Wren T. Alder")]
    for question, doc, opening in cases:
        intent = analyse(question)
        chunk = _Chunk(doc.source, 0, len(doc.text))
        retrieval = Retrieval(query=question, chunks=[_Hit(chunk)], query_vector=embed([question])[0])
        sentences = candidate_sentences(retrieval, {doc.source: doc})
        score_sentences(sentences, intent, retrieval.query_vector, _Keyword(), embed)
        unit = next(s for s in sentences if s.text.startswith(opening))
        own = sum(1 for t in intent.focus_terms if t in {x for x, _, _ in unit.tokens})
        plain = own / len(intent.focus_terms)
        if doc is minutes:
            assert unit.lead == "" and abs(unit.coverage - plain) < 1e-9
        else:
            assert unit.lead and unit.coverage > plain + 0.05


def _row(doc: Document, line: str) -> Sentence:
    from assistant.load.units import units

    unit = next(u for u in units(doc) if doc.text[u.start:u.end] == line)
    sentence = _sentence(line, doc)
    sentence.unit = unit
    return sentence


def test_table_column_the_value_under_the_column_the_question_names():
    """Rule "table column": a row's values are read under their table's header row; a question naming a
    column's header ("on Falcon 9", "in fiscal year 2024") is answered from that column's cell."""
    from assistant.load.units import cells, table_header

    pep = Document("pep-9100.txt", "The table below reports execution overhead.\n\n"
                   " | Falcon 9 | Heron 4\nOne thread | 6% | 5%\nMany threads | 8% | 7%\n", {"title": "PEP 9100"})
    budget = Document("budget.md", "Funding requested by the Harbour Office:\n\n"
                      "| Program | Fiscal Year 2023 | Fiscal Year 2024 |\n| Dredging | $4 million | $6 million |\n"
                      "| Lighthouses | $2 million | $3 million |\n", {"title": "Harbour Office Budget"})
    row = _row(pep, "One thread | 6% | 5%")
    header = table_header(pep.text, row.unit)
    assert header and [pep.text[a:b] for a, b in cells(pep.text, *header)] == ["", "Falcon 9", "Heron 4"]
    assert _picked_value("What percentage overhead did one thread show on Heron 4?", row) == "5%"
    assert _picked_value("What percentage overhead did one thread show on Falcon 9?", row) == "6%"
    dredging = _row(budget, "| Dredging | $4 million | $6 million |")
    assert _picked_value("How much was requested for dredging in fiscal year 2024?", dredging) == "$6 million"
    assert _picked_value("How much was requested for dredging in fiscal year 2023?", dredging) == "$4 million"
    # rule "kind from the evidence": rows introduced as overheads state overheads, so "what overhead" asks a share
    from assistant.answer.picking import evidence_kind

    rows = [row, _row(pep, "Many threads | 8% | 7%")]
    assert evidence_kind(analyse("What overhead did one thread show on Heron 4?"), rows) == "percent"
    # the header row itself, and a row under no header, have no column
    assert table_header(budget.text, _row(budget, "| Program | Fiscal Year 2023 | Fiscal Year 2024 |").unit) is None


def test_called_term_a_name_given_to_a_thing_is_what_follows_known_as():
    """Rule "called term": "what name / nickname did X get", "what is X called / known as" ask for the term a
    text gives a thing, which it writes in quotes after "known as", "referred to as", "called" or "dubbed"."""
    from assistant.answer.facts import called_terms

    assert classify("What informal name did the := operator pick up during the discussion?") == "term"
    assert classify("What was the trilateral partnership known as?") == "term"
    assert classify("What is the name of the FEMA official?") == "name"  # a person's name stays a name
    assert classify("What is his name?") == "name"
    pep = 'During discussion of this PEP, the operator became informally known as "the walrus operator".'
    release = "Firearms assembled from kits, often referred to as \u201cghost guns,\u201d are hard to trace."
    assert [v.surface for v in called_terms(pep)] == ["the walrus operator"]
    assert [v.surface for v in called_terms(release)] == ["ghost guns"]
    assert _picked_value("What informal name did the operator pick up during discussion?", pep) \
        == "the walrus operator"
    assert _picked_value("What are firearms assembled from kits referred to as?", release) == "ghost guns"
    assert called_terms("The committee called for a vote on the proposal.") == []


def test_who_are_they_asks_for_the_members_of_a_group():
    """Rule "who are they": a "who" question about a group the question has just named ("... has three groups
    of customers. Who are they?", "The order names four agencies. Who were they?") asks for its members, a list,
    not a person's name."""
    assert classify("The markup PEP says document markup has three groups of customers. Who are they?") == "list"
    assert classify("The order names four agencies to serve on the Board. Who were they?") == "list"
    assert classify("Who are the members of the council?") == "list"
    assert classify("Who is the chair of the council?") == "name"


def test_more_precise_date_a_day_of_the_chosen_month_replaces_it():
    """Rule "more precise date": a month chosen as the answer gives way to a day of that month stated by a unit
    about as good; a day of another month, or a unit far below, does not."""
    from assistant.answer.composing import _most_precise

    def pick(text: str, score: float, question: str) -> Pick:
        sentence = _sentence(text)
        sentence.score = score
        chosen = pick_value(analyse(question), sentence, _Keyword())
        assert chosen is not None
        return chosen

    q = "When did the 2031 council vote open?"
    month = pick("Name of the poll: council vote (March 2031)", 0.84, q)
    day = pick("The vote will happen in a window from March 3rd, 2031 to March 17th, 2031.", 0.79, q)
    other = pick("The review period ends on February 28, 2031.", 0.80, q)
    assert _most_precise(month, [month, day, other]).value.display == "March 3, 2031"
    assert _most_precise(month, [month, other]) is month
    low = pick("The vote will happen in a window from March 3rd, 2031 to March 17th, 2031.", 0.5, q)
    assert _most_precise(month, [month, low]) is month
    # a release notice: "in May 2029" refined by "on May 4, 2029"
    q = "When was the relief program announced?"
    month = pick("The relief program was announced in May 2029.", 0.7, q)
    day = pick("On May 4, 2029, the Administrator announced the relief program.", 0.68, q)
    assert _most_precise(month, [month, day]).value.display == "May 4, 2029"
    assert _most_precise(day, [month, day]) is day


def test_year_less_date_is_read_as_written_never_given_a_year():
    """Rule "year-less date": "September 5" in a schedule, or "March 3" in a text published in January, is a
    date whose year the text does not give: it is read (and answered) as written, with no year made up; a
    bare date of a month that has begun by publication is still that year's."""
    import datetime as dt

    from assistant.answer.facts import dates

    schedule = "* September 5: 1.6 final release (actual)."
    notice = "Applications are accepted until March 3 at the county office."
    (sep,) = dates(schedule, dt.date(2000, 7, 25))
    assert (sep.kind, sep.norm, sep.display) == ("date", "*-09-05", "September 5 (no year given)")
    (mar,) = dates(notice, dt.date(2031, 1, 20))
    assert mar.norm == "*-03-03" and "2031" not in mar.display
    assert dates(notice, dt.date(2031, 4, 2))[0].norm == "2031-03-03"  # March has begun: this year's
    assert dates("February 30 is no day.") == []
    doc = Document("pep-9160.txt", "Schedule\n\n" + schedule, {"title": "Python 9.6 Release Schedule",
                                                               "date": "2000-07-25"})
    assert _picked_value("When was the 9.6 final release actually made?", _sentence(schedule, doc)) == "September 5"
    # the question's own date, written without its year in the evidence, is no answer
    measures = "MOFCOM said on March 30 that it would suspend the March 9 measures for one year."
    assert _picked_value("Until when are the March 9, 2031 export controls suspended?", measures) == "March 30"
    # a question's own year-less date is no premise to check
    assert analyse("What happens on March 3?").premises == []


def test_list_question_forms_and_a_lead_in_nearly_as_good_brings_its_list():
    """Rules "exception prefix" and "which <things> <verb>": "Apart from X, which constructors accept ...?"
    and "Which counties received aid?" ask for lists; "Which official coordinates the recovery?" asks for a
    person. Rule "a lead-in brings its list": a lead-in among the first units of the pool, nearly as good as the
    best, brings its items."""
    from assistant.answer.composing import passages
    from assistant.load.units import units

    assert classify("Apart from literals, which constructors accept underscores as digit separators?") == "list"
    assert classify("Besides the governor, which officials signed the request?") == "list"
    assert classify("Which counties received individual assistance?") == "list"
    assert classify("Which official coordinates the recovery?") == "name"
    assert classify("Which release manager handled 4.2?") == "name"
    pep = Document("pep-9515.txt", "This PEP proposes to let underscores separate digits in literals.\n\n"
                   "Constructors\n\nUnderscores will be allowed in the following constructors:\n\n"
                   "- int() (with any base)\n- float()\n- complex()\n", {"title": "Underscores in Numeric Literals"})
    notice = Document("notice.md", "The declaration covers a wide area of the state of Eastmoor.\n\n"
                      "Assistance is available in the following counties:\n\n- Norbury County\n- Alder County\n",
                      {"title": "Eastmoor Disaster Declaration"})
    for doc, first_item in ((pep, "int() (with any base)"), (notice, "Norbury County")):
        found = [u for u in units(doc) if u.kind == "sentence" and " " in doc.text[u.start:u.end]]
        opening, lead_in = (_sentence(doc.text[u.start:u.end], doc) for u in found[:2])
        opening.unit, lead_in.unit = found[0], found[1]
        opening.score, lead_in.score = 0.70, 0.62
        draft = passages(analyse("Which ones are there?"), [opening, lead_in], [opening, lead_in])
        assert draft.evidence[0].start == lead_in.start
        assert any(doc.text[q.start:q.end] == first_item for q in draft.evidence)
        lead_in.score = 0.4  # far below the best: the best unit is quoted as it is
        draft = passages(analyse("Which ones are there?"), [opening, lead_in], [opening, lead_in])
        assert draft.evidence[0].start == opening.start


def test_version_questions_ask_for_the_version_of_the_named_thing():
    """Rules "version questions" and "version of the named thing": "Which tomli release ...?" asks for a version,
    and only a version written with the thing's name answers it; "Which release manager ...?" asks for a person.
    Rule "label names the asked", pool side: the document's "Python-Version:" field joins the pool."""
    from assistant.answer.candidates import with_labelled_fields

    assert classify("Which tomli release was vendored into the standard library?") == "version"
    assert classify("In what version of the Harbour Framework was the privacy profile added?") == "version"
    assert classify("Which release manager handled 4.2?") == "name"
    assert classify("What release schedule applies to 4.2?") != "version"
    pep = 'The parser is based on tomli 1.2.3, which supports TOML 1.0.0.'
    assert _picked_value("Which tomli release is the parser based on?", pep) == "1.2.3"
    assert _picked_value("Which TOML version does the parser support?", pep) == "1.0.0"
    assert _picked_value("Which Sphinx release is the parser based on?", pep) is None
    framework = "The Institute released version 2.0 of the Harbour Framework on February 26, 2031."
    assert _picked_value("Which version of the Harbour Framework was released in 2031?", framework) == "2.0"
    assert _picked_value("Which version of the Eastmoor Standard was released?", framework) is None
    doc = Document("pep-9572.txt", "PEP: 9572\nPython-Version: 4.8\n\nThis PEP adds a colon-equals operator.",
                   {"title": "PEP 9572 - Assignment Expressions"})
    from assistant.load.units import units

    best, field = _sentence("This PEP adds a colon-equals operator.", doc), _sentence("Python-Version: 4.8", doc)
    field.unit = next(u for u in units(doc) if doc.text[u.start:u.end].startswith("Python-Version"))
    field.labelled = True
    assert with_labelled_fields([best], [best, field]) == [best, field]
    other = Document("pep-9573.txt", "Python-Version: 4.9", {"title": "PEP 9573"})
    stranger = _sentence("Python-Version: 4.9", other)
    stranger.labelled = True
    assert with_labelled_fields([best], [best, stranger]) == [best]  # another document's header answers nothing
    assert _picked_value("Which Python version added the colon-equals operator?", field) == "4.8"
    # a version question about a release is answered by another release of its line
    pinned = constraints.of_question("Which release was 4.8.0's last security release?")
    assert constraints.unmet(pinned, "4.8.20 final: Friday, 2039-09-06", "", siblings=True) == []
    assert constraints.unmet(pinned, "4.8.20 final: Friday, 2039-09-06", "") == ["4.8.0"]
    assert constraints.unmet(pinned, "4.9.1 final: Friday, 2040-09-06", "", siblings=True) == ["4.8.0"]


def test_the_unit_s_own_year_speaks_for_it_unless_the_year_dates_the_document():
    """Rules "the unit's own year" and "the unit's own version": a unit that states years, none of them one the question asks about, speaks of
    those years whatever its document's title says; a year that dates the document asked about ("the 2031
    proclamation") is met by the title, whatever years the unit states."""
    title = "A Proclamation on Harbour Safety Week, 2032"
    q = "How many people drowned in harbours in 2032?"
    assert constraints.unmet(q, "In 2031, more than 400 people drowned in harbours.", title) == ["2032"]
    assert constraints.unmet(q, "More than 400 people drowned in harbours this year.", title) == []
    assert constraints.unmet(q, "In 2032, 380 people drowned, down from 2031.", title) == []
    q = "In the 2032 Harbour Safety Week proclamation, how many lifeguards were hired?"
    assert constraints.unmet(q, "Since 2029, the program has hired 1,200 lifeguards.", title) == []
    # a PEP schedule: the year of the release asked about, stated by the unit
    q = "What was released on the first Monday of 2031?"
    assert constraints.unmet(q, "4.2.0 final: Monday, 2030-10-14", "Python 4.2 Release Schedule (2031)") == ["2031"]
    assert constraints.of_question("In 2031, who chaired the council?")[0].key == "2031"  # a comma ends a year
    # rule "the unit's own version": another product's versions (another major number) are about that product
    q = "On what date was Python 9.4, the first release with the parser, published?"
    assert constraints.unmet(q, "The release of TOML 1.0.0 in January 2031 made the format stable.",
                             "PEP 9680 (Python-Version: 9.4)") == ["9.4"]
    assert constraints.unmet("For how many years did 9.8 get security updates?",
                             "Security updates were released for 5 years until the release of Python 9.13.0 final.",
                             "Python 9.8 Release Schedule") == []
    assert constraints.unmet("Which harbour code version 2.1 rules apply to ferries?",
                             "Rule 14 of the code (version 2.1) covers ferries.", "Harbour Code") == []
    assert constraints.unmet("How much was budgeted for Fiscal Year 2032, as cited in the 2031 report?",
                             "The Fiscal Year 2032 budget requests $4 million.", "Harbour report, 2031") == []


def test_which_county_or_state_asks_for_a_place():
    """Rule "place questions": "Which county ...", "What state is X in?" ask for a place, as "which city" does;
    "Which state of emergency ..." does not."""
    assert classify("Which county got assistance for the storms?") == "place"
    assert classify("What state is the new national monument in?") == "place"
    assert classify("Which district elected the delegate?") == "place"
    assert classify("Which state of emergency was declared?") != "place"
    # where in a publication the question names: no place
    assert classify("Where was the order published in the Federal Register?") == "other"
    assert classify("Where is the release schedule listed in the PEP index?") == "other"
    assert classify("Where was the report published?") == "place"
    notice = ("Federal funding is available for the repair of facilities damaged by the severe storms and "
              "flooding in Norbury County.")
    assert _picked_value("Which county got assistance for the storms?", notice) == "Norbury County"
    article = "The antimony mine the company plans to reopen lies in Alder County, about 40 miles from the border."
    assert _picked_value("Which county is the antimony mine in?", article) == "Alder County"


def test_heading_names_the_asked_list():
    """Rule "heading names the asked": a list question is answered by the list under a heading whose words are
    all the question's, one beyond its versions and names ("Features for 9.1"; "Membership of the Board"), its
    items however short; a heading of only the question's names ("Python 9.1") answers nothing."""
    from assistant.answer.composing import _section_list

    pep_text = ("This document describes the release schedule for Python 9.1.\n\nRelease Schedule\n\n"
                "- 9.1a1 March 7, 2039\n- 9.1 final June 27, 2039\n\nFeatures for 9.1\n\n- importlib\n- io in C\n"
                "- Ordered dictionary for collections\n\nFootnotes\n\nNone.\n")
    heads = [[pep_text.index(h), pep_text.index(h) + len(h), 1] for h in ("Release Schedule", "Features for 9.1",
                                                                           "Footnotes")]
    pep = Document("pep-9375.txt", pep_text, {"title": "Python 9.1 Release Schedule", "headings": heads})
    pool = [_sentence("This document describes the release schedule for Python 9.1.", pep)]
    items = [pep.text[u.start:u.end] for _, u in _section_list(analyse("What features were planned for Python 9.1?"),
                                                                pool)]
    assert items == ["importlib", "io in C", "Ordered dictionary for collections"]
    order_text = ("Sec. 5. Establishing a Harbour Safety Board.\n\nMembership of the Board\n\n"
                  "The Board shall include officials from:\n\n(i) the Department of Transport;\n"
                  "(ii) the Coast Agency; and\n(iii) the Port Authority.\n")
    h = "Membership of the Board"
    order = Document("order.md", order_text, {"title": "Executive Order on Harbour Safety",
                                               "headings": [[order_text.index(h), order_text.index(h) + len(h), 2]]})
    pool = [_sentence("Sec. 5. Establishing a Harbour Safety Board.", order)]
    found = _section_list(analyse("Which agencies are on the Board's membership list?"), pool)
    assert [order.text[u.start:u.end] for _, u in found][0].startswith("the Department of Transport")
    # the heading of only the question's names and versions answers nothing
    named = Document("pep-9376.txt", "Python 9.1\n\n- 9.1a1 March 7, 2039\n",
                     {"title": "Schedule", "headings": [[0, 10, 1]]})
    assert _section_list(analyse("Which Python 9.1 releases are there?"), [_sentence("9.1a1 March 7, 2039", named)]) == []


def test_office_questions_ask_for_a_job_title_not_the_one_the_question_names():
    """Rules "office questions" and "acronym of the question": "What job did X hold at Y?" asks for an office;
    the office the question already names by its acronym ("chosen for the HSA": the Director of the Harbour
    Safety Agency) is no answer to what else the person held."""
    assert classify("What job did Ada Quill hold at Norbury University when she was chosen for the HSA?") == "office"
    assert classify("What position does Ivo Brandt hold?") == "office"
    assert classify("What role did the council play in the talks?") != "office"
    assert classify("What is the title of the PEP?") != "office"
    release = ("Dr. Ada Quill, Director of the Harbour Safety Agency A. Quill is a physician who currently leads "
               "Norbury University Hospital as Chair of the Department of Surgery.")
    assert _picked_value("What job did Ada Quill hold at Norbury University Hospital when she was chosen for the HSA?",
                         release) == "Chair of the Department of Surgery"
    article = "Treasury Secretary Ivo Brandt hosted the critical minerals meeting in Norbury on Monday."
    assert _picked_value("What position does Ivo Brandt hold?", article) == "Treasury Secretary"


def test_a_list_of_names_answers_a_list_question():
    """Rule "a list of names answers a list question": a unit nearly as good as the best that enumerates three or
    more named things inline leads; a list of clauses names nothing and does not."""
    from assistant.answer.composing import _named_items, _naming_list_first

    order = [_sentence("Establishing a Harbour Safety Board."),
             _sentence("These recommendations shall describe: (i) identified gaps in the Board's authorities; "
                       "(ii) the Board's proposed mission; (iii) membership criteria."),
             _sentence("The Board shall comprise representatives of the Department of Transport, the Coast Agency, "
                       "the HSA, and the Port Authority.")]
    for s, score in zip(order, (0.72, 0.71, 0.68)):
        s.score = score
    assert _named_items(order[1].text) < 3 <= _named_items(order[2].text)
    assert _naming_list_first(order, order[0]) is order[2]
    pep = [_sentence("This PEP proposes a standard library module for reading TOML."),
           _sentence("Many projects use it, such as Pip, Build, Pytest, Mypy and Black.")]
    pep[0].score, pep[1].score = 0.7, 0.5  # far below the best: the best stays first
    assert _naming_list_first(pep, pep[0]) is pep[0]
    pep[1].score = 0.65
    assert _naming_list_first(pep, pep[0]) is pep[1]


def test_a_day_month_year_date_is_read_with_dashes_too():
    from assistant.answer.facts import dates

    # a PEP header's "Created:" field and a government table's date column
    assert [v.norm for v in dates("Created: 09-Nov-2011")] == ["2011-11-09"]
    assert [v.norm for v in dates("| Filed | 14-Oct-2019 | Closed | 2 Dec 2019 |")] == ["2019-10-14", "2019-12-02"]
    assert dates("build 12-Mayday-2020") == [] and [v.norm for v in dates("5 May 2020")] == ["2020-05-05"]


def test_first_before_a_verb_numbers_no_sibling():
    from assistant.answer.picking import _label_contradicts

    # a PEP header field and a release list
    assert not _label_contradicts("Python-Version", "Which Python release first got the matrix operator?")
    assert not _label_contradicts("Python-Version", "Which release first introduced the walrus operator?")
    assert _label_contradicts("3.8.0 beta 4", "When was the first beta of 3.8.0 released?")
    # a legislative record and a government table
    assert not _label_contradicts("Fiscal Year 2024", "Which agency first proposed the rule?")
    assert _label_contradicts("Second reading", "When was the first reading of the bill held?")
