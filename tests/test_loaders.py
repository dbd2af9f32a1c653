"""Loading files into Documents, refusing bad input with one reason, and chunk offsets (fast: no model)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.index.chunking import split
from assistant.errors import SkipFile
from assistant.load.loaders import SUPPORTED_SUFFIXES, SourceFile, discover, load

from conftest import CORPUS, pdf_bytes

MAX = 1_000_000


def load_file(path: Path, max_bytes: int = MAX):
    return load(SourceFile(path, path.name), max_bytes)


def skip_reason(path: Path, max_bytes: int = MAX) -> str:
    with pytest.raises(SkipFile) as info:
        load_file(path, max_bytes)
    err = info.value
    assert err.path == path.name
    assert err.reason and "\n" not in err.reason, f"reason is not one line: {err.reason!r}"
    assert str(err) == f"{path.name}: {err.reason}"
    return err.reason


def make_pdf(text: str) -> bytes:
    """A minimal valid one-page PDF showing ``text`` in Helvetica, with a correct xref table."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf_bytes(objects)


# -- good input ---------------------------------------------------------------------------------------------

def test_markdown_front_matter_is_mapped_and_removed(tmp_path):
    path = tmp_path / "water.md"
    path.write_text("---\ntitle: Water budget\ndate: 2031-03-04\npublisher: Millbrook Gazette\n"
                    "url: https://example.org/w\nkind: news\n---\n\nThe council cut use by 18 percent.\n",
                    encoding="utf-8")
    doc = load_file(path)
    assert doc.source == "water.md"
    assert doc.metadata == {"title": "Water budget", "date": "2031-03-04", "publisher": "Millbrook Gazette",
                            "url": "https://example.org/w", "kind": "news", "headings": []}
    assert "---" not in doc.text and "title:" not in doc.text
    assert doc.text.strip() == "The council cut use by 18 percent."


def test_markdown_front_matter_aliases_as_in_article():
    doc = load(SourceFile(CORPUS / "article.md", "article.md"), MAX)
    assert doc.metadata["title"] == "US pressures allies with a 180-day critical minerals deadline"
    assert doc.metadata["date"] == "2026-01-15"  # from `published:`
    assert doc.metadata["url"] == "https://www.toutiao.com/article/7595486085635932678/"  # from `source_url:`
    assert doc.metadata["publisher"] == "Observer Group (Guancha), Global desk"
    assert "inferred" in doc.metadata["date_note"]  # from `published_note:`
    assert "published:" not in doc.text and "source_url" not in doc.text
    assert doc.text.lstrip().startswith("【By Observer Group, Global】")


def test_markdown_date_and_datetime_become_iso_dates(tmp_path):
    path = tmp_path / "d.md"
    path.write_text("---\npublished: 2031-03-04 10:30:00\nauthor: Ines Varga\nsource_url: https://example.org/d\n"
                    "---\nBody text.\n", encoding="utf-8")
    doc = load_file(path)
    assert doc.metadata["date"] == "2031-03-04"
    assert doc.metadata["publisher"] == "Ines Varga"
    assert doc.metadata["url"] == "https://example.org/d"


def test_markdown_without_front_matter_takes_title_from_first_heading(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("Intro line.\n\n## The Heron Bridge closes ##\n\nMore text.\n\n# Second heading\n",
                    encoding="utf-8")
    doc = load_file(path)
    assert doc.metadata["title"] == "The Heron Bridge closes"
    assert doc.text == "Intro line.\n\nThe Heron Bridge closes\n\nMore text.\n\nSecond heading"
    assert [doc.text[s:e] for s, e, _ in doc.metadata["headings"]] == ["The Heron Bridge closes", "Second heading"]
    assert [level for _, _, level in doc.metadata["headings"]] == [2, 1]


def test_markdown_without_front_matter_or_heading_takes_title_from_stem(tmp_path):
    path = tmp_path / "quarry-lane_library.md"
    path.write_text("Just a paragraph about the library.\n", encoding="utf-8")
    assert load_file(path).metadata["title"] == "quarry lane library"


@pytest.mark.parametrize("heading, title", [
    pytest.param("# C#", "C#", id="trailing-hash-without-space"),
    pytest.param("#\nLonely line", "empty heading", id="empty-heading-next-line"),
    pytest.param("# Budget 2031 #", "Budget 2031", id="closing-sequence"),
])
def test_heading_title_edge_cases(tmp_path, heading, title):
    path = tmp_path / "empty-heading.md"
    path.write_text(f"{heading}\n\nBody text.\n", encoding="utf-8")
    assert load_file(path).metadata["title"] == title


def test_crlf_text_is_normalised(tmp_path):
    path = tmp_path / "crlf.md"
    path.write_bytes(b"---\r\ntitle: CRLF\r\n---\r\nLine one.\r\nLine two.\r\n")
    doc = load_file(path)
    assert doc.metadata["title"] == "CRLF"
    assert "\r" not in doc.text
    assert doc.text == "Line one. Line two."  # one paragraph: the wrap is joined


def test_txt_wrapped_lines_are_joined_into_paragraphs(tmp_path):
    path = tmp_path / "bridge.txt"
    path.write_text("The Heron Bridge closes on July 14 for eleven weeks while crews replace the\n"
                    "corroded bearings.\nBuses detour over Mill Street.\n", encoding="utf-8")
    doc = load_file(path)
    assert doc.text == ("The Heron Bridge closes on July 14 for eleven weeks while crews replace the corroded "
                        "bearings.\nBuses detour over Mill Street.")
    assert doc.metadata == {"title": "bridge", "headings": []}


def test_html_title_meta_and_text_without_scripts_or_styles(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<!doctype html><html><head><title> Quarry Lane library </title>"
        '<meta name="author" content="Millbrook Gazette"><meta name="date" content="2031-05-20">'
        '<meta property="og:url" content="https://example.org/lib">'
        "<style>.x { color: red }</style><script>var secret = 'scriptcode';</script></head>"
        "<body><h1>Opening day</h1><p>The library holds   38,000 books.</p>"
        "<script>alert('scriptcode')</script><style>p { margin: 0 }</style><noscript>Enable JS</noscript>"
        "<p>Cards are free.</p></body></html>", encoding="utf-8")
    doc = load_file(path)
    assert doc.metadata == {"title": "Quarry Lane library", "publisher": "Millbrook Gazette", "date": "2031-05-20",
                            "url": "https://example.org/lib", "headings": [[0, 11, 1]]}
    assert doc.text == "Opening day\n\nThe library holds 38,000 books.\n\nCards are free."
    for dropped in ("scriptcode", "color", "margin", "Enable JS"):
        assert dropped not in doc.text


def test_pdf_text_is_extracted(tmp_path):
    path = tmp_path / "hello.pdf"
    path.write_bytes(make_pdf("Hello PDF world"))
    doc = load_file(path)
    assert doc.text.strip() == "Hello PDF world"
    assert doc.metadata["title"] == "hello"


# -- bad input: one SkipFile with one reason ---------------------------------------------------------------

def test_empty_file(tmp_path):
    path = tmp_path / "empty.md"
    path.write_bytes(b"")
    assert skip_reason(path) == "empty file"


@pytest.mark.parametrize("content", [b"   \n\n\t  \n", b"---\ntitle: Only metadata\n---\n\n  \n"],
                         ids=["whitespace", "front-matter-only"])
def test_whitespace_only_markdown_has_no_text(tmp_path, content):
    path = tmp_path / "blank.md"
    path.write_bytes(content)
    assert "no text" in skip_reason(path)


def test_binary_content_in_markdown(tmp_path):
    path = tmp_path / "image.md"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 4)
    assert "binary" in skip_reason(path)


def test_control_characters_in_markdown(tmp_path):
    path = tmp_path / "controls.md"
    path.write_bytes(bytes(range(1, 9)) * 20)
    assert "binary" in skip_reason(path)


def test_invalid_utf8_in_a_legacy_encoding_is_read(tmp_path):
    path = tmp_path / "latin1.md"
    path.write_bytes("Caf\u00e9 au lait in Millbrook.".encode("latin-1"))
    assert load(SourceFile(path, path.name), MAX).text == "Caf\u00e9 au lait in Millbrook."


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.md"
    path.write_bytes("\ufeff---\ntitle: With BOM\n---\nCafé.\n".encode("utf-8"))
    doc = load_file(path)
    assert doc.metadata["title"] == "With BOM"
    assert doc.text == "Café."


def test_file_over_max_bytes(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("x" * 101, encoding="utf-8")
    reason = skip_reason(path, max_bytes=100)
    assert reason.startswith("too large") and "101" in reason and "100" in reason
    assert load_file(path, max_bytes=101).text == "x" * 101


@pytest.mark.parametrize("keep", [9, 100, 300, -40])
def test_truncated_pdf(tmp_path, keep):
    path = tmp_path / "cut.pdf"
    whole = make_pdf("Hello PDF world")
    path.write_bytes(whole[:keep])
    reason = skip_reason(path)
    assert "PDF" in reason


def test_non_pdf_named_pdf(tmp_path):
    path = tmp_path / "fake.pdf"
    path.write_text("This is plain text pretending to be a PDF.\n", encoding="utf-8")
    assert "not a PDF" in skip_reason(path)


def test_invalid_yaml_front_matter(tmp_path):
    path = tmp_path / "yaml.md"
    path.write_text("---\ntitle: [unclosed\ndate: : :\n---\nBody.\n", encoding="utf-8")
    assert skip_reason(path).startswith("front matter is not valid YAML")


def test_front_matter_that_is_not_a_mapping(tmp_path):
    path = tmp_path / "list.md"
    path.write_text("---\n- one\n- two\n---\nBody.\n", encoding="utf-8")
    assert skip_reason(path) == "front matter is not a mapping"


def test_unreadable_file(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("running as root: chmod 000 does not block reads")
    path = tmp_path / "secret.md"
    path.write_text("You cannot read me.\n", encoding="utf-8")
    path.chmod(0)
    try:
        assert skip_reason(path).startswith("unreadable")
    finally:
        path.chmod(0o644)


def test_missing_file_after_discovery(tmp_path):
    path = tmp_path / "gone.md"
    assert skip_reason(path).startswith("unreadable")


# -- discovery ---------------------------------------------------------------------------------------------

def test_discover_finds_supported_files_and_names_them_relative_to_the_corpus(tmp_path):
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "index").mkdir()
    for rel in ("a.md", "sub/b.txt", "sub/c.HTML", "d.pdf", "notes.docx", "pep-0745.rst", "sub/memo.xyz", "README",
                ".dot.md", ".hidden/e.md", "index/chroma.sqlite3", "index/x.md"):
        (root / rel).write_text("text", encoding="utf-8")
    found, skipped = discover([root], root, exclude=[root / "index"])
    assert [f.source for f in found] == ["a.md", "d.pdf", "notes.docx", "pep-0745.rst", "sub/b.txt", "sub/c.HTML"]
    assert all(f.path.is_absolute() and f.path.is_file() for f in found)
    # no silent skips: every other file met is named with its reason; hidden files and the index stay out quietly
    assert [(s.path, s.reason.split(";")[0]) for s in skipped] == [("README", "unsupported type (none)"),
                                                                   ("sub/memo.xyz", "unsupported type .xyz")]


def test_discover_subfolder_keeps_corpus_relative_names(tmp_path):
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "b.md").write_text("text", encoding="utf-8")
    found, _ = discover([root / "sub"], root)
    assert [f.source for f in found] == ["sub/b.md"]
    found, _ = discover([root / "sub" / "b.md"], root)
    assert [f.source for f in found] == ["sub/b.md"]


def test_discover_skips_symlink_pointing_outside_the_root(tmp_path):
    root = tmp_path / "corpus"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.md").write_text("secret", encoding="utf-8")
    (root / "good.md").write_text("good", encoding="utf-8")
    (root / "link.md").symlink_to(outside / "secret.md")
    (root / "linkdir").symlink_to(outside, target_is_directory=True)
    (root / "inside.md").symlink_to(root / "good.md")  # a link inside the root: same file, found once
    found, skipped = discover([root], root)
    assert [f.source for f in found] == ["good.md"]
    by_path = {Path(s.path).name: s for s in skipped}
    assert set(by_path) == {"link.md", "linkdir"}
    for skip in skipped:
        assert "outside" in skip.reason and "\n" not in skip.reason


def test_discover_unsupported_suffix_given_explicitly(tmp_path):
    path = tmp_path / "report.doc"
    path.write_text("not supported", encoding="utf-8")
    found, skipped = discover([path], tmp_path)
    assert found == []
    assert len(skipped) == 1
    assert skipped[0].reason.startswith("unsupported type .doc;")
    assert all(suffix in skipped[0].reason for suffix in SUPPORTED_SUFFIXES)


def test_discover_missing_path(tmp_path):
    found, skipped = discover([tmp_path / "nope"], tmp_path)
    assert found == []
    assert [s.reason for s in skipped] == ["no such file or folder"]


def test_discover_real_corpus_loads_every_file():
    found, skipped = discover([CORPUS], CORPUS)
    assert skipped == []
    assert sorted(f.source for f in found) == sorted(p.name for p in CORPUS.glob("*.md"))
    for file in found:
        doc = load(file, MAX)
        assert doc.text.strip() and doc.metadata.get("title")


# -- chunk offsets -----------------------------------------------------------------------------------------

def test_article_chunks_have_exact_offsets_and_deterministic_distinct_ids():
    file = SourceFile(CORPUS / "article.md", "article.md")
    doc = load(file, MAX)
    first = split(doc, 800, 120)
    second = split(load(file, MAX), 800, 120)
    assert len(first) > 1
    for chunk in first:
        assert doc.text[chunk.start:chunk.end] == chunk.text
        assert 0 < len(chunk.text) <= 800
        assert chunk.source == "article.md"
        assert chunk.metadata["title"] == doc.metadata["title"]
    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)
    assert [c.start for c in first] == sorted(c.start for c in first)
    assert first[0].start <= doc.text.index("【By Observer Group")
    assert first[-1].end >= len(doc.text.rstrip())


def test_chunk_ids_change_with_source_and_settings():
    doc = load(SourceFile(CORPUS / "article.md", "article.md"), MAX)
    renamed = load(SourceFile(CORPUS / "article.md", "other.md"), MAX)
    ids = {c.id for c in split(doc, 800, 120)}
    assert ids.isdisjoint(c.id for c in split(renamed, 800, 120))
    smaller = split(doc, 400, 50)
    assert all(len(c.text) <= 400 and doc.text[c.start:c.end] == c.text for c in smaller)
    assert len(smaller) > len(ids)


def test_repeated_paragraphs_get_distinct_ids_and_exact_offsets(tmp_path):
    path = tmp_path / "repeat.md"
    path.write_text("The reservoir is at 41 percent.\n\n" * 120, encoding="utf-8")
    doc = load_file(path)
    chunks = split(doc, 200, 40)
    assert len(chunks) > 5
    assert len({c.id for c in chunks}) == len(chunks)
    assert all(doc.text[c.start:c.end] == c.text for c in chunks)
