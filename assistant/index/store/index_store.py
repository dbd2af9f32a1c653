"""``IndexStore``: one corpus's index in Chroma, composed of the client, the chunk collection and the records.

The chunk collection ``<collection>`` holds one vector per chunk (cosine space), with the chunk's text, source
and offsets; its metadata records what built it (``identity``), checked on every open. The records collection
``<collection>__documents`` holds one record per document (``records``). This module opens both on one client
(``client``), answers the searches and bulk reads (``paging``) and writes chunks and records for ingest, which
holds the writer lock (``lock``) while it writes; every Chroma error leaves as the assistant's ``IndexError_``
(``chroma_errors``). ``drop`` deletes both collections for a rebuild.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from ...documents import Chunk, Document
from ...settings import Settings
from .chroma_errors import translate, translated
from .client import open_client
from .identity import built_with, check_identity
from .paging import batch_size, batch_slices, paged
from .records import DocumentRecord, DocumentRecords, documents_collection_name

if TYPE_CHECKING:
    import chromadb
    from langchain_core.embeddings import Embeddings


class IndexStore:
    """Chunks and documents of one corpus in Chroma, checked against the embedding model that built them."""

    def __init__(self, settings: Settings, embeddings: "Embeddings", embedding_dim: int) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self.embedding_dim = embedding_dim
        self.client = open_client(settings)
        self._chunks = self._open_chunks()
        self._records = DocumentRecords(self.client, settings)

    # -- opening and checking --------------------------------------------------------------------------
    def _open_chunks(self) -> "chromadb.Collection":
        """The chunk collection, created with this encoder's identity if new, refused if built by another."""
        wanted = built_with(self.settings, self.embeddings, self.embedding_dim)
        try:
            collection = self.client.get_or_create_collection(
                self.settings.collection, metadata=wanted, configuration={"hnsw": {"space": "cosine"}})
        except Exception as exc:
            raise translate(exc, self.settings, f"cannot open collection {self.settings.collection!r}") from exc
        check_identity(collection.metadata or {}, wanted, self.location)
        return collection

    @property
    def location(self) -> str:
        """Where the index is: the server's URL or the embedded folder."""
        return self.settings.chroma_url or str(self.settings.index_dir)

    def check(self) -> None:
        """Read both collections once (a count and a one-vector query), so damaged files fail here."""
        try:
            self._records.count()
            if self._chunks.count():
                self._chunks.query(query_embeddings=[[0.0] * (self.embedding_dim - 1) + [1.0]], n_results=1,
                                   include=[])
        except Exception as exc:
            raise translate(exc, self.settings, "cannot read the index") from exc

    # -- searching and reading chunks --------------------------------------------------------------------
    @translated("cannot search the index")
    def search_by_vector(self, vector: Sequence[float], k: int) -> list[tuple[Chunk, float]]:
        """The ``k`` nearest chunks with their cosine distances, straight from Chroma.

        The query LangChain's ``Chroma.similarity_search_by_vector_with_relevance_scores`` makes, without
        langchain-chroma (whose langsmith tracing imports cost a cold question about a second)."""
        got = self._chunks.query(query_embeddings=[list(vector)], n_results=k,
                                 include=["documents", "metadatas", "distances"])
        # A chunk another process deleted can still come back from this process's in-memory vector index, with
        # no metadata: it is gone, so it is skipped.
        return [(_chunk_from(cid, text, meta), float(distance)) for cid, text, meta, distance
                in zip(got["ids"][0], (got["documents"] or [[]])[0], (got["metadatas"] or [[]])[0],
                       (got["distances"] or [[]])[0]) if meta and "source" in meta]

    @translated("cannot read the chunk ids")
    def chunk_ids(self, source: str | None = None) -> set[str]:
        """Ids of the stored chunks of ``source`` (or of every source)."""
        if source:
            return set(self._chunks.get(where={"source": source}, include=[])["ids"])
        return {cid for cid, _, _ in paged(self._chunks, [])}

    @translated("cannot read the chunks")
    def chunk_sources(self) -> dict[str, str]:
        """Every stored chunk id with the source it belongs to."""
        return {cid: str((meta or {}).get("source")) for cid, _, meta in paged(self._chunks, ["metadatas"])}

    @translated("cannot read the chunks")
    def all_chunks(self) -> list[Chunk]:
        """Every stored chunk (for the keyword index), in a stable order."""
        chunks = [_chunk_from(cid, text, meta) for cid, text, meta in paged(self._chunks, ["documents", "metadatas"])]
        chunks.sort(key=lambda c: (c.source, c.start))
        return chunks

    @translated("cannot count the chunks")
    def count(self) -> int:
        """How many chunks are stored."""
        return self._chunks.count()

    # -- reading documents ------------------------------------------------------------------------------
    def documents(self) -> dict[str, DocumentRecord]:
        """Every stored document's record, by source (read now)."""
        return self._records.read()

    def version(self) -> tuple[str, Any]:
        """A cheap marker of the document records that changes with every write (see ``DocumentRecords``)."""
        return self._records.version()

    def records(self) -> dict[str, DocumentRecord]:
        """``documents()``, read again only when ``version()`` changed (shared between callers: do not mutate)."""
        return self._records.cached()

    def document(self, source: str) -> Document | None:
        """The stored document (full text and metadata), or None."""
        return self._records.document(source)

    # -- writing (callers hold write_lock) --------------------------------------------------------------------
    @translated("cannot write chunks")
    def add_chunks(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        """Store chunks with their vectors, in batches the client accepts."""
        import numpy as np

        for part in batch_slices(len(chunks), batch_size(self.client)):
            batch = chunks[part]
            self._chunks.upsert(
                ids=[c.id for c in batch],
                embeddings=np.asarray(vectors[part], dtype=np.float32),  # Chroma's own form: no per-row copy
                documents=[c.text for c in batch],
                metadatas=[{"source": c.source, "start": c.start, "end": c.end, **c.metadata} for c in batch])

    @translated("cannot delete chunks")
    def delete_chunks(self, ids: Sequence[str]) -> None:
        """Remove the chunks with these ids, in batches the client accepts."""
        ids = list(ids)
        for part in batch_slices(len(ids), batch_size(self.client)):
            self._chunks.delete(ids=ids[part])

    def put_document(self, document: Document, n_chunks: int, fingerprint: str) -> None:
        """Write (or replace) a document's record: the commit point of its ingest."""
        self.put_documents([(document, n_chunks, fingerprint)])

    @translated("cannot write document records")
    def put_documents(self, records: Sequence[tuple[Document, int, str]]) -> None:
        """Write (or replace) the records of several documents, ``(document, n_chunks, fingerprint)`` each, in
        batches the client accepts, then stamp one new generation (for bulk loads; ingest commits one by one)."""
        self._records.put(records, batch_size(self.client))

    @translated("cannot delete a document")
    def delete_document(self, source: str) -> int:
        """Remove a document's chunks, then its record. Returns how many chunks went."""
        ids = self.chunk_ids(source)
        self.delete_chunks(sorted(ids))
        self._records.delete(source)
        return len(ids)


def drop(settings: Settings) -> None:
    """Delete both collections (for ``ingest --rebuild``), whatever model built them.

    Document records go first: interrupted in between, the chunks left behind have no record and are either
    reused (same content-derived ids) or removed by the next ingest; never a record without its chunks."""
    client = open_client(settings)
    existing = {getattr(c, "name", c) for c in client.list_collections()}
    for name in (documents_collection_name(settings), settings.collection):
        if name in existing:
            client.delete_collection(name)


def _chunk_from(cid: str, text: str | None, meta: Any) -> Chunk:
    """A Chunk from a row of the chunk collection (its metadata holds source, start and end besides the rest)."""
    meta = dict(meta or {})
    source = meta.pop("source")
    start = int(meta.pop("start"))
    end = int(meta.pop("end"))
    return Chunk(id=cid, source=source, text=text or "", start=start, end=end, metadata=meta)
