"""The store's modules one job at a time, on a real embedded Chroma in a temp dir: the writer lock, the identity
check, paging, the document records, error translation and ``drop``.

No embedding model is loaded: the vectors come from ``HashEmbeddings`` below (LangChain's ``Embeddings``
interface, deterministic, 8 dimensions), which is all the store asks of an encoder. Chroma itself is real.
"""

from __future__ import annotations

import hashlib
import math
import time
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from assistant.documents import Chunk, Document
from assistant.errors import IndexCorruptError, IndexError_, IndexLockedError, IndexMismatchError
from assistant.index.store import LOCK_FILE, DocumentRecord, IndexStore, drop, open_client, write_lock
from assistant.index.store import paging
from assistant.index.store.chroma_errors import translate
from assistant.index.store.identity import SCHEMA_VERSION, built_with, check_identity
from assistant.index.store.paging import batch_slices, paged
from assistant.settings import DEFAULT_EMBEDDING_MODEL, Settings
from conftest import run_python

pytestmark = pytest.mark.slow  # builds indexes (real Chroma), though it loads no model

DIM = 8


class HashEmbeddings(Embeddings):
    """Unit vectors derived from a hash of the text: equal texts, equal vectors; no model."""

    def __init__(self, dim: int = DIM, backend: str | None = None, encoder_id: str | None = None) -> None:
        self.dim = dim
        if backend:  # what embeddings.identity reads (the ONNX encoder has both; the torch one neither)
            self.backend = backend
            self.encoder_id = encoder_id

    def embed_query(self, text: str) -> list[float]:
        digest = hashlib.sha256(text.encode()).digest()
        vector = [b - 127.5 for b in digest[:self.dim]]
        norm = math.sqrt(sum(v * v for v in vector))
        return [v / norm for v in vector]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", lock_timeout=0.2)


def open_store(settings: Settings, embeddings: Embeddings | None = None, dim: int = DIM) -> IndexStore:
    return IndexStore(settings, embeddings or HashEmbeddings(dim), dim)


def document(source: str, n_chunks: int, **metadata) -> tuple[Document, list[Chunk]]:
    """A document of ``n_chunks`` sentences, one chunk each, with exact offsets."""
    sentences = [f"{source} sentence {i} says something of its own." for i in range(n_chunks)]
    text = " ".join(sentences)
    chunks, start = [], 0
    for i, sentence in enumerate(sentences):
        chunks.append(Chunk(id=f"{source}-{i}", source=source, text=sentence, start=start,
                            end=start + len(sentence), metadata={"title": source}))
        start += len(sentence) + 1
    return Document(source=source, text=text, metadata=metadata), chunks


def fill(store: IndexStore, sizes: dict[str, int]) -> None:
    """Store documents of the given chunk counts like ingest does: chunks first, then the record."""
    for source, n in sizes.items():
        doc, chunks = document(source, n)
        store.add_chunks(chunks, store.embeddings.embed_documents([c.text for c in chunks]))
        store.put_document(doc, n, f"fp-{source}")


# -- lock: one writer at a time -------------------------------------------------------------------------------

def test_a_second_writer_is_refused_with_index_locked_error(settings):
    with write_lock(settings):
        started = time.perf_counter()
        with pytest.raises(IndexLockedError) as info:
            with write_lock(settings):
                pytest.fail("two writers held the lock")
        waited = time.perf_counter() - started
    message = str(info.value)
    assert str(settings.index_dir) in message and "waited 0.2 s" in message and "\n" not in message
    assert 0.2 <= waited < 5
    assert (settings.index_dir / LOCK_FILE).exists()
    with write_lock(settings):  # released when the first writer's block ended
        pass


def test_a_chroma_server_takes_no_file_lock(settings):
    server = settings.model_copy(update={"chroma_url": "http://127.0.0.1:9"})
    with write_lock(server), write_lock(server):  # the server orders its own writes
        pass
    assert not settings.index_dir.exists()


# -- identity: what the index was built with -------------------------------------------------------------------

def test_the_chunk_collection_records_what_built_it(settings):
    store = open_store(settings)
    metadata = store.client.get_collection(settings.collection).metadata
    assert metadata == built_with(settings, store.embeddings, DIM)
    assert metadata == {"embedding_model": DEFAULT_EMBEDDING_MODEL, "embedding_dim": DIM, "schema": SCHEMA_VERSION,
                        "embedding_backend": "torch", "embedding_encoder": "sentence-transformers"}


def test_another_model_or_dimension_is_refused_naming_both(settings):
    fill(open_store(settings), {"a.md": 3})
    other = settings.model_copy(update={"embedding_model": "other-model"})
    with pytest.raises(IndexMismatchError) as info:
        open_store(other)
    message = str(info.value)
    assert repr(DEFAULT_EMBEDDING_MODEL) in message and "'other-model'" in message and "\n" not in message
    assert str(settings.index_dir) in message and "assistant ingest --rebuild" in message

    with pytest.raises(IndexMismatchError) as info:
        open_store(settings, dim=16)
    assert f"(dimension {DIM})" in str(info.value) and "(dimension 16)" in str(info.value)

    # Refusing changed nothing: the index opens with what built it and holds the same chunks.
    store = open_store(settings)
    assert store.count() == 3
    assert store.client.get_collection(settings.collection).metadata["embedding_model"] == DEFAULT_EMBEDDING_MODEL


def test_another_encoder_is_refused_with_the_setting_that_selects_the_right_one(settings):
    open_store(settings)  # built by the torch backend
    onnx = HashEmbeddings(backend="onnx", encoder_id="onnx-int8-0123abcd")
    with pytest.raises(IndexMismatchError) as info:
        open_store(settings, onnx)
    message = str(info.value)
    assert "'torch' embedding backend (encoder sentence-transformers)" in message
    assert "'onnx' (encoder onnx-int8-0123abcd)" in message and "set ASSISTANT_EMBEDDING_BACKEND=torch" in message


def test_an_index_from_before_the_encoder_was_recorded_counts_as_torch(settings):
    wanted = built_with(settings, HashEmbeddings(), DIM)
    old = {"embedding_model": DEFAULT_EMBEDDING_MODEL, "embedding_dim": DIM}
    check_identity(old, wanted, "here")  # no error
    with pytest.raises(IndexMismatchError, match="the index at here was built with the 'torch' embedding backend"):
        check_identity(old, built_with(settings, HashEmbeddings(backend="onnx", encoder_id="onnx-fp32-9"), DIM),
                       "here")


# -- paging: bulk reads and writes in pieces ---------------------------------------------------------------------

def test_paged_reads_return_every_row_across_page_boundaries(settings, monkeypatch):
    client = open_client(settings)
    collection = client.get_or_create_collection("paging")
    ids = [f"row-{i:02d}" for i in range(25)]
    collection.add(ids=ids, embeddings=[[1.0, float(i)] for i in range(25)], documents=ids,
                   metadatas=[{"n": i} for i in range(25)])
    for page in (1, 4, 5, 10, 25, 26, 10_000):  # divides 25 or not, one page, more than all rows
        monkeypatch.setattr(paging, "PAGE", page)
        rows = list(paged(collection, ["documents", "metadatas"]))
        assert sorted(cid for cid, _, _ in rows) == ids and len(rows) == 25, page
        assert all(text == cid and meta["n"] == int(cid[4:]) for cid, text, meta in rows)
    assert {cid for cid, text, meta in paged(collection, [])} == set(ids)
    assert all(text is None and meta is None for _, text, meta in paged(collection, []))
    assert list(paged(client.get_or_create_collection("empty"), [])) == []


def test_store_reads_are_the_same_page_by_page(settings, monkeypatch):
    store = open_store(settings)
    fill(store, {"a.md": 4, "b.md": 3, "c.md": 2})
    whole = (store.chunk_ids(), store.chunk_sources(), [c.id for c in store.all_chunks()], store.documents())
    assert len(whole[0]) == 9 and sorted(whole[3]) == ["a.md", "b.md", "c.md"]
    for page in (1, 2, 3):  # 9 chunks and 3 records: every boundary, exact and not
        monkeypatch.setattr(paging, "PAGE", page)
        assert (store.chunk_ids(), store.chunk_sources(), [c.id for c in store.all_chunks()],
                store.documents()) == whole


def test_writes_go_in_batches_and_lose_nothing(settings, monkeypatch):
    monkeypatch.setattr(paging, "MAX_BATCH", 2)
    store = open_store(settings)
    assert paging.batch_size(store.client) == 2
    fill(store, {"a.md": 5})
    assert store.count() == 5 and store.chunk_ids("a.md") == {f"a.md-{i}" for i in range(5)}
    store.put_documents([(document(f"{i}.md", 1)[0], 1, f"fp{i}") for i in range(5)])  # records too
    assert len(store.documents()) == 6
    store.delete_chunks(sorted(store.chunk_ids("a.md"))[:3])
    assert store.chunk_ids("a.md") == {"a.md-3", "a.md-4"}
    assert [(s.start, s.stop) for s in batch_slices(5, 2)] == [(0, 2), (2, 4), (4, 6)]
    assert list(batch_slices(0, 2)) == []


# -- records: one per document --------------------------------------------------------------------------------------

def test_records_keep_text_fingerprint_and_structured_metadata(settings):
    store = open_store(settings)
    metadata = {"title": "Budget", "date": "2031-03-04", "url": "https://example.org/b", "headings": [[0, 6, 1]],
                "pages": [0, 120], "fields": {"Author": "Ines Varga"}, "sources": []}
    doc, chunks = document("b.md", 2, **metadata)
    store.add_chunks(chunks, store.embeddings.embed_documents([c.text for c in chunks]))
    store.put_document(doc, 2, "fp-1")
    assert store.documents() == {"b.md": DocumentRecord(
        source="b.md", fingerprint="fp-1", n_chunks=2,
        metadata={k: v for k, v in metadata.items() if k != "sources"})}  # an empty source list is not stored
    again = store.document("b.md")
    assert again is not None and again.text == doc.text and again.metadata["fields"] == {"Author": "Ines Varga"}
    assert store.document("missing.md") is None
    for chunk in store.all_chunks():
        assert again.text[chunk.start:chunk.end] == chunk.text and chunk.metadata == {"title": "b.md"}


def test_the_version_changes_with_every_write_and_the_cache_follows_it(settings):
    store = open_store(settings)
    reader = open_store(settings)  # another handle, as another process would have
    empty = reader.records()
    assert empty == {} and reader.records() is empty  # unchanged: the cached records, not read again
    versions = [store.version()]
    fill(store, {"a.md": 2})
    versions.append(store.version())
    seen = reader.records()
    assert sorted(seen) == ["a.md"] and reader.records() is seen
    assert store.delete_document("a.md") == 2
    versions.append(reader.version())
    assert len(set(versions)) == 3
    assert reader.records() == {} and store.chunk_ids() == set()
    assert store.client.get_collection(f"{settings.collection}__documents").metadata["schema"] == SCHEMA_VERSION


# -- drop, and errors as the assistant's ------------------------------------------------------------------------

def test_drop_deletes_both_collections_whatever_built_them(settings):
    fill(open_store(settings), {"a.md": 2})
    drop(settings)
    assert {c.name for c in open_client(settings).list_collections()} == set()
    store = open_store(settings.model_copy(update={"embedding_model": "other-model"}), dim=4)
    assert store.count() == 0 and store.documents() == {}
    drop(settings)
    drop(settings)  # nothing left to drop is no error


def test_damaged_embedded_files_are_index_corrupt_error(settings):
    settings.index_dir.mkdir(parents=True)
    (settings.index_dir / "chroma.sqlite3").write_bytes(b"not sqlite at all " * 100)
    with pytest.raises(IndexCorruptError) as info:
        open_store(settings)
    message = str(info.value)
    assert message.startswith(f"the index at {settings.index_dir} is damaged (") and "\n" not in message
    assert "`assistant ingest` rebuilds it" in message and info.value.detail in message


def test_translate_recognises_timeouts_and_leaves_the_rest_one_line():
    import httpx

    server = Settings(chroma_url="http://127.0.0.1:9", chroma_timeout=1.5)
    slow = "cannot search the index at http://127.0.0.1:9: the Chroma server did not answer within 1.5 s"
    assert str(translate(httpx.ReadTimeout("timed out"), server, "cannot search the index")) == slow
    try:  # chromadb's HttpClient re-raises a timeout as ValueError(str(exc)) in its except block
        try:
            raise httpx.ConnectTimeout("handshake")
        except httpx.ConnectTimeout as exc:
            raise ValueError(str(exc))
    except ValueError as exc:
        assert str(translate(exc, server, "cannot search the index")) == slow
    assert str(translate(Exception("upstream request timed out"), server, "x")).endswith("within 1.5 s")
    # On a server, a message that reads like damage is the server's to fix: not IndexCorruptError.
    error = translate(RuntimeError("database disk image is malformed\ndetails"), server, "cannot read the chunks")
    assert type(error) is IndexError_
    assert str(error) == "cannot read the chunks at http://127.0.0.1:9: database disk image is malformed"
    assert str(translate(KeyError(), server, "x")) == "x at http://127.0.0.1:9: KeyError"


def test_a_chroma_url_that_is_no_url_is_one_line(settings):
    with pytest.raises(IndexError_, match=r"^ASSISTANT_CHROMA_URL is not a URL: 'localhost'$"):
        open_client(settings.model_copy(update={"chroma_url": "localhost"}))


def test_chromadb_is_imported_with_override_checks_off_and_the_decorator_restored():
    """import_chromadb swaps overrides' checking decorator only while chromadb's modules load."""
    code = ("import overrides; original = overrides.override\n"
            "from assistant.index.store.client import import_chromadb\n"
            "chromadb = import_chromadb()\n"
            "from chromadb.api.client import Client\n"
            "assert overrides.override is original and overrides.overrides is not None\n"
            "assert Client.get_collection.__override__ is True\n"
            "assert import_chromadb() is chromadb\n"
            "print('ok')\n")
    done = run_python(code)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_clients_are_built_with_override_checks_off_and_the_decorator_restored(tmp_path):
    """open_client builds the client (whose system imports chromadb.api.rust, or chromadb.api.fastapi for a server)
    with the checks off, and threads that open clients at once leave the checking decorator restored."""
    code = ("import threading, overrides; checked = []; real = overrides.override\n"
            "def counting(*args, **kwargs): checked.append(args); return real(*args, **kwargs)\n"
            "overrides.override = overrides.overrides = counting; original = counting, counting\n"
            "from assistant.index.store.client import open_client\n"
            "from assistant.settings import Settings\n"
            f"paths = [{str(tmp_path)!r} + f'/index-{{i}}' for i in range(4)]\n"
            "threads = [threading.Thread(target=open_client, args=(Settings(index_dir=p),)) for p in paths]\n"
            "[t.start() for t in threads]; [t.join() for t in threads]\n"
            "try:\n"
            "    open_client(Settings(chroma_url='http://127.0.0.1:9'))  # no server: fails, after importing fastapi\n"
            "except Exception:\n"
            "    pass\n"
            "from chromadb.api.fastapi import FastAPI\n"
            "from chromadb.api.rust import RustBindingsAPI\n"
            "assert (overrides.override, overrides.overrides) == original\n"
            "assert RustBindingsAPI.count_collections.__override__ is True\n"
            "assert checked == [], checked  # no chromadb method went through the checking decorator\n"
            "print('ok')\n")
    done = run_python(code)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
