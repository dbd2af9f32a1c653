"""PDF pages laid out as read: positioned text fragments (from ``_pdf_child``) into each page's paragraphs.

Per document:

- running headers and footers: one of the outermost lines of a page (in its top or bottom band) whose text, digits
  aside, recurs so on ``RUNNING_SHARE`` of the pages, or a bare page number there, and a line printed word for word
  anywhere on half of the pages, is left out of the body; the page number it prints becomes the page's printed
  label;
- the body font size is the size most characters are set in; a run of smaller lines at the page foot that starts
  with a number is the page's footnotes, each kept as a line of its own ("Footnote 12: ...");
- reading order: a vertical gutter splits a page into two columns read one after the other when both hold prose;
  a narrow side column (margin headings, a sidebar) is read a block at a time beside the main column; table cells
  on one row are joined by " | ";
- tables: a table of numbers found in the page's rows as laid out (``pdf_tables.find_tables``) is taken out of the
  rows as read and stored as records (``tables.records``: "Row › Column: value", the caption's unit after each
  number) where its first row was, after its caption; every other line reads as it did;
- lines are joined into paragraphs by vertical gaps, font-size changes, indents and bullets (private-use bullet
  glyphs become "- " items); a word hyphenated at a line end is joined by ``join_hyphenated``, which reads the
  document's own vocabulary.

Pages are classified as cover, contents or disclaimer (``front_matter_kind``) so that the answerer can leave them
out; a contents line with dot leaders is marked wherever it is.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

from .pdf_tables import Cell, Line, Table, find_tables
from .tables import PATH_SEPARATOR, caption_unit, records

RUNNING_SHARE = 0.3  # a top/bottom band line recurring on this share of pages is a running header or footer
ANYWHERE_SHARE = 0.5  # ... and one recurring anywhere on the page on this share
BAND = 0.1  # the top and bottom bands: this share of the page height
SUP_START, SUP_END = "\x1e", "\x1f"  # a footnote mark, as the child wraps it
CUT_MARK = "\x1d"  # a wide gap inside a fragment, as the child marks it
FOOTNOTE_SIZE = 0.92  # footnote lines are set smaller than this share of the body size
PARAGRAPH_GAP = 0.6  # a vertical gap over this many font sizes between two lines starts a paragraph
CELL_GAP = 1.5  # a horizontal gap over this many font sizes between two fragments on a row separates table cells
FINE_GAP = 0.5  # ... and in a table's header, where labels are set closer (the child marks gaps over an em in a
#                 fragment: a word space is a third of an em)

_PAGE_NUMBER = re.compile(r"^(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s+of\s+\d{1,4})?$", re.I)
_LABEL_AFTER_PAGE = re.compile(r"\bpage\s+(\d{1,4}|[ivxlcdm]{1,7})\b", re.I)
_LABEL_AT_EDGE = re.compile(r"^(\d{1,4}|[ivxlcdm]{1,7})\s|\s(\d{1,4}|[ivxlcdm]{1,7})$")
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}\s*\S{0,12}$|\u2026{2,}")
_CONTENTS_TITLE = re.compile(r"^(?:table\s+of\s+)?contents$", re.I)
_DISCLAIMER_TITLE = re.compile(r"^(?:disclaimer|copyright(?:\s+notice)?|notices?)$", re.I)
_BULLET = re.compile(r"^[\ue000-\uf8ff\u2022\u25aa\u25cf\u25a0\u25e6\u2023\u2043\u00b7]\s*")
_PRIVATE = re.compile(r"[\ue000-\uf8ff]")
_SUPERSCRIPT = re.compile(SUP_START + r"[^" + SUP_END + r"]*(?:" + SUP_END + r"|$)")
# a note number: at most three digits, not the start of a longer number (a year, "50,000" at a page foot)
_FOOTNOTE_START = re.compile(r"^" + SUP_START + r"?(\d{1,3})(?![\d,.]?\d)" + SUP_END + r"?\s*(?=\S)")
_WORD = re.compile(r"[^\W\d_]+", re.U)
_HYPHENATED = re.compile(r"(?<![^\W\d_])[^\W\d_]+(?:-[^\W\d_]+)+", re.U)  # starts at a word start: linear
_LINE_END_HYPHEN = "-\u00ad\ufffe\u2010"
_OPEN_END = re.compile(r"[^.!?:;\"\u201d)\]]$")


@dataclass
class Fragment:
    """A run of text on one line of a page: its box (points, from the page top) and font size."""

    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    text: str
    cuts: tuple[tuple[int, float, float], ...] = ()  # (offset in text, left, right) of each wide gap inside it

    def pieces(self) -> list[tuple[float, float, str]]:
        """The fragment cut at its wide gaps (``_pdf_child.CUT``): ``(x0, x1, text)`` of each piece."""
        out = []
        start, left = 0, self.x0
        for offset, gap_left, gap_right in self.cuts:
            out.append((left, gap_left, self.text[start:offset].strip()))
            start, left = offset, gap_right
        out.append((left, self.x1, self.text[start:].strip()))
        return [piece for piece in out if piece[2]]


@dataclass
class Row:
    """Fragments on one visual line, left to right."""

    parts: list[Fragment]
    starts_block: bool = False  # the first row of a side block or of the main block it was put before

    @property
    def top(self) -> float:
        return min(f.top for f in self.parts)

    @property
    def bottom(self) -> float:
        return max(f.bottom for f in self.parts)

    @property
    def x0(self) -> float:
        return min(f.x0 for f in self.parts)

    @property
    def x1(self) -> float:
        return max(f.x1 for f in self.parts)

    @property
    def size(self) -> float:
        return max(self.parts, key=lambda f: len(f.text)).size

    def cells(self) -> list[str]:
        """The row's text cut into cells where a wide gap separates fragments."""
        return [text for _, _, text in self.spans()]

    def spans(self, fine: bool = False) -> list[tuple[float, float, str]]:
        """The row's cells with their left and right edges; ``fine``: cut at gaps over ``FINE_GAP`` too, between
        fragments and inside them (labels of a table's header set close together)."""
        size = self.size
        parts = [(x0, x1, f.size, SUP_START + text + SUP_END if text.isdigit() and f.size < 0.8 * size else text, k > 0)
                 for f in self.parts for k, (x0, x1, text) in enumerate(f.pieces() if fine else [(f.x0, f.x1, f.text)])]
        cells = [[parts[0][0], parts[0][1], parts[0][3]]]
        for before, after in zip(parts, parts[1:]):
            gap = after[0] - before[1]
            if after[4] or gap > (FINE_GAP if fine else CELL_GAP) * max(before[2], after[2], 4.0):
                cells.append([after[0], after[1], after[3]])
                continue
            if 0 <= gap < 0.1 * after[2] and not after[3].startswith(SUP_START):
                cells[-1][2] += after[3]
            else:
                cells[-1][2] += " " + after[3]
            cells[-1][1] = max(cells[-1][1], after[1])
        return [(x0, x1, text) for x0, x1, text in cells]

    def text(self) -> str:
        return " ".join(self.cells())


@dataclass
class Page:
    """One page as read: body paragraphs, footnotes, its printed label and its front-matter kind."""

    paragraphs: list[str] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)
    label: str | None = None
    kind: str = ""  # "cover", "contents", "disclaimer" or "" (body)
    marked: set[int] = field(default_factory=set)  # paragraphs that are no body: dot-leader lines, a disclaimer


def fragments(raw: list[list]) -> list[Fragment]:
    """Fragments from the child's ``[x0, top, x1, bottom, size, text]`` lists (empty ones dropped); the marks of
    wide gaps in a fragment's text (a seventh element gives their edges) become its ``cuts``."""
    out = []
    for x0, top, x1, bottom, size, text, *more in raw:
        marked = str(text)
        text = marked.replace(CUT_MARK, "")
        if text.replace(SUP_START, "").replace(SUP_END, "").strip():
            offsets = [at - k for k, at in enumerate(m.start() for m in re.finditer(CUT_MARK, marked))]
            edges = more[0] if more and isinstance(more[0], list) else []
            cuts = tuple((at, float(a), float(b)) for at, (a, b) in zip(offsets, edges))
            out.append(Fragment(float(x0), float(top), float(x1), float(bottom), float(size), text, cuts))
    return out


def rows(frags: list[Fragment]) -> list[Row]:
    """Fragments grouped into visual lines (they overlap vertically by half the smaller height), top to bottom."""
    out: list[Row] = []
    for frag in sorted(frags, key=lambda f: (f.top, f.x0)):
        for row in reversed(out[-4:]):
            if _same_row(row, frag):
                row.parts.append(frag)
                row.parts.sort(key=lambda f: f.x0)
                break
        else:
            out.append(Row([frag]))
    out.sort(key=lambda r: (r.top, r.x0))
    return out


def _same_row(row: Row, frag: Fragment) -> bool:
    """``frag`` overlaps, by half its height, a fragment of the row of a like height (a tall logo beside two lines
    of text does not join them)."""
    height = max(frag.bottom - frag.top, 0.1)
    similar = [g for g in row.parts if max(height, g.bottom - g.top) <= 1.8 * min(height, max(g.bottom - g.top, 0.1))]
    for g in similar or row.parts:
        overlap = min(g.bottom, frag.bottom) - max(g.top, frag.top)
        if overlap > 0.5 * min(height, max(g.bottom - g.top, 0.1)):
            return True
    return False


def running_key(text: str) -> str:
    """A line's text with digits and roman page numbers masked: equal on every page a running line is on."""
    text = _SUPERSCRIPT.sub("", text).lower()
    text = re.sub(r"\d+", "#", text)
    text = re.sub(r"\b[ivxlcdm]{1,7}\b$|^[ivxlcdm]{1,7}\b", "#", text)
    return " ".join(text.split())


def _exact(text: str) -> str:
    """A line's text as printed, for lines repeated word for word anywhere on the page."""
    return " ".join(_SUPERSCRIPT.sub("", text).split())


def _outer(index: int, prs: list[Row], height: float) -> bool:
    """The row is among the page's two top or three bottom rows, in the top or bottom band: where running
    headers, footers and page numbers are."""
    row = prs[index]
    return (index < 2 and row.top < BAND * height) or (index >= len(prs) - 3 and row.bottom > (1 - BAND) * height)


def find_running(pages: list[dict]) -> tuple[list[set[int]], list[list[Row]]]:
    """For each page, the ids of its fragments that belong to running headers, footers or page numbers (and the
    page's rows)."""
    page_rows = [rows(fragments(p["fragments"])) for p in pages]
    band_count: Counter = Counter()
    any_count: Counter = Counter()
    for page, prs in zip(pages, page_rows):
        band_keys, any_keys = set(), set()
        for index, row in enumerate(prs):
            any_keys |= {_exact(row.text())} | {_exact(f.text) for f in row.parts}
            if _outer(index, prs, page["height"]):
                band_keys |= {running_key(row.text())} | {running_key(f.text) for f in row.parts}
        band_count.update(band_keys)
        any_count.update(any_keys)
    n = len(pages)
    band_min = max(2 if n <= 5 else 3, RUNNING_SHARE * n)
    any_min = max(3, ANYWHERE_SHARE * n)
    out: list[set[int]] = []
    for page, prs in zip(pages, page_rows):
        ids: set[int] = set()
        for index, row in enumerate(prs):
            in_band = _outer(index, prs, page["height"])
            row_key = running_key(row.text())
            # a bare page number set like the rest of its row (a footnote mark is smaller)
            numbers = [f for f in row.parts if _PAGE_NUMBER.match(_SUPERSCRIPT.sub("", f.text).strip())
                       and (len(row.parts) == 1 or f.size >= 0.9 * row.size)]
            whole = (in_band and band_count[row_key] >= band_min) or any_count[_exact(row.text())] >= any_min \
                or (in_band and bool(numbers) and len(row.parts) <= 3 and len(row.text()) < 80)
            for frag in row.parts:
                key = running_key(frag.text)
                if whole or (in_band and (band_count[key] >= band_min or frag in numbers)) \
                        or (any_count[_exact(frag.text)] >= any_min and len(key) > 2):
                    ids.add(id(frag))
        out.append(ids)
    return out, page_rows


def label_candidates(lines: list[str]) -> list[str]:
    """Page numbers a page's running lines may print, likeliest first: after "Page", alone on a line, at a line's
    edge."""
    out: list[str] = []
    for line in lines:
        out += [m.group(1) for m in _LABEL_AFTER_PAGE.finditer(line)]
    for line in lines:
        if _PAGE_NUMBER.match(line.strip()):
            out.append(line.split()[1] if line.lower().startswith("page") else line.split()[0])
    for line in lines:
        if (m := _LABEL_AT_EDGE.search(line.strip())):
            out.append(m.group(1) or m.group(2))
    return out


def _roman(value: str) -> int:
    numbers = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    total = 0
    for a, b in zip(value.lower(), value.lower()[1:] + " "):
        total += -numbers[a] if numbers.get(b, 0) > numbers[a] else numbers[a]
    return total


def printed_labels(candidates: list[list[str]]) -> list[str | None]:
    """Each page's printed number: the likeliest candidate that keeps step with the page count (its value minus
    the page's index is shared with another page), else None; a year in a table header does not keep step."""
    def key(index: int, value: str) -> tuple[str, int]:
        return ("roman", _roman(value) - index) if value.isalpha() else ("arabic", int(value) - index)
    support: Counter = Counter()
    for index, values in enumerate(candidates):
        support.update({key(index, v) for v in values})
    least = 1 if len(candidates) <= 3 else 2
    out: list[str | None] = []
    for index, values in enumerate(candidates):
        kept = [v for v in values if support[key(index, v)] >= least]
        out.append(kept[0].lower() if kept and kept[0].isalpha() else (kept[0] if kept else None))
    return out


def body_size(pages: list[list[Fragment]]) -> float:
    """The font size most characters are set in."""
    count: Counter = Counter()
    for frags in pages:
        for f in frags:
            count[round(f.size * 2) / 2] += len(f.text)
    return count.most_common(1)[0][0] if count else 10.0


def split_footnotes(prs: list[Row], size: float, height: float) -> tuple[list[Row], list[str]]:
    """The body rows and the page's footnotes: the run of smaller rows at the page foot that starts with a note
    number, cut at each next number."""
    start = len(prs)
    i = len(prs) - 1
    while i >= 0 and prs[i].size < FOOTNOTE_SIZE * size and prs[i].top > 0.4 * height:
        if _FOOTNOTE_START.match(prs[i].text()):
            start = i
        i -= 1
    if start == len(prs):
        return prs, []
    notes: list[list[str]] = []
    expected: int | None = None
    for row in prs[start:]:
        text = row.text()
        m = _FOOTNOTE_START.match(text)
        if m and (expected is None or int(m.group(1)) == expected or not notes):
            number = int(m.group(1))
            notes.append([f"Footnote {number}: ", clean_inline(text[m.end():])])
            expected = number + 1
        else:
            notes[-1].append(clean_inline(text))
    return prs[:start], [_join_lines(note[1:], note[0]) for note in notes]


def clean_inline(text: str) -> str:
    """A line's text without footnote marks, private-use glyphs and doubled spaces."""
    text = _SUPERSCRIPT.sub("", text)
    text = _PRIVATE.sub("", text).replace("\u00ad", "")
    return " ".join(text.split())


class Vocabulary:
    """The words a document uses (lower case), and its hyphenated compounds, for ``join_hyphenated``."""

    def __init__(self, texts: list[str]) -> None:
        """``texts``: the document's lines in order; the halves of a word hyphenated at a line end are no words."""
        self.words: Counter = Counter()
        self.compounds: set[str] = set()
        cut = False
        for text in texts:
            text = _SUPERSCRIPT.sub(" ", text).replace("\ufffe", "\u00ad")
            words = _WORD.findall(text)
            if cut and words and text.lstrip()[:1].islower():
                words = words[1:]
            cut = text.rstrip()[-1:] in _LINE_END_HYPHEN and text.rstrip()[-2:-1].isalpha()
            if cut and words:
                words = words[:-1]
            self.words.update(w.lower() for w in words)
            self.compounds.update(c.lower() for c in _HYPHENATED.findall(text.rstrip(_LINE_END_HYPHEN + " ")))


def join_hyphenated(left: str, right: str, vocabulary: Vocabulary) -> str:
    """Two lines joined where ``left`` ends in a hyphen and ``right`` starts with a lower-case word.

    The document decides: if the joined word occurs in it, join ("infor-" + "mation"); if the hyphenated form
    does, keep the hyphen ("peer-to-" + "peer"); otherwise keep it when both halves are words of the document and
    the joined word is not ("self-" + "assessment"), else join."""
    head = left.rstrip(_LINE_END_HYPHEN)
    a = (_WORD.findall(head[-40:]) or [""])[-1]
    b = (_WORD.findall(right[:40]) or [""])[0]
    if not a or not b or not head.endswith(a) or not right.startswith(b):
        return head + "-" + right
    joined = (a + b).lower()
    if vocabulary.words[joined]:
        return head + right
    tail = (re.findall(r"(?<![^\W\d_])[^\W\d_]+(?:-[^\W\d_]+)*$", head[-80:]) or [a])[-1]
    if f"{tail}-{b}".lower() in vocabulary.compounds or f"{a}-{b}".lower() in vocabulary.compounds:
        return head + "-" + right
    if vocabulary.words[a.lower()] and vocabulary.words[b.lower()] and len(a) > 2 and len(b) > 4:
        return head + "-" + right
    return head + right


def _join_lines(lines: list[str], prefix: str = "", vocabulary: Vocabulary | None = None) -> str:
    text = prefix
    for line in lines:
        if not line:
            continue
        if not text or text == prefix:
            text += line
        elif text[-1] in _LINE_END_HYPHEN and line[:1].islower() and text[-2:-1].isalpha():
            text = join_hyphenated(text, line, vocabulary or Vocabulary([]))
        elif text[-1] in "-\ufffe" and text[-2:-1].isalnum() and line[:1].isalnum():
            text = text[:-1] + "-" + line  # "Cost-of-" + "Living", "JCS-" + "71-81": the hyphen is the word's
        else:
            text += " " + line
    return text.replace("\ufffe", "-")


def _gutter(frags: list[Fragment], width: float) -> tuple[float, float] | None:
    """A vertical strip (at least 8 pt wide) with text on both sides that no line crosses beside the smaller side:
    a gutter between columns, beside a side column or margin headings, or between table cells. The candidates are
    the wide gaps inside rows and the widest strip no line crosses at all."""
    if len(frags) < 4:
        return None
    candidates: Counter = Counter()
    for row in rows(frags):
        for before, after in zip(row.parts, row.parts[1:]):
            if after.x0 - before.x1 >= max(8.0, CELL_GAP * before.size):
                candidates[(round(before.x1, 0), round(after.x0, 0))] += 1
    spans = sorted((f.x0, f.x1) for f in frags)
    reach = spans[0][1]
    for x0, x1 in spans[1:]:
        if x0 - reach >= 8:
            candidates[(round(reach, 0), round(x0, 0))] += 1
        reach = max(reach, x1)
    for (g0, g1), _ in candidates.most_common(8):
        left = [f for f in frags if f.x1 <= g0 + 2]
        right = [f for f in frags if f.x0 >= g1 - 2]
        if not left or not right or max(len(left), len(right)) < 3:
            continue
        for side in sorted((left, right), key=len):
            top, bottom = min(f.top for f in side), max(f.bottom for f in side)
            ids = {id(f) for f in side}
            beside = [f for f in frags if id(f) not in ids and f.bottom > top + 2 and f.top < bottom - 2]
            if side is right:  # the strip ends where the text beside the side column ends
                strip = (max([f.x1 for f in beside] + [g0]), g1)
            else:
                strip = (g0, min([f.x0 for f in beside] + [g1]))
            if strip[1] - strip[0] >= 8:
                return strip
    return None


def _aligned(a: Row, b: Row) -> bool:
    return abs(a.top - b.top) < 1 or abs(a.bottom - b.bottom) < 1


def _blocks(prs: list[Row]) -> list[list[Row]]:
    out: list[list[Row]] = []
    for row in prs:
        if out and row.top - out[-1][-1].bottom < PARAGRAPH_GAP * row.size:
            out[-1].append(row)
        else:
            out.append([row])
    return out


def reading_order(frags: list[Fragment], width: float, depth: int = 0) -> list[Row]:
    """The page's rows in reading order: columns one after the other, side notes beside their main column, table
    rows across."""
    gutter = _gutter(frags, width) if depth < 2 else None
    if gutter is None:
        return rows(frags)
    g0, g1 = gutter
    left = [f for f in frags if f.x1 <= g0 + 2]
    right = [f for f in frags if f.x0 >= g1 - 2 and f.x1 > g0 + 2]
    crossing = [f for f in frags if f.x1 > g0 + 2 and f.x0 < g1 - 2]
    left_rows, right_rows = rows(left), rows(right)
    small, large = sorted((left_rows, right_rows), key=len)
    aligned_small = sum(1 for r in small if any(_aligned(r, o) for o in large))
    aligned_large = sum(1 for r in large if any(_aligned(r, o) for o in small))
    if aligned_small >= 0.5 * len(small) and aligned_large >= 0.3 * len(large):
        return rows(frags)  # a table: its rows read across
    def wide(rs: list[Row]) -> bool:
        ws = sorted(r.x1 - r.x0 for r in rs)
        return len(rs) >= 3 and ws[len(ws) // 2] >= 0.2 * width
    if wide(left_rows) and wide(right_rows):
        cuts = rows(crossing)
        bounds = [float("-inf")] + [c.top for c in cuts] + [float("inf")]
        out: list[Row] = []
        for k in range(len(bounds) - 1):
            lo, hi = bounds[k], bounds[k + 1]
            out += reading_order([f for f in left if lo <= f.top < hi], width, depth + 1)
            out += reading_order([f for f in right if lo <= f.top < hi], width, depth + 1)
            if k < len(cuts):
                out.append(cuts[k])
        return out
    chars_left = sum(len(f.text) for f in left)
    chars_right = sum(len(f.text) for f in right)
    main, side = (left + crossing, right) if chars_left >= chars_right else (right + crossing, left)
    main_blocks, side_blocks = _blocks(rows(main)), _blocks(rows(side))
    merged: list[Row] = []
    for block in main_blocks:
        placed = False
        while side_blocks and side_blocks[0][0].top <= block[0].top + 2:
            side_blocks[0][0].starts_block = placed = True
            merged += side_blocks.pop(0)
        block[0].starts_block = placed
        merged += block
    for block in side_blocks:
        block[0].starts_block = True
        merged += block
    return merged


def paragraphs(prs: list[Row], vocabulary: Vocabulary, tables: Sequence[tuple[int, Table]] = (),
               right_edge: float | None = None) -> list[str]:
    """Rows joined into paragraphs, list items ("- ") and table rows (cells joined by " | "); each of ``tables``
    (``(position, table)``: the table goes before ``prs[position]``) as its records, one a paragraph.
    ``right_edge``: where the page's text ends on the right (by default where ``prs`` end)."""
    out: list[list[str]] = []
    kinds: list[str] = []
    previous: Row | None = None
    right_edge = max((r.x1 for r in prs), default=0.0) if right_edge is None else right_edge
    waiting = sorted(tables, key=lambda placed: placed[0])
    for index, row in enumerate([*prs, None]):
        while waiting and waiting[0][0] <= index:
            table = waiting.pop(0)[1]
            unit = _unit_above([_join_lines(lines, vocabulary=vocabulary) for lines in out[-3:]])
            for line in records(table.header, table.body, unit=unit):
                out.append([line])
                kinds.append("row")
        if row is None:
            break
        cells = row.cells()
        bullet = bool(_BULLET.match(cells[0]))
        if bullet and len(cells) > 1 and not _BULLET.sub("", cells[0]).strip():
            cells = [cells[1]] + cells[2:]
        elif bullet:
            cells[0] = _BULLET.sub("", cells[0])
        cleaned = [clean_inline(c) for c in cells]
        cleaned = [c for c in cleaned if c]
        if not cleaned:
            continue
        if len(cleaned) > 1:
            out.append([" | ".join(cleaned)])
            kinds.append("row")
            previous = row
            continue
        text = ("- " if bullet else "") + cleaned[0]
        starts = (previous is None or bullet or kinds[-1] == "row" or row.starts_block or bool(_DOT_LEADER.search(out[-1][-1]))
                  or abs(row.size - previous.size) > 0.15 * previous.size
                  or row.top - previous.bottom > PARAGRAPH_GAP * row.size
                  or (row.top < previous.top - 2 and not _OPEN_END.search(out[-1][-1]))
                  or (row.x0 > previous.x0 + 1.5 * row.size and row.top > previous.top and kinds[-1] != "item")
                  or (previous.x1 < right_edge - 6 * row.size and not _OPEN_END.search(out[-1][-1])
                      and row.top > previous.top))
        if starts:
            out.append([text])
            kinds.append("item" if bullet else "text")
        else:
            out[-1].append(text)
        previous = row
    return [_join_lines(lines, vocabulary=vocabulary) for lines in out]


def _unit_above(paras: list[str]) -> str:
    """The unit a table's caption states, from the short paragraphs right above it (at most three)."""
    caption: list[str] = []
    for para in reversed(paras):
        if len(para) > 300 or PATH_SEPARATOR in para:
            break
        caption.insert(0, para)
    return caption_unit("\n".join(caption))


def table_lines(prs: list[Row]) -> list[Line]:
    """The rows as ``pdf_tables`` reads them: each row's cells (footnote marks and private-use glyphs out, empty
    cells dropped) with their edges."""
    out = []
    for row in prs:
        cells = [Cell(x0, x1, clean_inline(text)) for x0, x1, text in row.spans(fine=True)]
        out.append(Line(row.top, row.bottom, row.size, [c for c in cells if c.text]))
    return out


def page_tables(prs: list[Row], vocabulary: Vocabulary) -> list[tuple[Table, list[Row]]]:
    """The tables among a page's rows (top to bottom, as laid out: a table's rows read across whatever the
    page's columns), each with the rows it takes, when it comes out as records (rows of cells say no more than
    the page's rows read across); a wrapped cell's lines are joined as a paragraph's."""
    found = find_tables(table_lines(prs), lambda parts: _join_lines(parts, vocabulary=vocabulary))
    return [(t, prs[t.start:t.end]) for t in found if not any(" | " in line for line in records(t.header, t.body))]


def place_tables(ordered: list[Row], tables: list[tuple[Table, list[Row]]]) -> list[tuple[int, Table]]:
    """Where each table goes among the rest of the page's rows in reading order: after the last row above it
    that shares some of its width (its caption, the paragraph before it), else before the first such row below
    it, else at the end."""
    out = []
    for table, taken in tables:
        top, x0, x1 = min(r.top for r in taken), min(r.x0 for r in taken), max(r.x1 for r in taken)
        beside = [k for k, r in enumerate(ordered) if r.x0 < x1 and r.x1 > x0]
        above = [k for k in beside if ordered[k].bottom <= top + 1]
        below = [k for k in beside if ordered[k].top > top]
        out.append((max(above) + 1 if above else min(below) if below else len(ordered), table))
    return out


def front_matter_kind(index: int, count: int, paras: list[str], previous_kind: str) -> str:
    """"cover", "contents" or "disclaimer" for a page that is no part of the body, else ""."""
    if not paras:
        return ""
    head = [p.strip() for p in paras[:3]]
    if any(_CONTENTS_TITLE.match(h) for h in head):
        return "contents"
    leaders = sum(1 for p in paras if _DOT_LEADER.search(p))
    numbered = sum(1 for p in paras if re.search(r"\s\d{1,4}$", p))
    if leaders >= max(3, 0.35 * len(paras)):
        return "contents"
    if previous_kind == "contents" and numbered + leaders >= 0.5 * len(paras):
        return "contents"
    if any(_DISCLAIMER_TITLE.match(h) for h in head[:2]):
        return "disclaimer"
    words = sum(len(p.split()) for p in paras)
    if index == 0 and count > 2 and words < 120:
        return "cover"
    return ""


def marked_paragraphs(paras: list[str]) -> set[int]:
    """Paragraphs of a body page that are no body: dot-leader contents lines, and a disclaimer (its title and
    what follows it on the page)."""
    marked = {i for i, p in enumerate(paras) if _DOT_LEADER.search(p)}
    for i, p in enumerate(paras):
        if _DISCLAIMER_TITLE.match(p.strip()):
            marked.update(range(i, len(paras)))
            break
    return marked


def read_pages(pages: list[dict]) -> list[Page]:
    """Each PDF page (as the child writes it) read into a Page."""
    running, page_rows = find_running(pages)
    all_frags = [[f for r in prs for f in r.parts] for prs in page_rows]
    size = body_size([[f for f in frags if id(f) not in ids] for frags, ids in zip(all_frags, running)])
    vocabulary = Vocabulary([f.text for frags in all_frags for f in frags])
    labels = printed_labels([label_candidates([clean_inline(r.text()) for r in rows([f for f in frags if id(f) in ids])])
                             for frags, ids in zip(all_frags, running)])
    out: list[Page] = []
    previous_kind = ""
    for index, (page, frags, ids) in enumerate(zip(pages, all_frags, running)):
        label = labels[index] or (str(page["label"]) if page.get("label") else None)
        body = [f for f in frags if id(f) not in ids]
        body_rows, notes = split_footnotes(rows(body), size, float(page["height"]))
        kept = {id(f) for r in body_rows for f in r.parts}
        ordered = reading_order([f for f in body if id(f) in kept], float(page["width"]))
        paras = paragraphs(ordered, vocabulary)
        kind = front_matter_kind(index, len(pages), paras, previous_kind)
        found = page_tables(body_rows, vocabulary) if not kind else []
        if found:  # the tables' text out of the rows as read, each table as records in its place
            taken = {id(f) for _, rs in found for r in rs for f in r.parts}
            rest = [r if not any(id(f) in taken for f in r.parts) else Row([f for f in r.parts if id(f) not in taken],
                                                                           r.starts_block) for r in ordered]
            rest = [r for r in rest if r.parts]
            paras = paragraphs(rest, vocabulary, place_tables(rest, found), max(r.x1 for r in ordered))
        previous_kind = kind
        out.append(Page(paras, notes, label, kind, marked_paragraphs(paras)))
    return out


def assemble(pages: list[Page], vocabulary: Vocabulary | None = None) -> tuple[str, dict]:
    """The document text and its metadata: ``pages`` (offset where each page begins), ``page_labels``,
    ``front_matter`` and ``footnotes`` ([start, end] spans).

    A paragraph that runs over a page break is joined across it; its page's footnotes then come before it."""
    vocabulary = vocabulary or Vocabulary([p for page in pages for p in page.paragraphs])
    continues = [False] * len(pages)
    for i in range(1, len(pages)):
        before, after = pages[i - 1], pages[i]
        if before.paragraphs and after.paragraphs and not before.kind and not after.kind:
            last, first = before.paragraphs[-1], after.paragraphs[0]
            continues[i] = (bool(_OPEN_END.search(last)) and not last.startswith("- ") and " | " not in last
                            and PATH_SEPARATOR not in last and " | " not in first
                            and bool(re.match(r"[a-z(\u201c\"0-9]", first)) and len(last) > 40)
    text = ""
    offsets: list[int] = []
    front: list[list[int]] = []
    notes: list[list[int]] = []
    for i, page in enumerate(pages):
        paras = list(page.paragraphs)
        newline = False
        if continues[i]:
            first = paras.pop(0)
            if text[-1:] in _LINE_END_HYPHEN and first[:1].islower():
                keep = text[:-60]
                text = keep + join_hyphenated(text[len(keep):], first, vocabulary)
                offsets.append(len(text) - len(first))
            else:
                text += " "
                offsets.append(len(text))
                text += first
            newline = True
        else:
            if text:
                text += "\n\n"
            offsets.append(len(text))
        page_start = offsets[-1]
        first_index = len(page.paragraphs) - len(paras)
        pieces = [(p, "mark" if first_index + k in page.marked else "body") for k, p in enumerate(paras)]
        tail: list[tuple[str, str]] = []
        if i + 1 < len(pages) and continues[i + 1] and pieces:
            tail.append(pieces.pop())
            while pieces and _is_heading(pieces[-1][0]):  # a heading stays with the paragraph it heads
                tail.insert(0, pieces.pop())
        pieces += [(n, "note") for n in page.footnotes] + tail
        for piece, kind in pieces:
            if newline:
                text += "\n"
            newline = True
            start = len(text)
            text += piece
            if kind == "note":
                notes.append([start, len(text)])
            elif kind == "mark" and not page.kind:
                front.append([start, len(text)])
        if page.kind:
            front.append([page_start, len(text)])
    meta = {"pages": offsets, "page_labels": [p.label for p in pages], "front_matter": _merge(front),
            "footnotes": notes, "page_kinds": [p.kind or None for p in pages]}
    return text, meta


def _is_heading(paragraph: str) -> bool:
    return len(paragraph) < 90 and bool(_OPEN_END.search(paragraph)) and not paragraph.startswith("- ")


def _merge(spans: list[list[int]]) -> list[list[int]]:
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1] + 2:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


__all__ = ["Fragment", "Page", "Row", "Vocabulary", "assemble", "body_size", "find_running", "front_matter_kind",
           "fragments", "join_hyphenated", "label_candidates", "page_tables", "paragraphs", "place_tables",
           "printed_labels", "read_pages", "reading_order", "rows", "running_key", "split_footnotes", "table_lines"]
