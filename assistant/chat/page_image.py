"""The cited page of a PDF as a picture for the source panel, with the quote's lines highlighted.

The page is drawn by pdfium (pypdfium2, the library the loader already reads PDFs with: prebuilt wheels, about
50 ms a page) in a child process (``_page_child``, about 0.1 s to start) under the limits PDF parsing has: a PDF
whose text was read cleanly may still hold an image that decompresses into gigabytes, and only drawing decodes it.
The child returns the page as a PNG and the box of each character. The quote is found among those characters here,
compared on letters and digits alone (the stored text had hyphenated words joined, lines rejoined and footnote marks
removed); its lines are then painted over like a highlighter. Drawn pages are kept in a small LRU keyed by file,
modification time and page (a page that could not be drawn too: a bomb is not tried again on every click).
pdfium runs in the child only and PIL is imported when a page is painted, so nothing here slows a start.
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

from ..documents import Document

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

Box = tuple[int, int, int, int]  # left, top, right, bottom in pixels


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
    lines = [box for start, end in find_quote(drawn.text, quote) for box in line_boxes(drawn.boxes, start, end)]
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


def find_quote(page_text: str, quote: str) -> list[tuple[int, int]]:
    """The spans ``[start, end)`` of ``page_text`` that print ``quote``: one span of its letters and digits in a row,
    else of its letters alone (the page prints footnote marks the stored text left out), else from its first to its
    last ``ANCHOR`` letters (a running line or a figure between them); else one span per table cell or line of it
    (the reader joined a row's cells, which the page may hold in another order). Empty when it is not there."""
    quote = FOOTNOTE_LABEL.sub(r"\1 ", quote)
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
