"""The keyword half of hybrid retrieval: BM25 over the stored chunks, rebuilt from the store when it changes."""

from __future__ import annotations

import math
from collections import Counter
from typing import Sequence

from .documents import Chunk
from .text import terms


class KeywordIndex:
    """BM25 (``bm25s``) over chunk texts, so exact tokens such as "232", "Lutnick" or "92%" are found."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        import bm25s

        self.chunks = list(chunks)
        self._bm25 = bm25s.BM25()
        tokenised = [terms(c.text) or ["\0"] for c in self.chunks]
        self._df: Counter[str] = Counter(t for toks in tokenised for t in set(toks))
        if self.chunks:
            self._bm25.index(tokenised, show_progress=False)

    def idf(self, term: str) -> float:
        """Inverse document frequency over chunks; a term the corpus never uses gets the highest weight."""
        n = len(self.chunks)
        df = self._df.get(term, 0)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def known(self, term: str) -> bool:
        """Whether any chunk uses ``term``."""
        return term in self._df

    def search(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        """Up to ``k`` chunks with a positive BM25 score, best first."""
        query_terms = terms(query)
        if not self.chunks or not query_terms:
            return []
        docs, scores = self._bm25.retrieve([query_terms], k=min(k, len(self.chunks)), show_progress=False, n_threads=1)
        return [(self.chunks[int(i)], float(s)) for i, s in zip(docs[0], scores[0]) if s > 0]
