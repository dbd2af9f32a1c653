"""Large stores without encoding them: synthetic chunks recombined from a pool of really encoded sentences.

Encoding 100k chunks with the real model would take about an hour on 2 cores. Query latency does not depend on
what the stored text says, only on how many vectors, chunks and records the store holds and how their words are
distributed. So:

1. the pool: every sentence of the real corpus, its longer clauses, and every run of 2 to 5 neighbouring
   sentences (about 1,300 texts), encoded once with the real model (normalised vectors);
2. a synthetic chunk joins 2-4 random pool texts; its vector is the normalised sum of their vectors plus
   Gaussian noise (sigma 0.02 per dimension), so no two chunks share a vector and the neighbourhood structure of
   real text is kept;
3. synthetic chunks are grouped 20 to a synthetic document whose text is the chunks joined by blank lines, with
   exact offsets, and the document's record is written like a real one (so citations verify and ``ask`` works);
4. the real corpus is ingested normally beside them, so the benchmark questions have real answers to find in a
   haystack of up to 100k chunks.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from assistant.index.chunking import chunk_id
from assistant.documents import Chunk, Document
from assistant.load.loaders import discover, load
from assistant.index.store import IndexStore

CHUNKS_PER_DOCUMENT = 20
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"(])")


@dataclass
class Pool:
    """Texts and their real, normalised embeddings."""

    texts: list[str]
    vectors: np.ndarray  # (n, dim), float32


def pool_texts(corpus_dir: Path, limit: int = 2000) -> list[str]:
    """Sentences of the corpus, then pairs and triples of neighbouring sentences, up to ``limit`` texts."""
    files, _ = discover([corpus_dir], corpus_dir)
    sentences: list[str] = []
    for file in files:
        text = load(file, 10**8).text
        for paragraph in re.split(r"\n\s*\n", text):
            parts = [" ".join(s.split()) for s in _SENTENCE.split(paragraph)]
            sentences += [s for s in parts if len(s) >= 30]
    texts = list(sentences)
    texts += [c.strip() for s in sentences if len(s) > 120 for c in re.split(r"[,;:] ", s) if len(c.strip()) >= 30]
    for width in (2, 3, 4, 5):
        texts += [" ".join(sentences[i:i + width]) for i in range(len(sentences) - width + 1)]
    return list(dict.fromkeys(texts))[:limit]


def build_pool(corpus_dir: Path, embeddings, limit: int = 2000, batch: int = 64) -> Pool:
    texts = pool_texts(corpus_dir, limit)
    vectors = np.asarray(embeddings.embed_documents(texts), dtype=np.float32)
    return Pool(texts, vectors)


def synthetic_documents(pool: Pool, n_chunks: int, first: int, seed: int = 6,
                        sigma: float = 0.02) -> tuple[list[Document], list[Chunk], np.ndarray]:
    """``n_chunks`` chunks in documents ``synthetic/doc-{first + i}.md``, with their vectors."""
    rng = random.Random(seed + first)
    nrng = np.random.default_rng(seed + first)
    documents: list[Document] = []
    chunks: list[Chunk] = []
    vectors = np.empty((n_chunks, pool.vectors.shape[1]), dtype=np.float32)
    made = 0
    doc_no = first
    while made < n_chunks:
        source = f"synthetic/doc-{doc_no:06d}.md"
        pieces: list[str] = []
        offset = 0
        doc_chunks: list[Chunk] = []
        for _ in range(min(CHUNKS_PER_DOCUMENT, n_chunks - made)):
            picks = rng.sample(range(len(pool.texts)), rng.randint(2, 4))
            text = " ".join(pool.texts[i] for i in picks)
            vector = pool.vectors[picks].sum(axis=0) + nrng.normal(0.0, sigma, pool.vectors.shape[1])
            vectors[made] = vector / np.linalg.norm(vector)
            meta = {"title": f"Synthetic document {doc_no}", "kind": "synthetic"}
            doc_chunks.append(Chunk(id=chunk_id(source, offset, text), source=source, text=text, start=offset,
                                    end=offset + len(text), metadata=meta))
            pieces.append(text)
            offset += len(text) + 2
            made += 1
        documents.append(Document(source=source, text="\n\n".join(pieces),
                                  metadata={"title": f"Synthetic document {doc_no}", "kind": "synthetic"}))
        chunks += doc_chunks
        doc_no += 1
    return documents, chunks, vectors


def add_synthetic(store: IndexStore, pool: Pool, n_chunks: int, first_document: int, step: int = 10_000) -> int:
    """Write ``n_chunks`` synthetic chunks and their document records; returns the next document number.

    Written in bulk: chunks in the client's largest batches, then the records of ``step`` chunks' documents in one
    ``put_documents`` call (one generation stamp per batch, where ingest stamps after every document)."""
    next_doc = first_document
    while n_chunks > 0:
        size = min(step, n_chunks)
        documents, chunks, vectors = synthetic_documents(pool, size, next_doc)
        store.add_chunks(chunks, vectors)
        by_source = Counter(c.source for c in chunks)
        store.put_documents([(doc, by_source[doc.source], f"synthetic:{doc.source}") for doc in documents])
        next_doc += len(documents)
        n_chunks -= size
    return next_doc


def percentiles(samples: Sequence[float]) -> tuple[float, float]:
    """p50 and p95 of ``samples`` (seconds) in milliseconds."""
    arr = np.asarray(samples, dtype=float) * 1000.0
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 95))
