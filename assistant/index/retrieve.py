"""Hybrid retrieval: dense vectors from the vector store and BM25 keywords, fused by reciprocal rank."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from typing import Mapping

from . import constraints
from . import keyword_cache
from .chunking import indexed_text
from ..documents import RetrievedChunk
from .keyword import KeywordIndex
from ..settings import Settings
from ..text import terms
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


class _KeywordCache:
    """One BM25 index per stored collection, shared by every retriever over it (the chat makes one Assistant per
    answerer and number of sources; at 100k chunks each index holds a copy of every chunk)."""

    def __init__(self) -> None:
        self.index: KeywordIndex | None = None
        self.signature: object = None
        self.signed: Mapping[str, DocumentRecord] | None = None  # the records ``signature`` was computed from
        self.lock = threading.Lock()


_keyword_caches: dict[tuple[str, str], _KeywordCache] = {}
_keyword_caches_lock = threading.Lock()


class HybridRetriever:
    """Vector search plus keyword search over one IndexStore, fused with reciprocal rank fusion (RRF)."""

    def __init__(self, store: IndexStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        with _keyword_caches_lock:
            self._keyword = _keyword_caches.setdefault((store.location, settings.collection), _KeywordCache())

    def keyword_index(self, records: Mapping[str, DocumentRecord] | None = None) -> KeywordIndex:
        """The BM25 index, rebuilt when the stored documents changed since it was built.

        ``records`` are the store's document records when the caller has just read them (saves a read)."""
        records = self.store.records() if records is None else records
        cache = self._keyword
        with cache.lock:
            if cache.index is not None and records is cache.signed:  # the same cached records: unchanged
                return cache.index
            signature = tuple(sorted((r.source, r.fingerprint) for r in records.values()))
            if cache.index is None or signature != cache.signature:
                cache.index = keyword_cache.keyword_index(self.store, self.settings, signature)
                cache.signature = signature
            cache.signed = records
            return cache.index

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
        ranked = sorted(fused.values(), key=lambda e: (-e["score"], e["chunk"].source, e["chunk"].start))
        ranked = _constrained_first(query, ranked)
        top = _names_represented(query, ranked, _each_retrievers_best(query, ranked, k), self.keyword_index(records))
        return Retrieval(query=query, chunks=[RetrievedChunk(**e) for e in within(top, k)], query_vector=list(vector))


def within(top: list[dict], k: int) -> list[dict]:
    """``k`` candidates at most: the fused first ones, with the candidates a rule added (after the first ``k``)
    taking the places of the last fused ones, never more than half of them. The number of passages asked for is
    the number handed on."""
    fused, added = top[:k], top[k:][: k // 2]
    return fused[: k - len(added)] + added


def forget_keyword_indexes() -> None:
    """Drop this process's in-memory keyword indexes (the next search loads or rebuilds them)."""
    with _keyword_caches_lock:
        _keyword_caches.clear()


def _constrained_first(query: str, ranked: list[dict]) -> list[dict]:
    """Fused candidates with those that meet more of the query's versions, identifiers and years (in the chunk or
    its title and heading path) first, in fused order otherwise: among seven near-identical release schedules,
    the one of the version asked for comes first. Named things are left to the answerer, which sees the
    paragraph around each unit."""
    pinned = [c for c in constraints.of_question(query) if c.kind != "name"]
    if not pinned:
        return ranked
    return sorted(ranked, key=lambda e: _unmet(pinned, e))


def _unmet(pinned: list[constraints.Constraint], entry: dict) -> int:
    """How many of the query's versions, identifiers and years a candidate (its chunk, title, heading path and
    date) leaves unmatched."""
    return len(constraints.unmet(pinned, indexed_text(entry["chunk"]), str(entry["chunk"].metadata.get("date", ""))))


RETRIEVERS_BEST = 2  # each retriever's first hits that are handed on whatever the other one thought of them


def _each_retrievers_best(query: str, ranked: list[dict], k: int) -> list[dict]:
    """The first ``k`` fused candidates, plus each retriever's ``RETRIEVERS_BEST`` first hits when fusion ranked
    them lower (as long as they meet the query's versions, identifiers and years as well as the first candidate
    does). Reciprocal-rank fusion sinks a chunk that only one retriever found, however high: the passage that
    holds all the question's rare words ("reopened", "toll", "midnight") can be the keyword search's first hit and
    beyond the dense search's cut."""
    top = ranked[:k]
    pinned = [c for c in constraints.of_question(query) if c.kind != "name"]
    floor = _unmet(pinned, ranked[0]) if ranked and pinned else 0
    for key in ("keyword_rank", "dense_rank"):
        for e in sorted((e for e in ranked if e.get(key)), key=lambda e: e[key])[:RETRIEVERS_BEST]:
            if e not in top and (not pinned or _unmet(pinned, e) <= floor):
                top.append(e)
    return top


def _names_represented(query: str, ranked: list[dict], top: list[dict], keyword: KeywordIndex) -> list[dict]:
    """``top`` (the candidates handed on), plus, for each thing the query names ("Okafor", "Eastmoor"), the
    candidate of ``ranked`` that names it (in the chunk or its title and heading path) with the most of the
    query's other words (IDF-weighted), when it is not among them. The dense ranking reads a name as little more
    than a word; the answerer checks named things over the passages it is given, and would say the sources never
    mention a name that the passage pairing it with the question's other words holds, just below the cut."""
    top = list(top)
    names = [c for c in constraints.of_question(query) if c.kind == "name"]
    if not names:
        return top
    wanted = {t: keyword.idf(t) for t in terms(query)}
    for constraint in names:
        holding = [e for e in ranked if constraints.matches(constraint, indexed_text(e["chunk"]))]
        if not holding:
            continue
        best = max(holding, key=lambda e: sum(w for t, w in wanted.items()
                                              if t in _chunk_terms(indexed_text(e["chunk"]))))
        if best not in top:
            top.append(best)
    return top


@functools.lru_cache(maxsize=4096)
def _chunk_terms(text: str) -> frozenset[str]:
    return frozenset(terms(text))
