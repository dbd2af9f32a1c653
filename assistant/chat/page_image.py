"""The cited page of a PDF as a picture for the source panel, with the quote's lines highlighted.

The page is drawn by pdfium (pypdfium2, the library the loader already reads PDFs with: prebuilt wheels, about
50 ms a page) in a child process (``_page_child``, about 0.1 s to start) under the limits PDF parsing has: a PDF
whose text was read cleanly may still hold an image that decompresses into gigabytes, and only drawing decodes it.
The child returns the page as a PNG and the box of each character. The quote is found among those characters here,
compared on letters and digits alone (the stored text had hyphenated words joined, lines rejoined and footnote marks
removed); its lines are then painted over like a highlighter. Drawn pages are kept in a small LRU keyed by file,
modification time and page (a page that could not be drawn too: a bomb is not tried again on every click).
pdfium runs in the child only and PIL is imported when a page is painted, so nothing here slows a start.

A table's record ("Row group › Row › Column: value (unit)", ``load.readers.tables``) is printed nowhere as such:
its row name, column header and value are separate cells. It is placed by its value (a number compared character
for character, a text on its letters) printed on the line of the row name, right of it: of the same number printed
elsewhere on the page, that one; the value and the row name are highlighted. A row printing the value twice ("92
92 92") is told apart by the column's name printed above one of them. A value printed once on the page, beside no
name of the record, is highlighted alone; anything else is not placed (the page is shown unmarked, and says so).
"""

from __future__ import annotations

import base64
import bisect
import io
import json
import logging
import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from ..documents import Document
from ..load.readers.tables import PATH_SEPARATOR, is_blank_mark, is_numeric, is_year

logger = logging.getLogger(__name__)

WIDTH = 900  # pixels across a drawn page
CACHED_PAGES = 16
MIN_PIECE = 8  # letters a table cell or line needs to be looked for on its own
ANCHOR = 40  # letters at each end of a quote that place it when the whole does not match letter for letter
HIGHLIGHT = (255, 227, 110)  # multiplied over the page: white paper turns yellow, black print stays black
PAD = 2  # pixels around each highlighted line
PALETTE = 256  # colours of the PNG sent to the browser
FOOTNOTE_LABEL = re.compile(r"(?m)^Footnote (\d+): ")  # the reader's label of a footnote line (``pdf_layout``): the
                                                       # page prints the number alone

DASHES = "-\u2212\u2013\u2014"  # a minus sign as a page may print it
Box = tuple[int, int, int, int]  # left, top, right, bottom in pixels
Span = tuple[int, int]  # [start, end) in a page's text


@dataclass(frozen=True)
class DrawnPage:
    """A page as the child drew it: the PNG, the page's characters and the box of each (zeros: none)."""

    png: bytes
    pages: int  # how many pages the PDF has
    text: str
    boxes: tuple[Box, ...]


@dataclass(frozen=True)
class PageImage:
    """A page with a quote highlighted (``found``) or, when its position was not found, as drawn."""

    png: bytes
    width: int
    height: int
    pages: int
    found: bool


def pdf_path(corpus_dir: Path, source: str) -> Path | None:
    """The PDF file a document was read from (its source is its path in the corpus), or None when it is not a PDF,
    lies outside the corpus, or is gone."""
    root = Path(corpus_dir).resolve()
    path = (root / source).resolve()
    if path.suffix.lower() != ".pdf" or root not in path.parents or not path.is_file():
        return None
    return path


def quote_on_page(document: Document, start: int, end: int) -> tuple[int, str, int]:
    """The PDF page (1-based) ``document.text[start:end]`` begins on, the part of it printed there, and the last page
    it reaches. ``(0, "", 0)`` for a document without a page map."""
    pages = document.metadata.get("pages") or []
    if not pages:
        return 0, "", 0
    first = bisect.bisect_right(pages, start)
    last = bisect.bisect_right(pages, max(start, end - 1))
    stop = pages[first] if first < len(pages) else len(document.text)
    return first, document.text[start:min(end, stop)], last


def page_image(path: Path, page: int, quote: str, *, timeout: float = 30.0,
               max_memory_mb: int = 1024) -> PageImage | None:
    """Page ``page`` (1-based) of the PDF at ``path`` with ``quote``'s lines highlighted where they are found; None
    when the file is gone or the page cannot be drawn within the limits."""
    try:
        stat = path.stat()
    except OSError:
        return None
    drawn = _drawn(str(path), stat.st_mtime_ns, stat.st_size, page, timeout, max_memory_mb)
    if drawn is None:
        return None
    lines = [box for start, end in find_quote(drawn.text, quote, drawn.boxes)
             for box in line_boxes(drawn.boxes, start, end)]
    png = highlight(drawn.png, lines)
    width, height = _size(png)
    return PageImage(png, width, height, drawn.pages, bool(lines))


@lru_cache(maxsize=CACHED_PAGES)
def _drawn(path: str, mtime_ns: int, size: int, page: int, timeout: float, max_memory_mb: int) -> DrawnPage | None:
    """The child's drawing of a page (cached: a changed file has another mtime or size, so another key)."""
    child = Path(__file__).with_name("_page_child.py")
    try:
        done = subprocess.run([sys.executable, "-I", str(child), str(max_memory_mb), path, str(page), str(WIDTH)],
                              capture_output=True, timeout=timeout, check=False)
        out = json.loads(done.stdout or b"null")
    except (subprocess.TimeoutExpired, ValueError, OSError) as exc:
        logger.warning("page %d of %s was not drawn (%s)", page, path, type(exc).__name__)
        return None
    if not isinstance(out, dict) or "png" not in out:
        logger.warning("page %d of %s was not drawn (%s)", page, path,
                       out.get("error") if isinstance(out, dict) else f"exit code {done.returncode}")
        return None
    return DrawnPage(base64.b64decode(out["png"]), int(out["pages"]), str(out["text"]),
                     tuple(tuple(int(v) for v in box) for box in out["boxes"]))


def _letters(text: str, digits: bool = True) -> tuple[str, list[int]]:
    """The letters (and digits) of ``text``, case-folded and NFKC-normalised (a ligature is its letters), with the
    index in ``text`` each comes from."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).casefold():
            if c.isalpha() or (digits and c.isalnum()):
                out.append(c)
                where.append(i)
    return "".join(out), where


def find_quote(page_text: str, quote: str, boxes: Sequence[Box] = ()) -> list[Span]:
    """The spans ``[start, end)`` of ``page_text`` that print ``quote``: one span of its letters and digits in a row,
    else of its letters alone (the page prints footnote marks the stored text left out), else from its first to its
    last ``ANCHOR`` letters (a running line or a figure between them); else one span per table cell or line of it
    (the reader joined a row's cells, which the page may hold in another order). A quote holding table records is
    placed line by line instead: each record by its value and row name (``find_record``, with ``boxes``, the box of
    each character of the page), each other line by its letters. Empty when it is not there."""
    quote = FOOTNOTE_LABEL.sub(r"\1 ", quote)
    if any(parse_record(line) for line in quote.split("\n")):
        return _find_records(page_text, quote, boxes)  # (its letters alone would be its names without the value)
    whole = _find(page_text, quote)
    if whole:
        return [whole]
    pieces = [p for p in re.split(r" \| |\n", quote) if len(_letters(p)[0]) >= MIN_PIECE]
    if len(pieces) < 2:
        return []
    spans = [_find(page_text, piece, anchored=False) for piece in pieces]
    return [span for span in spans if span] if all(spans) else []


def _find(page_text: str, quote: str, anchored: bool = True) -> tuple[int, int] | None:
    for digits in (True, False):
        page, where = _letters(page_text, digits)
        want, _ = _letters(quote, digits)
        at = page.find(want) if want else -1
        if at != -1:
            return where[at], where[at + len(want) - 1] + 1
    return _anchored(page, where, want) if anchored else None


def _anchored(page: str, where: list[int], want: str) -> tuple[int, int] | None:
    """The span from the first ``ANCHOR`` letters of ``want`` in ``page`` to its last ones, if they lie close
    enough (``where``: each letter's index in the page text)."""
    if len(want) <= ANCHOR:
        return None
    head, tail = want[:ANCHOR], want[-ANCHOR:]
    reach = 2 * len(want) + 200  # how far apart the anchors may be, in letters
    at = page.find(head)
    while at != -1:
        last = page.find(tail, at + min(ANCHOR, len(want) - ANCHOR), at + reach)
        if last != -1:
            return where[at], where[last + ANCHOR - 1] + 1
        at = page.find(head, at + 1)
    return None


def _find_records(page_text: str, quote: str, boxes: Sequence[Box]) -> list[Span]:
    """The spans of a quote holding records: each record's (``find_record``) and each other line's long enough to
    be looked for; empty when any of them is not placed (a part highlighted alone would pass for the quote)."""
    spans: list[Span] = []
    for line in quote.split("\n"):
        record = parse_record(line)
        if record is not None:
            found = find_record(page_text, boxes, *record)
        elif len(_letters(line)[0]) >= MIN_PIECE:
            span = _find(page_text, line, anchored=False)
            found = [span] if span else []
        else:
            continue
        if not found:
            return []
        spans += found
    return spans


def parse_record(line: str) -> tuple[list[str], str] | None:
    """A record line's path (its names: row group, row, column) and its value without the table's unit ("902" of
    "Birch › 2024: 902 (in millions of dollars)"); None for a line that is no record. A name never holds ": "
    (``tables._label``), so the first one ends the path."""
    head, colon, value = line.strip().partition(": ")
    if not colon or PATH_SEPARATOR not in head or not value.strip():
        return None
    path = [name for name in (n.strip() for n in head.split(PATH_SEPARATOR.strip())) if name]
    number = value.split(" (", 1)[0].strip()
    return (path, number if is_numeric(number) else value.strip()) if path else None  # a unit follows a number only


def find_record(page_text: str, boxes: Sequence[Box], path: Sequence[str], value: str) -> list[Span]:
    """Where a record is printed: its value cell and the name of its path printed on the value's line, left of it
    (the row name: the names are tried from the row's, a column's name last); the value under the column's name
    when several cells beside the name hold it (``_under_column``). Else the value alone when the page prints it
    once; else nothing (the caller shows the page unmarked)."""
    values = _value_spans(page_text, value)
    for k in [*range(len(path) - 2, -1, -1), len(path) - 1]:
        pairs = _pairs_on_a_line(page_text, boxes, path[k], values)
        cells = sorted(pairs)
        if len(cells) > 1 and k + 1 < len(path):
            cells = _under_column(page_text, boxes, path[k + 1], cells)
        if len(cells) == 1:
            return [pairs[cells[0]], cells[0]]
    return values if len(values) == 1 else []


def _pairs_on_a_line(page_text: str, boxes: Sequence[Box], name: str, values: Sequence[Span]) -> dict[Span, Span]:
    """Each value cell with ``name`` printed on its line left of it: the printing nearest it (a table set twice
    side by side prints its row names twice), in the first way of printing the name that gives any."""
    for printed in _printed_names(name):
        names = [(box, at) for at in _word_spans(page_text, printed) if (box := _extent(boxes, at))]
        pairs: dict[Span, Span] = {}
        for cell in values:
            beside = [(box[2], at) for box, at in names if _beside(boxes, at, cell)]
            if beside:
                pairs[cell] = max(beside)[1]
        if pairs:
            return pairs
    return {}


def _printed_names(name: str) -> list[str]:
    """How a path's name may be printed: as it is, or a row name that is a number alone ("2020" of "Fiscal Year
    2020": the records give such a name after the first column's header)."""
    words = name.split()
    return [name, words[-1]] if len(words) > 1 and (is_numeric(words[-1]) or is_year(words[-1])) else [name]


def _value_spans(page_text: str, value: str) -> list[Span]:
    """Every cell of the page that prints ``value``: a number, blank mark or band (no letters) character for
    character, after a space and not followed by more of a number ("902" is not in "1,902", "-902", "(902)" or
    "$902", "10" not in "10-100", "5" not in "5%"), a minus sign as any dash; a text on its letters, as whole words."""
    if not (is_numeric(value) or is_blank_mark(value) or not any(c.isalpha() for c in value)):
        return _word_spans(page_text, value)
    dash = re.escape(DASHES)  # (inside a character class, "-" would make a range)
    body = "".join(f"[{dash}]" if c in DASHES else re.escape(c) for c in value)
    joined = rf"[.,/{dash}]\d"  # a decimal point, thousands comma, range or fraction going on
    pattern = rf"(?<!\S)(?:{body})(?![\w%]|{joined})"
    return [(m.start(), m.end()) for m in re.finditer(pattern, page_text)]


def _word_spans(page_text: str, text: str) -> list[Span]:
    """Every span of the page printing ``text``'s letters and digits in a row (across lines and hyphens), starting
    and ending at a word's edge ("Low" in "Very Low", not in "Lower")."""
    page, where = _letters(page_text)
    want, _ = _letters(text)
    spans: list[Span] = []
    at = page.find(want) if want else -1
    while at != -1:
        start, end = where[at], where[at + len(want) - 1] + 1
        if not (start and page_text[start - 1].isalnum()) and not (end < len(page_text) and page_text[end].isalnum()):
            spans.append((start, end))
        at = page.find(want, at + 1)
    return spans


def _extent(boxes: Sequence[Box], span: Span) -> Box | None:
    """The box around a span's printed lines; None when none of its characters has a box."""
    lines = line_boxes(tuple(boxes), *span)
    if not lines:
        return None
    return (min(b[0] for b in lines), min(b[1] for b in lines), max(b[2] for b in lines), max(b[3] for b in lines))


def _beside(boxes: Sequence[Box], name: Span, value: Span) -> bool:
    """Whether a name is printed on a value's line (the middle of either within the other's height: a row name
    over two lines, its numbers set beside one of them or between) and left of it."""
    a, b = _extent(boxes, name), _extent(boxes, value)
    if a is None or b is None:
        return False
    on_line = a[1] <= (b[1] + b[3]) / 2 <= a[3] or b[1] <= (a[1] + a[3]) / 2 <= b[3]
    return on_line and a[2] <= b[0]


def _under_column(page_text: str, boxes: Sequence[Box], column: str, cells: Sequence[Span]) -> list[Span]:
    """Of several cells holding a value, the one set under the column's name: the longest ending of the name's
    words printed above a cell ("Percentage Change" of "FY2025-FY2026 Request Percentage Change": the header row
    nearest the body), a cell of its own rather than inside a longer one ("FY2022", not "(FY2022-FY2026)"), and
    the cell nearest across to it where it is printed nearest above (``_gap_below``); a shorter ending when two
    cells are as near. All the cells when no ending tells one."""
    extents = [(cell, box) for cell, box in ((cell, _extent(boxes, cell)) for cell in cells) if box]
    words = column.split()
    for k in range(len(words)):
        spans = _word_spans(page_text, " ".join(words[k:]))
        alone = [(a, b) for a, b in spans if page_text[a - 1:a].strip() == "" and page_text[b:b + 1].strip() == ""]
        heads = [head for head in (_extent(boxes, span) for span in alone or spans) if head]
        gaps = sorted((gap, cell) for gap, cell in ((_gap_below(heads, box), cell) for cell, box in extents)
                      if gap is not None)
        if gaps and (len(gaps) == 1 or gaps[0][0] < gaps[1][0]):
            return [gaps[0][1]]
    return list(cells)


def _gap_below(heads: Sequence[Box], box: Box) -> int | None:
    """How far across from ``box`` the heads printed nearest above it are (the header row, not a caption naming the
    same year); None when none is above it or those are more than a line's height away across (over another
    column, or a row name of the row above)."""
    above = [head for head in heads if head[3] <= box[1]]
    if not above:
        return None
    nearest = max(head[3] for head in above)
    gap = min(_gap(head, box) for head in above if head[3] >= nearest - (box[3] - box[1]))
    return gap if gap <= box[3] - box[1] else None


def _gap(a: Box, b: Box) -> int:
    """The distance across between two boxes (0 when one is above the other)."""
    return max(a[0] - b[2], b[0] - a[2], 0)


def line_boxes(boxes: tuple[Box, ...], start: int, end: int) -> list[Box]:
    """One box per printed line (or column cell) of the characters ``start:end``: neighbours on the same line merge."""
    lines: list[list[int]] = []
    for left, top, right, bottom in boxes[start:end]:
        if right <= left or bottom <= top:
            continue
        if lines:
            line = lines[-1]
            height = max(line[3] - line[1], 1)
            same_line = line[1] <= (top + bottom) / 2 <= line[3]
            if same_line and line[2] - height <= left <= line[2] + 3 * height:
                line[:] = [min(line[0], left), min(line[1], top), max(line[2], right), max(line[3], bottom)]
                continue
        lines.append([left, top, right, bottom])
    return [(a, b, c, d) for a, b, c, d in lines]


def highlight(png: bytes, lines: list[Box]) -> bytes:
    """The PNG with each box painted over by the highlighter colour (multiplied, so the print stays legible), saved
    with a 256-colour palette (a quarter of the bytes of full colour, sent with every click)."""
    from PIL import Image, ImageChops, ImageDraw

    page = Image.open(io.BytesIO(png)).convert("RGB")
    marker = Image.new("RGB", page.size, "white")
    draw = ImageDraw.Draw(marker)
    for left, top, right, bottom in lines:
        draw.rectangle((left - PAD, top - PAD, right + PAD, bottom + PAD), fill=HIGHLIGHT)
    out = io.BytesIO()
    ImageChops.multiply(page, marker).quantize(PALETTE).save(out, "PNG")
    return out.getvalue()


def _size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
