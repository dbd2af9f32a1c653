"""What fusion hands on to the answerer, beyond the first k fused candidates: each retriever's first hits, and the
passage that pairs a name of the question with its other words. The chunks are written for these tests in the
style of each corpus (a news report with its fact-check; a PEP-like release schedule)."""

from __future__ import annotations

from assistant.documents import Chunk
from assistant.index.keyword import KeywordIndex
from assistant.index.retrieve import RETRIEVERS_BEST, _each_retrievers_best, _names_represented


def _entry(i: int, text: str, dense: int | None, keyword: int | None, source: str = "doc.md", **meta) -> dict:
    chunk = Chunk(id=f"c{i}", source=source, text=text, start=100 * i, end=100 * i + len(text), metadata=meta)
    out = {"chunk": chunk, "score": (1 / (60 + dense) if dense else 0) + (1 / (60 + keyword) if keyword else 0)}
    if dense:
        out["dense_rank"] = dense
    if keyword:
        out["keyword_rank"] = keyword
    return out


def _fused(entries: list[dict]) -> list[dict]:
    return sorted(entries, key=lambda e: -e["score"])


NEWS = [
    "The harbour bridge reopened on May 3, the city said.",
    "Traffic was heavy on the first morning after the repairs.",
    "The city council met on Tuesday to discuss the repairs.",
    "Works director Maria Okafor told reporters the repairs cost $12 million.",
    "The bridge carries four lanes of traffic.",
    "Later that night, Okafor issued a statement on the toll.",  # only the keyword search finds it
]


def test_each_retrievers_first_hits_are_handed_on():
    # news style: the statement's sentence is the keyword search's first hit, beyond the dense search's cut
    entries = [_entry(i, t, dense=i + 1 if i < 5 else None, keyword={5: 1, 3: 2}.get(i, i + 3))
               for i, t in enumerate(NEWS)]
    top = _each_retrievers_best("Who issued the statement on the toll that night?", _fused(entries), k=3)
    texts = [e["chunk"].text for e in top]
    assert texts[:3] == [e["chunk"].text for e in _fused(entries)[:3]]  # the fused order comes first, unchanged
    assert NEWS[5] in texts and len(top) <= 3 + 2 * RETRIEVERS_BEST


def test_a_retrievers_hit_that_misses_the_asked_version_is_not_handed_on():
    # PEP style: the keyword search's first hit is the schedule of another release than the one asked for
    schedule = ["4.2.0 feature freeze: Tuesday, 2031-05-06", "4.2.0 final: Monday, 2031-10-06", "4.3.0 final: 2032-10-04",
                "The 4.2 series will receive bugfix updates for about two years."]
    entries = [_entry(0, schedule[0], 1, 3), _entry(1, schedule[1], 2, 4), _entry(2, schedule[2], None, 1),
               _entry(3, schedule[3], 3, 2)]
    top = _each_retrievers_best("When is 4.2.0 final released?", _fused(entries), k=2)
    assert schedule[2] not in [e["chunk"].text for e in top]


def test_the_passage_pairing_a_name_with_the_question_is_handed_on():
    # news style: the first chunks speak of the bridge without the name asked about
    entries = [_entry(i, t, dense=i + 1, keyword=i + 1) for i, t in enumerate(NEWS[:3])]
    entries += [_entry(3, "Okafor said nothing else.", None, 9),
                _entry(4, "Works director Okafor said the bridge repairs cost $12 million.", None, 8),
                _entry(5, NEWS[4], 4, 4)]
    ranked = _fused(entries)
    keyword = KeywordIndex([e["chunk"] for e in entries])
    top = _names_represented("How much did Okafor say the bridge repairs cost?", ranked, ranked[:3], keyword)
    added = [e["chunk"].text for e in top[3:]]
    assert added == ["Works director Okafor said the bridge repairs cost $12 million."]  # not the bare mention
    # a name the first chunks already hold, or one no candidate holds, adds nothing
    assert _names_represented("What did the city say?", ranked, ranked[:3], keyword) == ranked[:3]
    assert _names_represented("What did Brennan say?", ranked, ranked[:3], keyword) == ranked[:3]


def test_a_name_in_a_pep_like_heading_path_is_read_with_the_chunk():
    # PEP style: the name asked about ("Crew") is in the heading path the chunk is indexed under, not in its text
    entries = [_entry(0, "Lifespan: the installers get bugfix releases for two years.", 1, 2, source="pep-9001.txt"),
               _entry(1, "- Windows installers: Bram Okafor", None, 1, source="pep-9001.txt",
                      context="Python 4.2 Release Schedule > Release Manager and Crew")]
    ranked = _fused(entries)
    keyword = KeywordIndex([e["chunk"] for e in entries])
    top = _names_represented("Who builds the installers in the Crew?", ranked, ranked[:1], keyword)
    assert [e["chunk"].text for e in top] == [e["chunk"].text for e in entries]


def test_the_number_of_passages_asked_for_is_the_number_handed_on():
    """Candidates a rule adds after the fused first k take the last fused places, at most half of them."""
    from assistant.index.retrieve import within

    fused = [{"id": n} for n in range(8)]
    added = [{"id": "keyword-best"}, {"id": "named"}]
    assert within(fused + added, 8) == fused[:6] + added
    assert within(fused[:2] + added, 2) == fused[:1] + added[:1]
    assert within(fused[:1] + added, 1) == fused[:1]
    assert within(fused[:3], 8) == fused[:3]
