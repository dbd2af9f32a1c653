"""Answerer rules over planted passages in a temp index: a "who" question answered by the office that holds the role
when no person is named, and the abstention that says which named things no passage holds together (never "the
passages never mention" a name they do hold). The samples are written for these tests in the style of each corpus
(a hard-wrapped White House-like order, its paragraphs indented with no-break spaces; a PEP-like reStructuredText
proposal; a news report)."""

from __future__ import annotations

import pytest

from assistant import ask
from assistant.index.ingest import ingest
from assistant.settings import Settings

pytestmark = pytest.mark.slow

ORDER = """---
title: "Order on the Implementation of the Harbour Renewal Act"
date: '2031-04-02'
---
Sec. 3.  Harbour Renewal Council.  (a)  There is established within the
Office of the Mayor the Harbour Renewal Council (Council).  The function
of the Council is to coordinate the renewal of the old docks.

\u00a0 \u00a0 \u00a0 \u00a0  (b) \u00a0The Assistant to the Mayor for Housing Policy, the Assistant to
the Mayor for Public Safety, and the Director of the Office of Parks and
Recreation shall serve as Co-Chairs of the Council.

\u00a0 \u00a0 \u00a0 \u00a0  (c) \u00a0In addition to the Co-Chairs, the Council shall consist of the
heads of such other offices as the Co-Chairs may invite.
"""
PROPOSAL = """Proposal: 9003
Title: Archive Retention Policy
Status: Active

Abstract
========

This proposal sets how long the project keeps release archives.

Governance
==========

Retention decisions are taken by the Archive Steward of the current
series, who may ask the Infrastructure Team for advice.  Archives
are kept for ten years.
"""
SCHEDULE = """Proposal: 9004
Title: Release 4.2 Schedule

Release Manager and Crew
========================

- 4.2 Release Manager: Bram Okafor

Lifespan
========

The 4.2 series will receive bugfix updates for about two years.
"""
HISTORY = """Proposal: 9005
Title: Release 4.1 Schedule

Release Manager and Crew
========================

- 4.1 Release Manager: Ada Quill

Ada Quill managed the 4.1 series and handed it on after two years.
"""
NEWS = """---
title: "Harbour master confirmed"
publisher: Coastal Daily
date: 2030-03-04
---
Dana Pruitt was confirmed as harbour master by a council vote of 7-2 on March 3, 2030.
The new harbour master will oversee the renewal of the old docks.
"""
BUDGET = """---
title: "The 2031 harbour budget"
publisher: Coastal Daily
date: 2031-01-10
---
The council approved the 2031 harbour budget by a vote of 5-4 on January 9, 2031.
"""


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("answer-rules")
    corpus = root / "corpus"
    corpus.mkdir()
    files = {"harbour-order.md": ORDER, "pep-9003.txt": PROPOSAL, "pep-9004.txt": SCHEDULE, "pep-9005.txt": HISTORY,
             "harbour-master.md": NEWS, "harbour-budget.md": BUDGET}
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=root / "index")
    assert ingest(settings=settings, progress=False).documents == len(files)
    return settings


@pytest.mark.parametrize("question, office", [
    # order style: offices listed together hold the role together, in one lead
    ("Who are the co-chairs of the Harbour Renewal Council?",
     "Assistant to the Mayor for Housing Policy, the Assistant to the Mayor for Public Safety, and the Director of the "
     "Office of Parks and Recreation"),
    # PEP style, hard-wrapped: the office named where the question's words are
    ("Who takes retention decisions under the Archive Retention Policy?", "Archive Steward"),
])
def test_a_who_question_is_answered_by_the_office_when_no_person_is_named(planted, question, office):
    answer = ask(question, settings=planted)
    lead = answer.text.split("\n")[0]
    assert not answer.abstained and office in lead, answer.text
    assert all(office in c.quote.replace("\n", " ") for c in answer.citations[:1])  # stated in its quote
    assert "Co-Chairs of the Council" not in lead  # the role asked about is not its own holder


@pytest.mark.parametrize("question, together", [
    # news style: the person is named, but only in another year's passage
    ("What was the council vote confirming Dana Pruitt in 2031?", ["Dana", "Pruitt", "2031"]),
    # PEP style: the person is named, but only for another release
    ("When did Ada Quill hand on the 4.2 series?", ["Ada", "Quill", "4.2"]),
])
def test_a_name_held_only_apart_from_the_years_or_versions_is_said_so(planted, question, together):
    answer = ask(question, settings=planted)
    lead = answer.text.split("\n")[0]
    assert answer.abstained and "together" in lead and "never mention" not in lead, answer.text
    assert all(f"\u201c{t}\u201d" in lead for t in together), lead
