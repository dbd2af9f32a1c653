"""The persisted index: Chroma (embedded in ``index/`` or a server) holding chunks and whole documents.

Two collections: ``<name>`` holds one vector per chunk (cosine space; the embedding model and dimension are
recorded in its metadata), ``<name>__documents`` holds one record per document (its full text, metadata and
fingerprint). A document's record is written after its chunks, so a record always describes complete chunks.
"""

from __future__ import annotations

import contextlib
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence, TypeVar
from urllib.parse import urlparse

from ..documents import Chunk, Document
from ..errors import IndexCorruptError, IndexError_, IndexLockedError, IndexMismatchError
from ..settings import Settings

if TYPE_CHECKING:
    import chromadb
    from langchain_core.embeddings import Embeddings

SCHEMA_VERSION = 1
_DOC_FIELDS = ("title", "date", "publisher", "url", "kind", "date_note")
# Structured metadata, kept JSON-encoded in the record (Chroma metadata holds scalars only).
_JSON_FIELDS = ("sources", "headings", "pages", "fields")


@dataclass(frozen=True)
class DocumentRecord:
    """What the index knows about one stored document."""

    source: str
    fingerprint: str
    n_chunks: int
    metadata: dict[str, Any]


def open_client(settings: Settings) -> "chromadb.ClientAPI":
    """An embedded PersistentClient at ``index_dir``, or an HttpClient when ``chroma_url`` is set.

    A server that is down fails at once; one that does not answer fails after ``chroma_timeout`` seconds (the
    Chroma client itself would wait forever)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma_url:
            url = urlparse(settings.chroma_url)
            if not url.hostname:
                raise IndexError_(f"ASSISTANT_CHROMA_URL is not a URL: {settings.chroma_url!r}")
            _limit_http_wait(settings.chroma_timeout)
            return chromadb.HttpClient(host=url.hostname, port=url.port or 8000, ssl=url.scheme == "https",
                                       settings=chroma_settings)
        return chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)
    except IndexError_:
        raise
    except Exception as exc:  # chromadb raises bare Exception/ValueError subclasses for connection and disk errors
        raise translate(exc, settings, "cannot open the index") from exc


_http_timeout: list[float] = [30.0]


def _limit_http_wait(seconds: float) -> None:
    """Give Chroma's HTTP client a timeout: it builds ``httpx.Client(timeout=None)``, which waits forever."""
    from chromadb.api import fastapi

    _http_timeout[0] = seconds
    if not isinstance(fastapi.httpx, _HttpxWithTimeout):
        fastapi.httpx = _HttpxWithTimeout(fastapi.httpx)  # type: ignore[assignment]


class _HttpxWithTimeout:
    """The ``httpx`` module as chromadb's HTTP client sees it, except that ``Client`` gets a timeout."""

    def __init__(self, module: Any) -> None:
        self._module = module

    def Client(self, *args: Any, **kwargs: Any) -> Any:  # noqa: N802 (stands in for httpx.Client)
        if kwargs.get("timeout", 0) is None:
            kwargs["timeout"] = self._module.Timeout(_http_timeout[0])
        return self._module.Client(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


_CORRUPT_MARKERS = ("not a database", "malformed", "corrupt", "code: 11)", "code: 26)", "disk image",
                    "hnsw segment reader", "error loading hnsw", "failed to load")


def translate(exc: BaseException, settings: Settings, what: str) -> IndexError_:
    """A Chroma, HTTP or disk error as the assistant's one-line IndexError_ (IndexCorruptError for broken files)."""
    where = settings.chroma_url or settings.index_dir
    text = _one_line(exc)
    if not settings.chroma_url and any(m in text.lower() for m in _CORRUPT_MARKERS):
        error = IndexCorruptError(f"the index at {where} is damaged ({text}); `assistant ingest` rebuilds it "
                                  f"from the corpus")
        error.detail = text
        return error
    if _timed_out(exc):
        return IndexError_(f"{what} at {where}: the Chroma server did not answer within "
                           f"{settings.chroma_timeout:g} s")
    return IndexError_(f"{what} at {where}: {text}")


def _timed_out(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) is an HTTP or socket timeout."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, TimeoutError) or "Timeout" in type(exc).__name__ or "timed out" in str(exc).lower():
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


@contextlib.contextmanager
def write_lock(settings: Settings) -> Iterator[None]:
    """One writer at a time for the embedded store (Chroma's embedded mode is not process-safe)."""
    if settings.chroma_url:
        yield
        return
    from filelock import FileLock, Timeout

    Path(settings.index_dir).mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(Path(settings.index_dir) / ".write.lock"))
    try:
        lock.acquire(timeout=settings.lock_timeout)
    except Timeout as exc:
        raise IndexLockedError(
            f"another process is writing the index at {settings.index_dir} "
            f"(waited {settings.lock_timeout:g} s); try again when it finishes") from exc
    try:
        yield
    finally:
        lock.release()


_F = TypeVar("_F", bound=Callable[..., Any])


def _translated(what: str) -> Callable[[_F], _F]:
    """Raise the assistant's one-line IndexError_ instead of Chroma's or httpx's errors (server down, slow, ...)."""
    def wrap(method: _F) -> _F:
        @functools.wraps(method)
        def inner(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except IndexError_:
                raise
            except Exception as exc:
                raise translate(exc, self.settings, what) from exc
        return inner  # type: ignore[return-value]
    return wrap


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class IndexStore:
    """Chunks and documents of one corpus in Chroma, checked against the embedding model that built them."""

    def __init__(self, settings: Settings, embeddings: "Embeddings", embedding_dim: int) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self.embedding_dim = embedding_dim
        self.client = open_client(settings)
        self._chunks = self._open_chunks()
        try:
            self._documents = self.client.get_or_create_collection(
                f"{settings.collection}__documents", metadata={"schema": SCHEMA_VERSION},
                configuration={"hnsw": {"space": "cosine"}})
        except Exception as exc:
            raise translate(exc, settings, f"cannot open collection {settings.collection}__documents") from exc
        self._records: tuple[object, dict[str, DocumentRecord]] | None = None  # (version, records) last read

    # -- opening and checking --------------------------------------------------------------------------
    def _open_chunks(self) -> "chromadb.Collection":
        from .embeddings import TORCH_ENCODER, identity, switch_hint

        wanted = {"embedding_model": self.settings.embedding_model, "embedding_dim": self.embedding_dim,
                  "schema": SCHEMA_VERSION, **identity(self.embeddings)}
        try:
            collection = self.client.get_or_create_collection(
                self.settings.collection, metadata=wanted, configuration={"hnsw": {"space": "cosine"}})
        except Exception as exc:
            raise translate(exc, self.settings, f"cannot open collection {self.settings.collection!r}") from exc
        have = collection.metadata or {}
        if have.get("embedding_model") != wanted["embedding_model"] or have.get("embedding_dim") != wanted["embedding_dim"]:
            raise IndexMismatchError(
                f"the index at {self.location} was built with embedding model {have.get('embedding_model')!r} "
                f"(dimension {have.get('embedding_dim')}), but the settings ask for {wanted['embedding_model']!r} "
                f"(dimension {wanted['embedding_dim']}); use the same model or rebuild with `assistant ingest --rebuild`")
        built = (have.get("embedding_backend", "torch"), have.get("embedding_encoder", TORCH_ENCODER))
        wanted_encoder = (wanted["embedding_backend"], wanted["embedding_encoder"])
        if built != wanted_encoder:  # never mix vectors of two encoders
            raise IndexMismatchError(
                f"the index at {self.location} was built with the {built[0]!r} embedding backend (encoder "
                f"{built[1]}), but the settings ask for {wanted['embedding_backend']!r} (encoder "
                f"{wanted['embedding_encoder']}); {switch_hint(built, wanted_encoder)}or rebuild with `assistant ingest --rebuild`")
        return collection

    @property
    def location(self) -> str:
        return self.settings.chroma_url or str(self.settings.index_dir)

    @_translated("cannot search the index")
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

    # -- reading -----------------------------------------------------------------------------------------
    @_translated("cannot read the document records")
    def documents(self) -> dict[str, DocumentRecord]:
        """Every stored document's record, by source."""
        out: dict[str, DocumentRecord] = {}
        for _, _, meta in _paged(self._documents, ["metadatas"]):
            meta = dict(meta or {})
            out[meta["source"]] = DocumentRecord(
                source=meta["source"], fingerprint=meta["fingerprint"], n_chunks=int(meta.get("n_chunks", 0)),
                metadata=_document_metadata(meta))
        return out

    @_translated("cannot read the index version")
    def version(self) -> tuple[str, Any]:
        """A cheap marker of the document records: it changes whenever a record is written or deleted.

        The documents collection's id (new after a rebuild) and the generation stamp that ``put_document`` and
        ``delete_document`` write into its metadata after each change; read fresh, so other processes' writes show."""
        collection = self.client.get_collection(f"{self.settings.collection}__documents")
        return str(collection.id), (collection.metadata or {}).get("generation")

    def records(self) -> dict[str, DocumentRecord]:
        """``documents()``, read again only when ``version()`` changed (shared between callers: do not mutate).

        The version is read before the records, so records cached under a version are never older than it."""
        version = self.version()
        cached = self._records
        if cached is not None and cached[0] == version:
            return cached[1]
        records = self.documents()
        self._records = (version, records)
        return records

    @_translated("cannot read a document")
    def document(self, source: str) -> Document | None:
        """The stored document (full text and metadata), or None."""
        got = self._documents.get(ids=[_doc_id(source)], include=["documents", "metadatas"])
        if not got["ids"]:
            return None
        return Document(source=source, text=got["documents"][0] or "",
                        metadata=_document_metadata(got["metadatas"][0]))

    @_translated("cannot read the chunk ids")
    def chunk_ids(self, source: str | None = None) -> set[str]:
        """Ids of the stored chunks of ``source`` (or of every source)."""
        if source:
            return set(self._chunks.get(where={"source": source}, include=[])["ids"])
        return {cid for cid, _, _ in _paged(self._chunks, [])}

    @_translated("cannot read the chunks")
    def chunk_sources(self) -> dict[str, str]:
        """Every stored chunk id with the source it belongs to."""
        return {cid: str((meta or {}).get("source")) for cid, _, meta in _paged(self._chunks, ["metadatas"])}

    @_translated("cannot read the chunks")
    def all_chunks(self) -> list[Chunk]:
        """Every stored chunk (for the keyword index), in a stable order."""
        chunks = [_chunk_from(cid, text, meta) for cid, text, meta in _paged(self._chunks, ["documents", "metadatas"])]
        chunks.sort(key=lambda c: (c.source, c.start))
        return chunks

    @_translated("cannot count the chunks")
    def count(self) -> int:
        return self._chunks.count()

    def check(self) -> None:
        """Read both collections once (a count and a one-vector query), so damaged files fail here."""
        try:
            self._documents.count()
            if self._chunks.count():
                self._chunks.query(query_embeddings=[[0.0] * (self.embedding_dim - 1) + [1.0]], n_results=1,
                                   include=[])
        except Exception as exc:
            raise translate(exc, self.settings, "cannot read the index") from exc

    # -- writing (callers hold write_lock) --------------------------------------------------------------------
    def _batch_size(self) -> int:
        """Rows per write request: what the client accepts, at most 1,000."""
        return max(1, min(self.client.get_max_batch_size(), 1000))

    @_translated("cannot write chunks")
    def add_chunks(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        """Store chunks with their vectors, in batches the client accepts."""
        import numpy as np

        step = self._batch_size()
        for i in range(0, len(chunks), step):
            part = chunks[i:i + step]
            self._chunks.upsert(
                ids=[c.id for c in part],
                embeddings=np.asarray(vectors[i:i + step], dtype=np.float32),  # Chroma's own form: no per-row copy
                documents=[c.text for c in part],
                metadatas=[{"source": c.source, "start": c.start, "end": c.end, **c.metadata} for c in part])

    @_translated("cannot delete chunks")
    def delete_chunks(self, ids: Sequence[str]) -> None:
        step = self._batch_size()
        ids = list(ids)
        for i in range(0, len(ids), step):
            self._chunks.delete(ids=ids[i:i + step])

    def put_document(self, document: Document, n_chunks: int, fingerprint: str) -> None:
        """Write (or replace) a document's record: the commit point of its ingest."""
        self.put_documents([(document, n_chunks, fingerprint)])

    @_translated("cannot write document records")
    def put_documents(self, records: Sequence[tuple[Document, int, str]]) -> None:
        """Write (or replace) the records of several documents, ``(document, n_chunks, fingerprint)`` each, in
        batches the client accepts, then stamp one new generation (for bulk loads; ingest commits one by one)."""
        step = self._batch_size()
        for i in range(0, len(records), step):
            part = records[i:i + step]
            self._documents.upsert(ids=[_doc_id(doc.source) for doc, _, _ in part], embeddings=[[1.0]] * len(part),
                                   documents=[doc.text for doc, _, _ in part],
                                   metadatas=[_record_metadata(doc, n, fp) for doc, n, fp in part])
        if records:
            self._new_generation()

    @_translated("cannot delete a document")
    def delete_document(self, source: str) -> int:
        """Remove a document's chunks, then its record. Returns how many chunks went."""
        ids = self.chunk_ids(source)
        self.delete_chunks(sorted(ids))
        self._documents.delete(ids=[_doc_id(source)])
        self._new_generation()
        return len(ids)

    def _new_generation(self) -> None:
        """Stamp the documents collection after a record changed, so readers' ``version()`` changes (a random
        token, not a counter: no read-modify-write between writers)."""
        import uuid

        self._documents.modify(metadata={**(self._documents.metadata or {}), "schema": SCHEMA_VERSION,
                                         "generation": uuid.uuid4().hex})

def drop(settings: Settings) -> None:
    """Delete both collections (for ``ingest --rebuild``), whatever model built them.

    Document records go first: interrupted in between, the chunks left behind have no record and are either
    reused (same content-derived ids) or removed by the next ingest; never a record without its chunks."""
    client = open_client(settings)
    existing = {getattr(c, "name", c) for c in client.list_collections()}
    for name in (f"{settings.collection}__documents", settings.collection):
        if name in existing:
            client.delete_collection(name)


PAGE = 10_000  # rows per read: one unpaged get of ~100k chunks fails in SQLite ("too many SQL variables")


def _paged(collection: "chromadb.Collection", include: list[str]) -> Iterator[tuple[str, Any, Any]]:
    """Every row of ``collection`` as (id, document, metadata), read ``PAGE`` rows at a time (None where not
    included)."""
    offset = 0
    while True:
        got = collection.get(include=include, limit=PAGE, offset=offset)  # type: ignore[arg-type]
        ids = got["ids"]
        texts = got.get("documents") or [None] * len(ids)
        metas = got.get("metadatas") or [None] * len(ids)
        yield from zip(ids, texts, metas)
        if len(ids) < PAGE:
            return
        offset += PAGE


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


def _chunk_from(cid: str, text: str | None, meta: Any) -> Chunk:
    meta = dict(meta or {})
    source = meta.pop("source")
    start = int(meta.pop("start"))
    end = int(meta.pop("end"))
    return Chunk(id=cid, source=source, text=text or "", start=start, end=end, metadata=meta)
