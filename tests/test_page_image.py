"""The cited page of a PDF beside the answer: drawn from the file on disk by pdfium, the quote's lines highlighted,
the text panel alone when the file is gone; a table's record marked at its value and row name. Real PDFs (written
here, and shared reports when present), the real loader and the real child process; no index, so no model."""

from __future__ import annotations

import io
import re
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
from test_pdf_tables import positioned_pdf, right

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


# -- table records -------------------------------------------------------------------------------------------------
# A table is stored as records ("Birch › 2024: 902 (in millions of dollars)"), printed nowhere as such: the row
# name, the column's name and the value are cells apart. The record is placed by its value on the row name's line.

SEP = " \u203a "
UNIT = " (in millions of dollars)"
ROWS = [("Alder", "1,204", "1,230"), ("Birch", "877", "902"), ("Cedar", "902", "2,295"), ("Dorn", "515", "515")]


def row_y(k: int) -> float:
    return 580 - 16 * k  # the baseline of body row k (PDF points), 16 pt apart


@pytest.fixture
def tables(tmp_path: Path) -> Path:
    """A page with a prose line mentioning 902, then a table printing 902 twice more and 515 twice in a row."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    cells = [(72, 660, 11, "Of the 902 bridges inspected in the three counties, most were found sound."),
             (72, 620, 11, "Table 1. Bridge spending by county" + UNIT),
             (72, 596, 9, "County"), (300, 596, 9, "2023"), (380, 596, 9, "2024")]
    for k, (name, a, b) in enumerate(ROWS):
        cells += [(72, row_y(k), 9, name), (right(322, a), row_y(k), 9, a), (right(402, b), row_y(k), 9, b)]
    (folder / "bridges.pdf").write_bytes(positioned_pdf([cells]))
    return folder


def marks(marked: bytes, plain: bytes) -> Image.Image:
    """The pixels the highlighter turned yellow (white without its blue), as a black and white mask."""
    blue = ImageChops.difference(picture(marked), picture(plain)).split()[2]
    return blue.point(lambda v: 255 if v > 60 else 0)


def test_a_record_is_highlighted_at_its_value_and_row_name_not_at_the_same_number_elsewhere(tables: Path) -> None:
    document = loaded(tables, "bridges.pdf")
    record = f"Birch{SEP}2024: 902{UNIT}"
    assert record in document.text and "Birch 877 902" not in document.text  # stored as a record
    path = page_image.pdf_path(tables, "bridges.pdf")
    page, part, _ = page_image.quote_on_page(document, *render.quote_span(citation(document, record), document))
    marked = page_image.page_image(path, page, part)
    plain = page_image.page_image(path, page, "words that are printed nowhere on this page at all")
    assert marked.found and not plain.found
    scale = marked.width / POINTS[0]
    mask = marks(marked.png, plain.png)
    left, top, right_, bottom = mask.getbbox()
    baseline = (POINTS[1] - row_y(1)) * scale
    assert top < baseline < bottom and bottom - top < 16 * scale  # Birch's row alone (not the prose, not Cedar's)
    assert abs(left - 72 * scale) < 4 and abs(right_ - 402 * scale) < 4  # from "Birch" to the 2024 column's 902
    # the row name and the value, not the row: nothing between them (877 in the 2023 column) is marked
    assert mask.crop((int(110 * scale), int(top), int(370 * scale), int(bottom))).getbbox() is None
    assert mask.crop((int(380 * scale), int(top), int(402 * scale), int(bottom))).getbbox() is not None


def test_a_value_printed_twice_on_its_row_is_told_apart_by_its_column(tables: Path) -> None:
    document = loaded(tables, "bridges.pdf")
    text = document.text
    page_text, boxes = _drawn_page(tables / "bridges.pdf")
    dorn = text[text.index(f"Dorn{SEP}2024: 515"):].split("\n")[0]
    spans = page_image.find_quote(page_text, dorn, boxes)
    assert [page_text[a:b] for a, b in spans] == ["Dorn", "515"]
    row = page_text.index("Dorn 515 515")
    assert spans[1][0] == row + len("Dorn 515 ")  # the second 515, under "2024"
    first = page_image.find_quote(page_text, f"Dorn{SEP}2023: 515{UNIT}", boxes)
    assert first[1][0] == row + len("Dorn ")


def test_a_record_without_its_row_name_is_placed_by_a_value_printed_once_else_not_at_all(tables: Path) -> None:
    page_text, boxes = _drawn_page(tables / "bridges.pdf")
    once = page_image.find_quote(page_text, f"Elm{SEP}2024: 1,230{UNIT}", boxes)
    assert [page_text[a:b] for a, b in once] == ["1,230"]  # printed once on the page: the value alone
    assert page_image.find_quote(page_text, f"Elm{SEP}2024: 902{UNIT}", boxes) == []  # three 902s: none is it
    assert page_image.find_quote(page_text, f"Elm{SEP}2024: 90{UNIT}", boxes) == []  # no "90" of "902"
    document = loaded(tables, "bridges.pdf")
    changed = Document(document.source, document.text.replace(f"Birch{SEP}2024: 902", f"Elm{SEP}2024: 902"),
                       document.metadata)
    figure = ChatHandlers(Settings(corpus_dir=tables)).page_figure(citation(changed, f"Elm{SEP}2024: 902"), changed)
    assert "<img" in figure and "The quote's lines were not found on the page" in figure


def test_a_record_line_is_read_into_its_path_and_value() -> None:
    assert page_image.parse_record(f"Imports{SEP}Copper{SEP}2023: 1,040{UNIT}") == (["Imports", "Copper", "2023"],
                                                                                  "1,040")
    assert page_image.parse_record(f"High{SEP}Description: Error (or accident), likely.") == (
        ["High", "Description"], "Error (or accident), likely.")  # a unit follows numbers only
    assert page_image.parse_record("Nevada: 2.0%") is None and page_image.parse_record("Harbour survey") is None


def _drawn_page(path: Path, page: int = 1) -> tuple[str, tuple]:
    """The page's text and its characters' boxes, as the child drew them."""
    stat = path.stat()
    drawn = page_image._drawn(str(path), stat.st_mtime_ns, stat.st_size, page, 30.0, 1024)
    return drawn.text, drawn.boxes


@pytest.mark.parametrize("record, row", [
    # "0" is printed some thirty times on the page, twice on this row: the Dollar Change column's
    (f"Department of State{SEP}FY2025-FY2026 Request Dollar Change: 0", "Department of State 92 92 92 0 0"),
    # a row name over two lines, its numbers beside the first
    (f"Department of Defense-Military Programs{SEP}FY2025-FY2026 Request Dollar Change: 21,012",
     "101,308 91,865 112,877 21,012 22.9%"),
])
def test_a_record_of_a_shared_report_is_highlighted_on_its_row(record: str, row: str) -> None:
    reports = sorted((SHARED / "corpora" / "reports").glob("crs-R48694*.pdf"))
    if not reports:
        pytest.skip(f"{SHARED / 'corpora' / 'reports'} is absent (the shared corpora are not part of a fresh clone)")
    document = load(SourceFile(reports[0], reports[0].name), 10**9)
    start = document.text.index(record)
    page, part, _ = page_image.quote_on_page(document, start, document.text.index("\n", start))
    marked = page_image.page_image(reports[0], page, part)
    plain = page_image.page_image(reports[0], page, "words that are printed nowhere on this page at all")
    assert page == 13 and marked.found and not plain.found

    # where the page prints the row's value: its cell in the text pdfium reads off the page (cells left to right)
    page_text, boxes = _drawn_page(reports[0], page)
    number = record.rsplit(": ", 1)[1]
    at = page_text.index(row) + row.index(f" {number} ") + 1
    value = page_image.line_boxes(boxes, at, at + len(number))[0]
    first = page_text.index(row) + re.search(r"\d", row).start()  # the row's first number (FY2024)
    fy2024 = page_image.line_boxes(boxes, first, page_text.index(" ", first))[0]
    mask = marks(marked.png, plain.png)
    left, top, right_, bottom = mask.getbbox()
    assert top <= value[1] and value[3] <= bottom  # the value's row ...
    assert bottom - top < 3 * (value[3] - value[1])  # ... alone (the row name's two lines at most)
    assert left < marked.width * 0.25 and abs(right_ - value[2]) <= page_image.PAD + 1  # from the row name to it
    assert mask.crop(value).getbbox() is not None  # the value is marked
    assert mask.crop((value[2] + 10, top, marked.width, bottom)).getbbox() is None  # the next column's is not
    assert mask.crop(fy2024).getbbox() is None  # nor are the cells between the row name and it
