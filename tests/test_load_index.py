"""The clean documents through a real index (slow: embedding model, Chroma in a temp dir): headings, pages and
fields persist in the document records; PDF citations carry their page in the API, the CLI and the export; a
.docx upload is answerable and citable; a folder walk names every file it skips."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import ask
from assistant.chat import export, render, uploads
from assistant.answer.citations import page_label
from assistant.documents import Document
from assistant.engine import get_assistant
from assistant.index.ingest import ingest
from assistant.load.loaders import SourceFile, load
from assistant.settings import Settings

from test_clean import PEP, REPORT_PAGES, make_docx, multipage_pdf

pytestmark = pytest.mark.slow


@pytest.fixture
def mixed_settings(tmp_path: Path) -> Settings:
    """A corpus with one file of each format and one file of a type that is not loaded."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "pep-9999.txt").write_text(PEP, encoding="utf-8")
    (corpus / "guide.rst").write_text("Guide\n=====\n\n:Author: Ada Example\n\nThe guide is short.\n",
                                      encoding="utf-8")
    (corpus / "report.pdf").write_bytes(multipage_pdf(REPORT_PAGES))
    make_docx(corpus / "plan.docx")
    (corpus / "notes.md").write_text("# Notes\n\nThe heron nests by the weir.\n", encoding="utf-8")
    (corpus / "page.html").write_text("<h1>Page</h1><p>The ferry runs hourly.</p>", encoding="utf-8")
    (corpus / "memo.xyz").write_text("not loaded", encoding="utf-8")
    (corpus / ".hidden.md").write_text("hidden", encoding="utf-8")
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index")


def test_every_format_is_indexed_and_its_structure_persists(mixed_settings):
    report = ingest(settings=mixed_settings, progress=False)
    assert [(s.path, s.reason.split(";")[0]) for s in report.skipped] == [("memo.xyz", "unsupported type .xyz")]
    assert "1 files skipped: memo.xyz (unsupported type .xyz)" in report.summary()
    assert report.documents == 6
    store = get_assistant(mixed_settings).store
    for path in sorted(Path(mixed_settings.corpus_dir).iterdir()):
        if path.suffix in (".xyz",) or path.name.startswith("."):
            continue
        loaded = load(SourceFile(path, path.name), mixed_settings.max_file_bytes)
        stored = store.document(path.name)
        assert stored is not None and stored.text == loaded.text
        for key in ("headings", "pages", "fields"):
            assert stored.metadata.get(key) == loaded.metadata.get(key), (path.name, key)
        assert stored.fingerprint == loaded.fingerprint, path.name  # nothing of the metadata is lost in the store
    assert store.document("report.pdf").metadata["pages"][0] == 0
    assert store.document("plan.docx").metadata["fields"]["Author"] == "Ines Varga"
    assert store.document("pep-9999.txt").metadata["fields"]["Status"] == "Active"
    assert store.document("guide.rst").metadata["headings"] == [[0, 5, 1]]
    again = ingest(settings=mixed_settings, progress=False)
    assert not again.changed  # the stored fingerprints match: a second ingest writes nothing


def test_fingerprint_changes_with_headings_pages_and_fields():
    base = Document("a.md", "Title\n\nText.", {"title": "Title", "headings": [[0, 5, 1]]})
    variants = [{"title": "Title", "headings": [[0, 5, 2]]}, {"title": "Title", "headings": [[0, 5, 1]], "pages": [0]},
                {"title": "Title", "headings": [[0, 5, 1]], "fields": {"Author": "Ada"}}]
    assert len({base.fingerprint, *(Document("a.md", base.text, v).fingerprint for v in variants)}) == 4


def test_pdf_citation_carries_its_page_in_api_cli_chat_and_export(mixed_settings):
    ingest(settings=mixed_settings, progress=False)
    answer = ask("What is the recommendation for the stockpile?", settings=mixed_settings)
    cited = [c for c in answer.citations if c.source == "report.pdf"]
    assert cited, answer.text
    document = get_assistant(mixed_settings).store.document("report.pdf")
    for citation in cited:
        assert citation.page and citation.page == page_label(document, citation.start, citation.end)
        assert citation.to_dict()["page"] == citation.page
    first = cited[0].to_dict()
    assert f"p. {first['page']}" in export.citation_markdown(first)
    assert f"p. {first['page']}" in render.citation_line(first, 0)
    assert f"p. {first['page']}" in render.passage_html(first, document)
    env = dict(os.environ, ASSISTANT_CORPUS_DIR=str(mixed_settings.corpus_dir),
               ASSISTANT_INDEX_DIR=str(mixed_settings.index_dir))
    done = subprocess.run([sys.executable, "-m", "assistant", "ask", "What is the recommendation for the stockpile?"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"(report.pdf, p. {cited[0].page})" in done.stdout


def test_docx_upload_is_answerable_and_citable(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.md").write_text("# Notes\n\nThe heron nests by the weir.\n", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    ingest(settings=settings, progress=False)
    path = tmp_path / "upload.docx"
    make_docx(path)
    result = uploads.add_file(path, "Water Plan.docx", settings)
    assert result.ok, result.error
    assert result.source == "uploads/Water-Plan.docx" and result.title == "Water plan"
    answer = ask("When did the council adopt the plan?", settings=settings)
    assert answer.text.startswith("March 4, 2031"), answer.text  # the date resolved against the created date
    assert any(c.source == "uploads/Water-Plan.docx" for c in answer.citations), answer.text
    refused = uploads.add_file(tmp_path / "upload.docx", "memo.xyz", settings)
    assert not refused.ok and refused.error.startswith("unsupported type .xyz; use .md")
