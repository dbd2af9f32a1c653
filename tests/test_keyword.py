"""The keyword index (BM25 as an inverted index in numpy): its scores against the formula worked out by hand, its
order, a save and load round trip, and a damaged save folder, which loads as None (the caller rebuilds)."""

from __future__ import annotations

import json
import math
from collections import Counter

import numpy as np
import pytest

from assistant.documents import Chunk
from assistant.index.keyword import B, K1, KeywordIndex
from assistant.text import terms
from conftest import run_python

TEXTS = [
    "The harbour bridge reopened on May 3, the city said.",
    "Traffic was heavy on the first morning after the bridge repairs.",
    "The city council met on Tuesday to discuss the repairs and the toll.",
    "Works director Maria Okafor said the repairs cost $12 million, or 92% of the budget.",
    "Okafor said the bridge toll rises to $3 in 2027.",
    "",  # a chunk without terms
]


def _chunks(texts=TEXTS, source="news.md") -> list[Chunk]:
    return [Chunk(id=f"c{i}", source=source, text=t, start=100 * i, end=100 * i + len(t), metadata={"n": i})
            for i, t in enumerate(texts)]


def _by_hand(chunks: list[Chunk], query: str) -> dict[str, float]:
    """Lucene's BM25 (k1 1.5, b 0.75) of every chunk, straight from the formula."""
    docs = [terms(c.text) or ["\0"] for c in chunks]
    n, average = len(docs), sum(map(len, docs)) / len(docs)
    df = Counter(t for d in docs for t in set(d))
    out = {}
    for chunk, doc in zip(chunks, docs):
        tf = Counter(doc)
        out[chunk.id] = sum(math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) * tf[t]
                            / (tf[t] + K1 * (1 - B + B * len(doc) / average)) for t in terms(query) if t in tf)
    return out


@pytest.mark.parametrize("query", ["bridge toll", "Who is Okafor?", "92%", "$12 million repairs", "repairs repairs",
                                   "the city council met on Tuesday", "unheard-of words only"])
def test_scores_are_bm25_and_the_best_come_first(query):
    chunks = _chunks()
    expected = _by_hand(chunks, query)
    found = KeywordIndex(chunks).search(query, k=10)
    assert [c.id for c, _ in found] == sorted((i for i, s in expected.items() if s > 0),
                                              key=lambda i: (-expected[i], int(i[1:])))
    for chunk, score in found:
        assert score == pytest.approx(expected[chunk.id], rel=1e-6)  # float32 weights


def test_exact_tokens_are_found_and_k_is_a_limit():
    index = KeywordIndex(_chunks())
    assert [c.id for c, _ in index.search("92%", k=5)] == ["c3"]
    assert [c.id for c, _ in index.search("2027", k=5)] == ["c4"]
    assert len(index.search("the bridge", k=2)) == 2
    assert index.search("bridge", k=0) == [] and index.search("", k=5) == [] and index.search("zebra", k=5) == []


def test_equal_scores_are_ordered_by_source_and_position_whatever_the_store_order():
    chunks = _chunks(["alpha beta", "alpha beta", "alpha beta"], "b.md") + _chunks(["alpha beta"], "a.md")
    for order in (chunks, chunks[::-1]):
        found = KeywordIndex(order).search("alpha", k=10)
        assert [(c.source, c.start) for c, _ in found] == [("a.md", 0), ("b.md", 0), ("b.md", 100), ("b.md", 200)]
        assert len({s for _, s in found}) == 1


def test_idf_and_known_terms():
    index = KeywordIndex(_chunks())
    n = len(TEXTS)
    assert index.idf(terms("bridge")[0]) == pytest.approx(math.log(1 + (n - 3 + 0.5) / 3.5))
    assert index.idf("zebra") == pytest.approx(math.log(1 + (n + 0.5) / 0.5))  # never used: the highest weight
    assert index.known(terms("Okafor")[0]) and not index.known("zebra")


def test_the_top_k_cut_keeps_the_best_of_many():
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(40)]
    texts = [" ".join(rng.choice(words, size=rng.integers(3, 30))) for _ in range(2000)]
    chunks = _chunks(texts)
    expected = _by_hand(chunks, "w1 w2 w3 w1")
    best = sorted((i for i, s in expected.items() if s > 0), key=lambda i: (-expected[i], int(i[1:])))
    found = KeywordIndex(chunks).search("w1 w2 w3 w1", k=25)
    assert len(found) == 25
    for (chunk, score), want in zip(found, best[:25]):  # near-equal float32 sums may swap: compare the scores
        assert score == pytest.approx(expected[want], rel=1e-5)
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)


def test_an_empty_store_finds_nothing_and_saves(tmp_path):
    index = KeywordIndex([])
    assert index.search("bridge", k=5) == [] and not index.known("bridge")
    assert index.idf("bridge") == pytest.approx(math.log(1 + 0.5 / 0.5))
    index.save(tmp_path / "kw")
    loaded = KeywordIndex.load(tmp_path / "kw")
    assert loaded is not None and loaded.chunks == [] and loaded.search("bridge", k=5) == []


def test_save_and_load_give_the_same_index(tmp_path):
    index = KeywordIndex(_chunks())
    index.save(tmp_path / "kw")
    assert not list(tmp_path.glob("*.tmp-*"))  # written beside and renamed into place
    loaded = KeywordIndex.load(tmp_path / "kw")
    assert loaded is not None
    assert loaded.chunks == index.chunks
    for query in ("bridge toll", "Okafor", "92%", "city council"):
        assert loaded.search(query, 10) == index.search(query, 10)
    for term in ("bridg", "okafor", "zebra"):
        assert loaded.idf(term) == index.idf(term) and loaded.known(term) == index.known(term)
    index.save(tmp_path / "kw")  # saved again over the old copy
    assert KeywordIndex.load(tmp_path / "kw") is not None


def _damage(folder, how):
    if how == "missing folder":
        import shutil
        shutil.rmtree(folder)
    elif how == "missing array":
        (folder / "docs.npy").unlink()
    elif how == "cut-off array":
        data = (folder / "impacts.npy").read_bytes()
        (folder / "impacts.npy").write_bytes(data[: len(data) - 5])
    elif how == "cut-off table":
        (folder / "chunks.json").write_text('{"format": 1, "ids": [1, 2', encoding="utf-8")
    elif how == "another format":
        table = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))
        (folder / "chunks.json").write_text(json.dumps({**table, "format": 99}), encoding="utf-8")
    elif how == "fewer chunks":
        table = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))
        table = {k: v[:2] if isinstance(v, list) and k != "terms" else v for k, v in table.items()}
        (folder / "chunks.json").write_text(json.dumps(table), encoding="utf-8")
    elif how == "arrays of another index":
        np.save(folder / "indptr.npy", np.array([0, 1], dtype=np.int64))
    elif how == "a pickled array":
        np.save(folder / "docs.npy", np.array([object()], dtype=object), allow_pickle=True)


@pytest.mark.parametrize("how", ["missing folder", "missing array", "cut-off array", "cut-off table", "another format",
                                 "fewer chunks", "arrays of another index", "a pickled array"])
def test_a_damaged_save_loads_as_none(tmp_path, how):
    KeywordIndex(_chunks()).save(tmp_path / "kw")
    _damage(tmp_path / "kw", how)
    assert KeywordIndex.load(tmp_path / "kw") is None


def test_searching_imports_neither_scipy_nor_bm25s():
    code = ("import sys\nfrom assistant.documents import Chunk\nfrom assistant.index.keyword import KeywordIndex\n"
            "i = KeywordIndex([Chunk(id='a', source='a.md', text='the harbour bridge', start=0, end=18)])\n"
            "assert i.search('bridge', 3)\n"
            "assert not {'scipy', 'bm25s'} & set(sys.modules), sorted({'scipy', 'bm25s'} & set(sys.modules))\n"
            "print('ok')\n")
    done = run_python(code)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
