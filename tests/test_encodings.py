"""Text files in legacy encodings (Windows-1252, Latin-1, UTF-16 with a byte-order mark) are read and indexed;
a binary file is still refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.engine import get_assistant
from assistant.errors import SkipFile
from assistant.index.ingest import ingest
from assistant.load.loaders import SourceFile, load
from assistant.settings import Settings

MEMO = ("Minutes of the harbour board\n\n"
        "François Müller and Zoë Núñez-Ibáñez presented the café licence for the quay; the board’s vote was "
        "unanimous – 7 to 0 – and the licence runs until “the end of 2027”.\n")


def loaded(tmp_path: Path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return load(SourceFile(path, name), 10**6)


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-8"])
def test_legacy_and_bom_encodings_are_read(tmp_path, encoding):
    doc = loaded(tmp_path, "memo.txt", MEMO.encode(encoding))
    assert "François Müller and Zoë Núñez-Ibáñez" in doc.text and "“the end of 2027”" in doc.text


def test_latin1_markdown_is_read(tmp_path):
    doc = loaded(tmp_path, "notes.md", "# Notes\n\nCafé crème à Millbrook, chez René.\n".encode("latin-1"))
    assert "Café crème à Millbrook, chez René." in doc.text


def test_binary_is_still_refused_in_one_line(tmp_path):
    for data in (bytes(range(256)) * 40, b"\x89PNG\r\n\x1a\n" + bytes(range(1, 200)) * 30):
        with pytest.raises(SkipFile) as info:
            loaded(tmp_path, "image.txt", data)
        assert info.value.reason.startswith(("binary content", "not valid UTF-8")) and "\n" not in info.value.reason


@pytest.mark.slow
def test_windows_1252_file_is_indexed_and_found(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "memo.txt").write_bytes(MEMO.encode("cp1252"))
    (corpus / "other.md").write_text("# Ferries\n\nThe ferry to the island runs every hour in summer.\n",
                                     encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    report = ingest(settings=settings, progress=False)
    assert report.skipped == [] and sorted(report.new_documents) == ["memo.txt", "other.md"]
    found = get_assistant(settings).retriever.search("Who presented the café licence, Zoë Núñez-Ibáñez?", k=2)
    assert found.chunks[0].chunk.source == "memo.txt"
    assert "Zoë Núñez-Ibáñez" in found.chunks[0].chunk.text
