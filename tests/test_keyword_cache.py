"""The BM25 index of a large store is kept on disk between processes: loaded when the document records are the
same, rebuilt (and the old copy removed) when they changed, and a damaged copy is rebuilt, never an error."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import assistant
from assistant import ask
from assistant.index.ingest import ingest
from assistant.index.store import IndexStore

pytestmark = pytest.mark.slow

QUESTION = "Who is the treasurer of Millbrook?"


@pytest.fixture
def cached(tiny_settings, tmp_path):
    """Tiny-corpus settings whose store counts as large (every store keeps its keyword index on disk)."""
    settings = tiny_settings.model_copy(update={"keyword_cache_dir": tmp_path / "keyword",
                                                "keyword_cache_min_chunks": 1})
    ingest(settings=settings, progress=False)
    return settings


def saved(settings) -> list:
    return sorted(p for p in settings.keyword_cache_dir.glob("*/*") if (p / "chunks.json").is_file())


def test_a_new_process_loads_the_saved_index_instead_of_reading_every_chunk(cached, monkeypatch):
    first = ask(QUESTION, settings=cached)
    assert "Ines Varga" in first.text and len(saved(cached)) == 1

    # As in a fresh process (no Assistant, no keyword index in memory), the chunks must not be read to answer: the
    # saved index is loaded.
    assistant.reset()

    def no_scan(self):
        raise AssertionError("read every chunk although a saved keyword index matches")

    monkeypatch.setattr(IndexStore, "all_chunks", no_scan)
    again = ask(QUESTION, settings=cached)
    assert again.text.split("\n")[0] == first.text.split("\n")[0]
    assert [c.quote for c in again.citations] == [c.quote for c in first.citations]


def test_the_cli_in_another_process_uses_the_same_saved_index(cached):
    ask(QUESTION, settings=cached)
    before = saved(cached)
    env = {"ASSISTANT_CORPUS_DIR": str(cached.corpus_dir), "ASSISTANT_INDEX_DIR": str(cached.index_dir),
           "ASSISTANT_KEYWORD_CACHE_DIR": str(cached.keyword_cache_dir), "ASSISTANT_KEYWORD_CACHE_MIN_CHUNKS": "1",
           "ASSISTANT_COLLECTION": cached.collection}
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", QUESTION], capture_output=True, text=True,
                         env={**os.environ, **env}, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "Ines Varga" in out.stdout
    assert saved(cached) == before  # loaded, not rebuilt under another name


def test_a_changed_corpus_rebuilds_the_index_and_drops_the_old_copy(cached):
    ask(QUESTION, settings=cached)
    [old] = saved(cached)
    page = cached.corpus_dir / "water-budget.md"
    page.write_text(page.read_text().replace("Ines Varga", "Ana Lindqvist"))
    ingest(settings=cached, progress=False)
    answer = ask(QUESTION, settings=cached)
    assert "Ana Lindqvist" in answer.text and "Ines Varga" not in answer.text
    [new] = saved(cached)
    assert new != old and not old.exists()


def test_a_damaged_saved_index_is_rebuilt_not_an_error(cached):
    first = ask(QUESTION, settings=cached)
    [folder] = saved(cached)
    (folder / "chunks.json").write_text('{"ids": [1, 2', encoding="utf-8")  # cut off mid-write
    assistant.reset()  # as a new process
    again = ask(QUESTION, settings=cached)
    assert again.text == first.text
    assert (folder / "chunks.json").read_text(encoding="utf-8").startswith('{"ids": ["')  # written afresh
