"""The cited page of a PDF beside the answer: drawn from the file on disk by pdfium, the quote's lines highlighted,
the text panel alone when the file is gone. Real PDFs (written here, and one of the shared reports when present),
the real loader and the real child process; no index, so no model."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from assistant import Settings
from assistant.chat import page_image, render
from assistant.chat.handlers import ChatHandlers
from assistant.documents import Document
from assistant.load.loaders import SourceFile, load
from test_clean import multipage_pdf
from test_hostile import bomb_pdf

SHARED = Path(__file__).resolve().parents[2] / "shared"
POINTS = (612, 792)  # the pages multipage_pdf writes
PAGES = [
    ["Harbour survey", "The harbour master counted forty-two moorings on the north quay and a further",
     "nineteen on the south quay, most of them let for the whole season."],
    ["The dredging of the channel is planned for the autumn, when the ferries run less often,",
     "and is expected to take six weeks."],
]
QUOTE = "forty-two moorings on the north quay"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "survey.pdf").write_bytes(multipage_pdf(PAGES))
    return folder


def loaded(corpus: Path, name: str = "survey.pdf") -> Document:
    return load(SourceFile(corpus / name, name), 10**7)


def citation(document: Document, quote: str, marker: int = 1) -> dict:
    start = document.text.index(quote)
    return {"marker": marker, "source": document.source, "quote": quote, "start": start, "end": start + len(quote)}


def picture(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def test_the_page_is_drawn_at_its_size_with_the_quote_highlighted_on_its_line(corpus: Path) -> None:
    document = loaded(corpus)
    path = page_image.pdf_path(corpus, "survey.pdf")
    assert path == (corpus / "survey.pdf").resolve()
    page, part, last = page_image.quote_on_page(document, *render.quote_span(citation(document, QUOTE), document))
    assert (page, part, last) == (1, QUOTE, 1)
    marked = page_image.page_image(path, page, part)
    plain = page_image.page_image(path, page, "words that are printed nowhere on this page at all")
    assert marked.found and not plain.found and marked.pages == 2
    image = picture(marked.png)
    assert image.size == (marked.width, marked.height)
    assert abs(image.width - page_image.WIDTH) <= 1
    assert abs(image.height - image.width * POINTS[1] / POINTS[0]) <= 2  # the page's proportions

    # Only the quote's stretch of the second text line changed, and it turned yellow (white paper under it).
    scale = image.width / POINTS[0]
    blue = ImageChops.difference(image, picture(plain.png)).split()[2]  # yellow is white without its blue
    left, top, right, bottom = blue.point(lambda v: 255 if v > 60 else 0).getbbox()  # (not a palette's rounding)
    baseline = (POINTS[1] - (740 - 14)) * scale  # the second line: 14 pt below the first at 740 pt
    assert top < baseline < bottom and bottom - top < 20 * scale  # one line high, on that line
    assert 150 * scale < left < 250 * scale  # it starts at "forty-two", four words into the line
    assert right < 420 * scale  # and stops before the line does ("and a further" is not marked)
    r, g, b = image.getpixel((left + 3, top + 3))
    assert r > 200 and b < 160 and picture(plain.png).getpixel((left + 3, top + 3)) == (255, 255, 255)


def test_a_quote_over_two_pages_shows_the_first_and_says_where_it_goes_on(corpus: Path) -> None:
    document = loaded(corpus)
    quote = document.text[document.text.index("the whole season"):document.text.index("the autumn")]
    page, part, last = page_image.quote_on_page(document, *render.quote_span(citation(document, quote), document))
    assert (page, last) == (1, 2) and part.strip() == "the whole season."
    figure = ChatHandlers(Settings(corpus_dir=corpus)).page_figure(citation(document, quote), document)
    assert "<figcaption>p. 1 of " in figure and "The quote continues on p. 2." in figure
    assert "not found" not in figure


def test_the_panel_shows_the_page_above_the_text_and_only_the_text_once_the_file_is_gone(corpus: Path) -> None:
    document = loaded(corpus)
    cited = citation(document, "expected to take six weeks")
    handlers = ChatHandlers(Settings(corpus_dir=corpus))
    panel = render.passage_html(cited, document, figure=handlers.page_figure(cited, document))
    assert panel.index('<img src="data:image/png;base64,') < panel.index('<mark class="quote">')
    assert f"<figcaption>p. 2 of {document.title}</figcaption>" in panel and "p. 2</div>" in panel

    (corpus / "survey.pdf").unlink()
    assert handlers.page_figure(cited, document) == ""
    panel = render.passage_html(cited, document, figure=handlers.page_figure(cited, document))
    assert "<img" not in panel and '<mark class="quote">expected to take six weeks</mark>' in panel


def test_no_picture_for_other_documents_nor_for_a_file_that_changed(corpus: Path) -> None:
    document = loaded(corpus)
    handlers = ChatHandlers(Settings(corpus_dir=corpus))
    (corpus / "notes.md").write_text("# Notes\n\nThe dredging starts in the autumn.\n", encoding="utf-8")
    notes = loaded(corpus, "notes.md")
    assert handlers.page_figure(citation(notes, "The dredging starts"), notes) == ""
    (corpus / "survey.pdf").write_bytes(multipage_pdf(PAGES[:1]))  # one page now: not the file that was read
    assert handlers.page_figure(citation(document, QUOTE), document) == ""
    outside = Document("../survey.pdf", document.text, document.metadata)
    assert page_image.pdf_path(corpus, outside.source) is None


def test_a_quote_not_placed_on_its_page_is_said_so_under_the_picture(corpus: Path) -> None:
    document = loaded(corpus)
    changed = Document(document.source, document.text.replace("forty-two", "fifty-one"), document.metadata)
    figure = ChatHandlers(Settings(corpus_dir=corpus)).page_figure(citation(changed, "fifty-one moorings"), changed)
    assert "<img" in figure and "The quote's lines were not found on the page" in figure


def test_a_page_that_needs_more_memory_than_allowed_is_not_drawn(tmp_path: Path) -> None:
    """Drawing decodes what reading the text never does: a bomb costs the child its limit, never the server."""
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(bomb_pdf(pages=1, size=200_000_000))
    assert page_image.page_image(bomb, 1, "A", max_memory_mb=128) is None


def test_the_quote_is_found_through_the_repairs_the_reader_made() -> None:
    page = ("Harbour survey\r\nThe harbour master counted forty-two moor-\r\nings on the north quay,12 and a further "
            "nineteen\r\n")
    at = page.index("forty")
    assert page_image.find_quote(page, "Forty-two moorings on the north quay, and a") == \
        [(at, page.index(" further"))]
    assert page_image.find_quote(page, "the south quay") == []
    cells = "Port authority\r\n1962\r\nHarbour master\r\n"  # a row's cells, in another order on the page
    assert page_image.find_quote(cells, "Harbour master | Port authority") == \
        [(cells.index("Harbour"), cells.index("master") + 6), (0, len("Port authority"))]
    footnote = "12 The moorings are let by the season.\r\n"
    assert page_image.find_quote(footnote, "Footnote 12: The moorings are let") == [(0, footnote.index(" by"))]


def test_lines_merge_into_one_box_each() -> None:
    boxes = ((10, 10, 18, 22), (18, 10, 26, 22), (0, 0, 0, 0), (30, 10, 40, 22),  # one line, a gap for a space
             (10, 30, 18, 42), (18, 30, 26, 42))  # the next line
    assert page_image.line_boxes(boxes, 0, 6) == [(10, 10, 40, 22), (10, 30, 26, 42)]
    assert page_image.line_boxes(boxes, 1, 2) == [(18, 10, 26, 22)]


def test_drawing_is_imported_only_when_a_page_is_drawn() -> None:
    code = ("import sys, assistant.chat.page_image, assistant.cli\n"
            "assert not {'pypdfium2', 'PIL'} & set(sys.modules), sorted({'pypdfium2', 'PIL'} & set(sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_a_page_of_a_shared_report() -> None:
    folder = SHARED / "corpora" / "reports"
    reports = sorted(folder.glob("*.pdf")) if folder.is_dir() else []
    if not reports:
        pytest.skip(f"{folder} is absent (the shared corpora are not part of a fresh clone)")
    document = load(SourceFile(reports[0], reports[0].name), 10**9)
    middle = document.metadata["pages"][len(document.metadata["pages"]) // 2]
    start = document.text.index(". ", middle) + 2
    end = document.text.index(". ", start + 80) + 1
    page, part, _ = page_image.quote_on_page(document, start, end)
    drawn = page_image.page_image(reports[0], page, part)
    assert drawn.found and drawn.pages == len(document.metadata["pages"])
