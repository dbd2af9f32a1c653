"""The keyword half of hybrid retrieval: BM25 over the stored chunks, rebuilt from the store when it changes.

An inverted index in three numpy arrays: for each term (in the order of ``_terms``), ``_indptr`` gives the slice
of ``_docs`` (chunk numbers, ascending) and ``_impacts`` (float32 BM25 weights) where its postings lie. A
question adds up the postings of its terms. The scoring is bm25s's default (Lucene's BM25, k1 1.5, b 0.75,
float32 weights summed term by term in the query's order) so that its rankings are the same as the ``bm25s``
index it replaces; that one imported scipy.sparse, about 0.14 s of every cold question, to search a few thousand
postings.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from ..documents import Chunk
from .chunking import indexed_text
from ..text import terms

if TYPE_CHECKING:
    import numpy as np

K1 = 1.5  # term-frequency saturation
B = 0.75  # length normalisation
FORMAT = 1  # of the saved folder (``save``); a folder of another format is not loaded
_ARRAYS = ("indptr", "docs", "impacts")
EMPTY = "\0"  # the one term of a chunk without terms, so that every chunk has a length


class KeywordIndex:
    """BM25 over chunk texts, so exact tokens such as "232", "Lutnick" or "92%" are found."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        import numpy as np

        # in document order: a chunk's number breaks ties between equal scores (as fusion does, in retrieve.py)
        self.chunks = sorted(chunks, key=lambda c: (c.source, c.start, c.end, c.id))
        vocabulary: dict[str, int] = {}
        term_ids: list[int] = []  # one posting per (chunk, distinct term), chunk by chunk
        counts: list[int] = []
        lengths = np.zeros(len(self.chunks), dtype=np.int64)
        postings = np.zeros(len(self.chunks), dtype=np.int64)
        for n, chunk in enumerate(self.chunks):
            tokens = terms(indexed_text(chunk)) or [EMPTY]
            lengths[n] = len(tokens)
            tf = Counter(tokens)
            postings[n] = len(tf)
            for term, count in tf.items():
                term_ids.append(vocabulary.setdefault(term, len(vocabulary)))
                counts.append(count)
        self._terms = list(vocabulary)
        self._vocabulary = vocabulary
        ids = np.asarray(term_ids, dtype=np.int64)
        docs = np.repeat(np.arange(len(self.chunks), dtype=np.int32), postings)
        df = np.bincount(ids, minlength=len(self._terms))
        idf = np.asarray([_idf(len(self.chunks), int(d)) for d in df], dtype=np.float32)
        average = lengths.mean() if len(self.chunks) else 1.0
        tf = np.asarray(counts, dtype=np.float64)
        norm = K1 * ((1 - B) + B * lengths[docs] / average)  # per posting, as bm25s computes it (float64)
        impacts = (idf[ids].astype(np.float64) * (tf / (norm + tf))).astype(np.float32)
        order = np.argsort(ids, kind="stable")  # by term; chunks stay ascending within a term
        self._docs = docs[order]
        self._impacts = impacts[order]
        self._indptr = np.zeros(len(self._terms) + 1, dtype=np.int64)
        np.cumsum(df, out=self._indptr[1:])

    def idf(self, term: str) -> float:
        """Inverse document frequency over chunks; a term the corpus never uses gets the highest weight."""
        return _idf(len(self.chunks), self._df(term))

    def known(self, term: str) -> bool:
        """Whether any chunk uses ``term``."""
        return term in self._vocabulary

    def _df(self, term: str) -> int:
        t = self._vocabulary.get(term)
        return 0 if t is None else int(self._indptr[t + 1] - self._indptr[t])

    def scores(self, query_terms: Sequence[str]) -> "np.ndarray":
        """The BM25 score of every chunk for ``query_terms`` (a term given twice counts twice), float32."""
        import numpy as np

        scores = np.zeros(len(self.chunks), dtype=np.float32)
        for term in query_terms:
            t = self._vocabulary.get(term)
            if t is not None:
                lo, hi = self._indptr[t], self._indptr[t + 1]
                scores[self._docs[lo:hi]] += self._impacts[lo:hi]  # a chunk appears once per term
        return scores

    def search(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        """Up to ``k`` chunks with a positive BM25 score, best first (equal scores: by source, then position)."""
        import numpy as np

        query_terms = terms(query)
        if not self.chunks or not query_terms or k <= 0:
            return []
        scores = self.scores(query_terms)
        found = np.flatnonzero(scores > 0)
        if len(found) > k:  # only those that can be among the first k: at least the k-th best score
            kth = np.partition(scores[found], len(found) - k)[len(found) - k]
            found = found[scores[found] >= kth]
        best = found[np.lexsort((found, -scores[found]))][:k]
        return [(self.chunks[int(i)], float(scores[i])) for i in best]

    # -- on disk (``keyword_cache``): the three arrays as .npy files plus one JSON file of the chunks and terms ---
    def save(self, folder: Path) -> None:
        """Write the index to ``folder`` atomically (a sibling temp folder renamed into place)."""
        import numpy as np

        tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            tmp.mkdir(parents=True)
            for name in _ARRAYS:
                np.save(tmp / f"{name}.npy", getattr(self, f"_{name}"), allow_pickle=False)
            table = {"ids": [c.id for c in self.chunks], "sources": [c.source for c in self.chunks],
                     "starts": [c.start for c in self.chunks], "ends": [c.end for c in self.chunks],
                     "texts": [c.text for c in self.chunks], "metadata": [c.metadata for c in self.chunks],
                     "terms": self._terms, "format": FORMAT}
            (tmp / "chunks.json").write_text(json.dumps(table), encoding="utf-8")
            shutil.rmtree(folder, ignore_errors=True)  # a damaged copy (a directory is only renamed onto an empty one)
            os.replace(tmp, folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> "KeywordIndex | None":
        """An index saved by ``save``, or None when ``folder`` is missing, unreadable or inconsistent."""
        import numpy as np

        try:
            table = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))
            if table["format"] != FORMAT:
                return None
            arrays = {name: np.load(folder / f"{name}.npy", allow_pickle=False) for name in _ARRAYS}
            chunks = [Chunk(id=i, source=s, text=t, start=a, end=b, metadata=m) for i, s, t, a, b, m in
                      zip(table["ids"], table["sources"], table["texts"], table["starts"], table["ends"],
                          table["metadata"], strict=True)]
            index = cls.__new__(cls)
            index.chunks, index._terms = chunks, list(table["terms"])
            index._vocabulary = {term: t for t, term in enumerate(index._terms)}
            index._indptr, index._docs, index._impacts = (arrays[name] for name in _ARRAYS)
        except (OSError, ValueError, KeyError, TypeError, EOFError):
            return None
        if not index._consistent():
            return None
        return index

    def _consistent(self) -> bool:
        """Whether the arrays fit each other and the chunks (a damaged or mismatched save does not)."""
        indptr, docs, impacts = self._indptr, self._docs, self._impacts
        if indptr.ndim != 1 or docs.ndim != 1 or impacts.ndim != 1 or len(indptr) != len(self._terms) + 1:
            return False
        if indptr.dtype.kind != "i" or docs.dtype.kind != "i" or impacts.dtype.kind != "f":
            return False
        if len(self._vocabulary) != len(self._terms) or int(indptr[0]) != 0 or int(indptr[-1]) != len(docs):
            return False
        if len(docs) != len(impacts) or (len(indptr) > 1 and bool((indptr[1:] < indptr[:-1]).any())):
            return False
        return not len(docs) or (int(docs.min()) >= 0 and int(docs.max()) < len(self.chunks))


def _idf(n: int, df: int) -> float:
    """Lucene's BM25 inverse document frequency of a term in ``df`` of ``n`` chunks (always positive)."""
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))
