"""Hybrid retrieval: dense vectors from the vector store and BM25 keywords, fused by reciprocal rank."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Mapping

from .documents import RetrievedChunk
from .keyword import KeywordIndex
from .settings import Settings
from .store import DocumentRecord, IndexStore


@dataclass(frozen=True)
class Retrieval:
    """What a search returned, with the query vector (reused by the answerer)."""

    query: str
    chunks: list[RetrievedChunk]
    query_vector: list[float]

    @property
    def best_similarity(self) -> float:
        sims = [c.similarity for c in self.chunks if c.similarity is not None]
        return max(sims) if sims else 0.0


class HybridRetriever:
    """Vector search plus keyword search over one IndexStore, fused with reciprocal rank fusion (RRF)."""

    def __init__(self, store: IndexStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._keyword: KeywordIndex | None = None
        self._signature: object = None
        self._signed: Mapping[str, DocumentRecord] | None = None  # the records ``_signature`` was computed from
        self._lock = threading.Lock()

    def keyword_index(self, records: Mapping[str, DocumentRecord] | None = None) -> KeywordIndex:
        """The BM25 index, rebuilt when the stored documents changed since it was built.

        ``records`` are the store's document records when the caller has just read them (saves a read)."""
        records = self.store.records() if records is None else records
        with self._lock:
            if self._keyword is not None and records is self._signed:  # the store's cached records: unchanged
                return self._keyword
            signature = tuple(sorted((r.source, r.fingerprint) for r in records.values()))
            if self._keyword is None or signature != self._signature:
                self._keyword = KeywordIndex(self.store.all_chunks())
                self._signature = signature
            self._signed = records
            return self._keyword

    def search(self, query: str, k: int | None = None,
               records: Mapping[str, DocumentRecord] | None = None) -> Retrieval:
        """The ``k`` best chunks for ``query`` (default ``settings.top_k``)."""
        k = k or self.settings.top_k
        vector = self.store.embeddings.embed_query(query)
        fused: dict[str, dict] = {}
        dense = self.store.search_by_vector(vector, k=self.settings.fetch_k)
        for rank, (chunk, distance) in enumerate(dense, start=1):
            entry = fused.setdefault(chunk.id, {"chunk": chunk, "score": 0.0})
            entry.update(similarity=1.0 - float(distance), dense_rank=rank)
            entry["score"] += 1.0 / (self.settings.rrf_k + rank)
        for rank, (chunk, _score) in enumerate(self.keyword_index(records).search(query, self.settings.fetch_k), start=1):
            entry = fused.setdefault(chunk.id, {"chunk": chunk, "score": 0.0})
            entry["keyword_rank"] = rank
            entry["score"] += 1.0 / (self.settings.rrf_k + rank)
        ranked = sorted(fused.values(), key=lambda e: (-e["score"], e["chunk"].source, e["chunk"].start))[:k]
        return Retrieval(query=query, chunks=[RetrievedChunk(**e) for e in ranked], query_vector=list(vector))
