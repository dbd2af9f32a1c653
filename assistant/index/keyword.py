"""The keyword half of hybrid retrieval: BM25 over the stored chunks, rebuilt from the store when it changes."""

from __future__ import annotations

import json
import math
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Sequence

from ..documents import Chunk
from .chunking import indexed_text
from ..text import terms


class KeywordIndex:
    """BM25 (``bm25s``) over chunk texts, so exact tokens such as "232", "Lutnick" or "92%" are found."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        import bm25s

        self.chunks = list(chunks)
        self._bm25 = bm25s.BM25()
        tokenised = [terms(indexed_text(c)) or ["\0"] for c in self.chunks]
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

    # -- on disk (``keyword_cache``): bm25s's own arrays plus one JSON file of the chunks and term counts ----------
    def save(self, folder: Path) -> None:
        """Write the index to ``folder`` atomically (a sibling temp folder renamed into place)."""
        tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            self._bm25.save(str(tmp), show_progress=False)
            table = {"ids": [c.id for c in self.chunks], "sources": [c.source for c in self.chunks],
                     "starts": [c.start for c in self.chunks], "ends": [c.end for c in self.chunks],
                     "texts": [c.text for c in self.chunks], "metadata": [c.metadata for c in self.chunks],
                     "df": dict(self._df)}
            (tmp / "chunks.json").write_text(json.dumps(table), encoding="utf-8")
            shutil.rmtree(folder, ignore_errors=True)  # a damaged copy (a directory is only renamed onto an empty one)
            os.replace(tmp, folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> "KeywordIndex | None":
        """An index saved by ``save``, or None when ``folder`` is missing or unreadable."""
        import bm25s

        try:
            table = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))
            bm25 = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
            chunks = [Chunk(id=i, source=s, text=t, start=a, end=b, metadata=m) for i, s, t, a, b, m in
                      zip(table["ids"], table["sources"], table["texts"], table["starts"], table["ends"],
                          table["metadata"], strict=True)]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        index = cls.__new__(cls)
        index.chunks, index._bm25, index._df = chunks, bm25, Counter(table["df"])
        return index

    def search(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        """Up to ``k`` chunks with a positive BM25 score, best first."""
        query_terms = terms(query)
        if not self.chunks or not query_terms:
            return []
        docs, scores = self._bm25.retrieve([query_terms], k=min(k, len(self.chunks)), show_progress=False, n_threads=1)
        return [(self.chunks[int(i)], float(s)) for i, s in zip(docs[0], scores[0]) if s > 0]
