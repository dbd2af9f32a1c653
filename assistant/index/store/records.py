"""The per-document records: the ``<collection>__documents`` collection, one record per stored document.

A record holds the document's full text (what citations are checked against), its metadata (title, date, ...;
structured fields such as headings and pages JSON-encoded, since Chroma metadata holds scalars only), its
fingerprint and how many chunks it has. A record is the commit point of a document's ingest: it is written
after the document's chunks, so a record always describes complete chunks. Every write stamps the collection's
metadata with a new random ``generation``, which makes ``version()`` a cheap marker that other processes' writes
change too, and lets ``cached()`` read the records again only when they changed.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from ...documents import Document
from ...settings import Settings
from .chroma_errors import translate, translated
from .identity import SCHEMA_VERSION
from .paging import batch_slices, paged

if TYPE_CHECKING:
    import chromadb

_DOC_FIELDS = ("title", "date", "publisher", "url", "kind", "date_note")
# Structured metadata, kept JSON-encoded in the record (Chroma metadata holds scalars only).
_JSON_FIELDS = ("sources", "headings", "pages", "fields", "page_labels", "front_matter", "footnotes", "page_kinds")


@dataclass(frozen=True)
class DocumentRecord:
    """What the index knows about one stored document."""

    source: str
    fingerprint: str
    n_chunks: int
    metadata: dict[str, Any]


def documents_collection_name(settings: Settings) -> str:
    """The name of the records collection that goes with the chunk collection ``settings.collection``."""
    return f"{settings.collection}__documents"


class DocumentRecords:
    """The records collection of one index: read (fresh or cached), written and deleted record by record.

    Writes are the caller's to serialise (``write_lock``); errors leave as ``IndexError_``."""

    def __init__(self, client: "chromadb.ClientAPI", settings: Settings) -> None:
        self.settings = settings
        self.client = client
        name = documents_collection_name(settings)
        try:
            self.collection = client.get_or_create_collection(
                name, metadata={"schema": SCHEMA_VERSION}, configuration={"hnsw": {"space": "cosine"}})
        except Exception as exc:
            raise translate(exc, settings, f"cannot open collection {name}") from exc
        self._cache: tuple[object, dict[str, DocumentRecord]] | None = None  # (version, records) last read

    @translated("cannot read the document records")
    def read(self) -> dict[str, DocumentRecord]:
        """Every stored document's record, by source."""
        out: dict[str, DocumentRecord] = {}
        for _, _, meta in paged(self.collection, ["metadatas"]):
            meta = dict(meta or {})
            out[meta["source"]] = DocumentRecord(
                source=meta["source"], fingerprint=meta["fingerprint"], n_chunks=int(meta.get("n_chunks", 0)),
                metadata=_document_metadata(meta))
        return out

    @translated("cannot read the index version")
    def version(self) -> tuple[str, Any]:
        """A cheap marker of the records: it changes whenever a record is written or deleted.

        The collection's id (new after a rebuild) and the generation stamp each write leaves in its metadata;
        read fresh, so other processes' writes show."""
        collection = self.client.get_collection(documents_collection_name(self.settings))
        return str(collection.id), (collection.metadata or {}).get("generation")

    def cached(self) -> dict[str, DocumentRecord]:
        """``read()``, done again only when ``version()`` changed (shared between callers: do not mutate).

        The version is read before the records, so records cached under a version are never older than it."""
        version = self.version()
        cached = self._cache
        if cached is not None and cached[0] == version:
            return cached[1]
        records = self.read()
        self._cache = (version, records)
        return records

    @translated("cannot read a document")
    def document(self, source: str) -> Document | None:
        """The stored document (full text and metadata), or None."""
        got = self.collection.get(ids=[_doc_id(source)], include=["documents", "metadatas"])
        if not got["ids"]:
            return None
        return Document(source=source, text=got["documents"][0] or "",
                        metadata=_document_metadata(got["metadatas"][0]))

    def count(self) -> int:
        """How many records are stored (Chroma's own errors: ``IndexStore.check`` translates them)."""
        return self.collection.count()

    @translated("cannot write document records")
    def put(self, records: Sequence[tuple[Document, int, str]], step: int) -> None:
        """Write (or replace) the records of several documents, ``(document, n_chunks, fingerprint)`` each,
        ``step`` per request, then stamp one new generation."""
        for part in batch_slices(len(records), step):
            batch = records[part]
            self.collection.upsert(ids=[_doc_id(doc.source) for doc, _, _ in batch],
                                   embeddings=[[1.0]] * len(batch), documents=[doc.text for doc, _, _ in batch],
                                   metadatas=[_record_metadata(doc, n, fp) for doc, n, fp in batch])
        if records:
            self._new_generation()

    @translated("cannot delete a document")
    def delete(self, source: str) -> None:
        """Remove the record of ``source`` (its chunks are the caller's to remove first)."""
        self.collection.delete(ids=[_doc_id(source)])
        self._new_generation()

    def _new_generation(self) -> None:
        """Stamp the collection after a record changed, so readers' ``version()`` changes (a random token, not a
        counter: no read-modify-write between writers)."""
        self.collection.modify(metadata={**(self.collection.metadata or {}), "schema": SCHEMA_VERSION,
                                         "generation": uuid.uuid4().hex})


def _document_metadata(stored: Any) -> dict[str, Any]:
    """A document's metadata as loaded, from its stored record (``_JSON_FIELDS`` are kept as JSON in Chroma)."""
    stored = dict(stored or {})
    metadata = {k: stored[k] for k in _DOC_FIELDS if k in stored}
    for key in _JSON_FIELDS:
        if key in stored and isinstance(stored[key], str):
            metadata[key] = json.loads(stored[key])
    return metadata


def _record_metadata(document: Document, n_chunks: int, fingerprint: str) -> dict[str, Any]:
    """What a document's record stores besides its text (``_JSON_FIELDS`` as JSON: Chroma holds scalars only)."""
    meta: dict[str, Any] = {"source": document.source, "fingerprint": fingerprint, "n_chunks": n_chunks}
    for key in _DOC_FIELDS:
        if document.metadata.get(key):
            meta[key] = str(document.metadata[key])
    for key in _JSON_FIELDS:
        if key in document.metadata and (document.metadata[key] or key != "sources"):
            meta[key] = json.dumps(document.metadata[key], ensure_ascii=False)
    return meta


def _doc_id(source: str) -> str:
    return f"doc:{source}"
