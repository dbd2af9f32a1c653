"""Tables on a PDF page, found in its positioned lines, cut into header and body rows for ``tables.records``.

``pdf_layout`` hands over a page's lines top to bottom as laid out (a table's rows read across, whatever the page's
columns), each with its cells: text runs apart by a gap wider than half a font size, with their left and right
edges. A table is a run of lines close together, three or more of them with two or more cells, whose cells fall
into columns:

- the columns are the x-ranges that the cells of the rows holding numbers cover (overlapping cells are one column:
  numbers are set flush right, row names flush left); at least half of the value cells must be numbers, blank
  marks ("—", "NA") or bands of a scale ("96-100"): a grid of words is left as it is read (rows joined by " | "),
  and so are numbers beside sentences (a list of figures and their pages) and rows keyed by years in the second
  column (the first then holds cells spanning rows);
- the header rows are the lines above the first row with a number in a value column (a line numbering the
  columns, "(1) (2) (3)", is a header line); a one-cell label above the first multi-cell line, set no larger
  than the table and right of the first column, is one more ("FY2025-FY2026 Request"); a line of sentences is
  none (the table starts below it);
- a header label names the run of neighbouring columns whose middle is nearest its middle ("2012" over "Number"
  and "Percentage", "Condition Rating (number)" over "Good", "Fair" and "Poor"); years set close together over as
  many columns are one a column; a lone label centred over all the value columns names them all; labels over
  column names that repeat ("Quantity, Value, Audits" twice) name one repeat each; a table set twice side by side
  (its first column's name repeated too) is two tables;
- in the body, a line holding only a row name is a row group (ending with a colon, or set apart), or the rest of
  the row name above it (or the start of the one below it) when it sits closer to that row than rows sit to each
  other; a line over the value columns alone is the rest of the cells above; a line of the table's size that
  starts in the first column and reaches over the others is a group when numbers follow it ("B. Total revenues");
  any other line (a note, the next paragraph) ends the table.

The caption stays the paragraph it is, above the table's records; its unit goes with each number (``records``).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from typing import Callable, Sequence

from .tables import MAX_COLUMNS, is_blank_mark, is_numeric, is_year

MIN_ROWS = 3  # lines with two or more cells a table has at least
MAX_GAP = 2.5  # a vertical gap over this many font sizes between two lines ends a table
TIGHT = 0.75  # a line this much closer to a row than rows are to each other continues that row's cells
COVER = 0.5  # a header cell names a run of columns that holds this share of its width
CENTRED = 0.1  # a lone label this near (a share of their width) the middle of the value columns names them all
WIDER = 0.25  # ... the run nearest its middle, each point the run is wider than the cell counting this much
INDENT = 0.8  # a row name set this many font sizes right of the first column's edge is indented
MAX_NAME = 100  # row names are labels: a table whose median row name is longer is none
MAX_LABEL = 60  # ... and so are column names: a longer line above the rows is no part of the header


@dataclass
class Cell:
    """A run of text on a line, with its left and right edges (points)."""

    x0: float
    x1: float
    text: str


@dataclass
class Line:
    """A line of a page as ``pdf_layout`` reads it: its vertical extent, font size and cells, left to right."""

    top: float
    bottom: float
    size: float
    cells: list[Cell]


@dataclass
class Table:
    """A table found at lines ``start:end``: its header rows and body rows, one string per column (a body row's
    first cell keeps leading spaces for its indent)."""

    start: int
    end: int
    header: list[list[str]] = field(default_factory=list)
    body: list[list[str]] = field(default_factory=list)


Join = Callable[[list[str]], str]


def _plain_join(parts: list[str]) -> str:
    return " ".join(p for p in parts if p)


def find_tables(lines: Sequence[Line], join: Join = _plain_join) -> list[Table]:
    """The tables among a page's ``lines``, in order; ``join`` joins the lines of a wrapped cell (it may rejoin a
    hyphenated word)."""
    out: list[Table] = []
    i = 0
    while i < len(lines):
        if len(lines[i].cells) < 2:
            i += 1
            continue
        end = _run_end(lines, i)
        table = _table(lines, i, end, join)
        if table is not None:
            out += _halves(table)
            i = table.end
        else:
            i = end if end > i + 1 else i + 1
    return out


def _halves(table: Table) -> list[Table]:
    """A table set twice side by side (its column labels repeated: "Country, Amount, Share, Country, Amount,
    Share") as its two halves, each with its own header; else the table."""
    labels = table.header[-1] if table.header else []
    half = len(labels) // 2
    if half < 2 or len(labels) != 2 * half or not labels[0] or labels[:half] != labels[half:]:
        return [table]
    return [Table(table.start, table.end, [row[part] for row in table.header],
                  [row[part] for row in table.body if any(row[part])])
            for part in (slice(0, half), slice(half, None))]


def _close(above: Line, below: Line) -> bool:
    """Whether ``below`` follows ``above`` closely enough to be in the same table."""
    return below.top - above.bottom <= MAX_GAP * max(above.size, below.size) and below.top >= above.top


def _run_end(lines: Sequence[Line], start: int) -> int:
    """The end of the run of close lines from ``start``: multi-cell lines, with one-cell lines between them (the
    rest of a row name wrapped over lines, a row group); three one-cell lines in a row as wide as half the run
    are prose."""
    end = start + 1
    left, right = lines[start].cells[0].x0, lines[start].cells[-1].x1
    wide = 0
    k = start + 1
    while k < len(lines) and _close(lines[k - 1], lines[k]) and lines[k].cells:
        line = lines[k]
        if len(line.cells) >= 2:
            end, wide = k + 1, 0
            left, right = min(left, line.cells[0].x0), max(right, line.cells[-1].x1)
        elif line.cells[0].x1 - line.cells[0].x0 > 0.5 * (right - left):
            wide += 1
            if wide >= 3:
                break
        k += 1
    while end < len(lines) and len(lines[end].cells) == 1 and lines[end].cells[0].x1 - lines[end].cells[0].x0 \
            <= 0.5 * (right - left) and lines[end].top - lines[end - 1].top < 1.5 * lines[end].size:
        end += 1  # the rest of the last row's name, set as close as wrapped lines
    return end


_RANGE = re.compile(r"^\d[\d,.]*%?\s?[-\u2013]\s?\d[\d,.]*%?$")  # "96-100", "0-4": a band of a scale


def _numeric(text: str) -> bool:
    """A number, a blank mark ("—") or a range of numbers ("96-100")."""
    return is_numeric(text) or is_blank_mark(text) or bool(_RANGE.match(text))


def _columns(rows: Sequence[Line]) -> list[tuple[float, float]]:
    """Column ranges: the cells of ``rows`` merged where they overlap, left to right."""
    spans = sorted((c.x0, c.x1) for row in rows for c in row.cells)
    out: list[list[float]] = []
    for x0, x1 in spans:
        if out and x0 < out[-1][1] - 0.5:
            out[-1][1] = max(out[-1][1], x1)
        else:
            out.append([x0, x1])
    return [(a, b) for a, b in out]


def _overlap(cell: Cell, column: tuple[float, float]) -> float:
    return min(cell.x1, column[1]) - max(cell.x0, column[0])


def _column_of(cell: Cell, columns: Sequence[tuple[float, float]]) -> int:
    """The column a body cell is in: the one it overlaps most, else the nearest."""
    best = max(range(len(columns)), key=lambda j: _overlap(cell, columns[j]))
    if _overlap(cell, columns[best]) > 0:
        return best
    middle = (cell.x0 + cell.x1) / 2
    return min(range(len(columns)), key=lambda j: abs(middle - (columns[j][0] + columns[j][1]) / 2))


def _covered(cell: Cell, columns: Sequence[tuple[float, float]]) -> list[int]:
    """The columns a header cell names: of the runs of neighbouring columns that hold most of it (or that it
    holds most of), the one whose middle is nearest its middle, a run much wider or narrower than the cell
    counting as further (a label is set over the middle of the columns it names: "2012" over "Number" and
    "Percentage"); else the column nearest it."""
    middle, width = (cell.x0 + cell.x1) / 2, max(cell.x1 - cell.x0, 1.0)
    best: tuple[float, int, int] | None = None
    for a in range(len(columns)):
        for b in range(a, len(columns)):
            lo, hi = columns[a][0], columns[b][1]
            if _overlap(cell, (lo, hi)) < COVER * min(width, hi - lo):
                continue
            score = abs((lo + hi) / 2 - middle) + WIDER * abs(hi - lo - width)
            if best is None or score < best[0]:
                best = (score, a, b)
    return list(range(best[1], best[2] + 1)) if best else [_column_of(cell, columns)]


def _widened(columns: Sequence[tuple[float, float]], labels: Line) -> list[tuple[float, float]]:
    """The columns widened to the labels of the header line that names them one by one (a label is often wider
    than the numbers under it)."""
    out = list(columns)
    for cell in labels.cells:
        hit = [j for j, column in enumerate(columns) if _overlap(cell, column) > 0] or [_column_of(cell, columns)]
        if len(hit) == 1:
            a, b = out[hit[0]]
            out[hit[0]] = (min(a, cell.x0), max(b, cell.x1))
    return out


def _row(line: Line, columns: Sequence[tuple[float, float]], spanning: bool) -> list[list[str]]:
    """The line's text per column (a list of parts: two cells may fall in one column). ``spanning`` (a header
    line): a cell is given to each column it names; years set close together over as many columns ("FY2012
    FY2013 FY2014") one to each."""
    out: list[list[str]] = [[] for _ in columns]
    for cell in line.cells:
        targets = _covered(cell, columns) if spanning else [_column_of(cell, columns)]
        words = cell.text.split()
        if len(targets) >= 2 and len(words) == len(targets) and all(is_year(w) for w in words):
            for j, word in zip(targets, words):
                out[j].append(word)
            continue
        for j in targets:
            out[j].append(cell.text)
    return out


def _in_values(line: Line, columns: Sequence[tuple[float, float]]) -> bool:
    """Whether all of the line lies right of the first column (over the value columns)."""
    return all(c.x0 >= columns[0][1] - 1 for c in line.cells) and bool(line.cells)


def _in_stub(line: Line, columns: Sequence[tuple[float, float]]) -> bool:
    """Whether the line is one cell in the first column (a row name or the rest of one)."""
    return len(line.cells) == 1 and line.cells[0].x1 <= columns[1][0] + 1


def _group_line(line: Line, below: Line | None, columns: Sequence[tuple[float, float]]) -> bool:
    """Whether a one-cell line that starts in the first column and reaches over the value columns names a group
    of rows ("B. Total revenues; total tax rate"): it is set no larger than the row of numbers right below it."""
    return len(line.cells) == 1 and line.cells[0].x0 < columns[0][1] and below is not None \
        and len(below.cells) >= 2 and line.size <= below.size * 1.05 \
        and any(_numeric(c.text) and not is_year(c.text) for c in below.cells[1:])


def _numbering(line: Line) -> bool:
    """Whether a line numbers the columns: "(1)  (2)  (3)" or "1  2  3", counting up by one."""
    found = [re.fullmatch(r"\(?(\d{1,2})\)?", c.text) for c in line.cells]
    return all(found) and [int(m.group(1)) for m in found if m] == list(range(int(found[0].group(1)),
                                                                             int(found[0].group(1)) + len(found)))


def _names_first_column(above: Line, line: Line, columns: Sequence[tuple[float, float]]) -> bool:
    """Whether a one-cell line in the first column, under header lines that leave that column empty, is its
    name ("Program" under a line of years) rather than a row group: it does not end with a colon."""
    return _in_stub(line, columns) and not line.cells[0].text.rstrip().endswith(":") \
        and all(c.x0 >= columns[0][1] - 1 for c in above.cells)


def _table(lines: Sequence[Line], start: int, end: int, join: Join) -> Table | None:
    """Lines ``start:end`` (a run that begins with a multi-cell line) as a table, or None."""
    run = list(lines[start:end])
    multi = [line for line in run if len(line.cells) >= 2]
    if len(multi) < MIN_ROWS:
        return None
    numbered = [line for line in multi if any(_numeric(c.text) and not is_year(c.text) for c in line.cells[1:])]
    if len(numbered) < 2:
        return None
    columns = _columns(numbered)
    if not 2 <= len(columns) <= MAX_COLUMNS:
        return None
    top = _top(lines, start, columns)
    run = list(lines[top:end])
    first = next((k for k, line in enumerate(run) if len(line.cells) >= 2 and not _numbering(line)
                  and any(_numeric(c.text) and not is_year(c.text) for c in line.cells[1:])), None)
    if first is None:
        return None
    while first > 0 and (_in_stub(run[first - 1], columns) or _group_line(run[first - 1], run[first], columns)):
        first -= 1  # a row group right above the first row of numbers
    if 0 < first < len(run) and _names_first_column(run[first - 1], run[first], columns):
        first += 1
    prose = [k for k, line in enumerate(run[:first]) if any(len(c.text) > MAX_LABEL for c in line.cells)]
    if prose:  # a line of sentences above the rows: the table starts below it
        top, run, first = top + prose[-1] + 1, run[prose[-1] + 1:], first - prose[-1] - 1
    body, stop = _body(run[first:], columns, join)
    if sum(1 for row in body if any(row[1:])) < 2:
        return None
    values = [c for row in body for c in row[1:] if c]
    if len(values) < 2 or sum(_numeric(c) for c in values) < 0.5 * len(values):
        return None  # a grid of words
    keys = [row[1] for row in body if len(row) > 2 and row[1]]
    if keys and sum(all(is_year(word) for word in key.split()) for key in keys) >= 0.8 * len(keys):
        return None  # years in the second column name the rows: the first holds cells spanning rows
    names = [row[0].strip() for row in body if row[0].strip() and any(row[1:])]
    if names and (sorted(map(len, names))[len(names) // 2] > MAX_NAME
                  or 2 * sum(name.endswith((".", "?", "!")) for name in names) >= len(names)):
        return None  # sentences beside numbers: a list of figures and their pages, a chart's notes
    return Table(top, top + first + stop, _header(run[:first], columns, join), body)


def _header(heads: Sequence[Line], columns: Sequence[tuple[float, float]], join: Join) -> list[list[str]]:
    """The header rows: each line's labels given to the columns they name (``_covered``, the columns widened to
    the line that names most of them); a lone label above that line, centred over all the value columns
    ("Specification" over "(1)" to "(5)"), names them all; over value columns whose names repeat ("Quantity,
    Value, Audits" twice), a line of as many labels set apart above the rest, each over one repeat ("FY2020",
    "FY2023"), names its repeat."""
    if not heads:
        return []
    labels = max(heads, key=lambda line: len(line.cells))
    named = _widened(columns, labels)
    lo, hi = named[1][0], named[-1][1]
    out = []
    for line in heads:
        cells = line.cells
        if line is not labels and len(cells) == 1 and cells[0].x0 >= named[0][1] \
                and abs((cells[0].x0 + cells[0].x1) / 2 - (lo + hi) / 2) <= CENTRED * (hi - lo):
            out.append([""] + [cells[0].text] * (len(columns) - 1))
        else:
            out.append([join(parts) for parts in _row(line, named, spanning=True)])
    for k, line in enumerate(heads[:-1]):
        blocks = _repeats([" ".join(row[j] for row in out[k + 1:]) for j in range(1, len(columns))])
        if blocks > 1 and len(line.cells) == blocks and heads[k + 1].top - line.bottom > 0.5 * line.size:
            width = (len(columns) - 1) // blocks
            spans = [(named[1 + b * width][0], named[(b + 1) * width][1]) for b in range(blocks)]
            if all(_overlap(cell, span) > 0 for cell, span in zip(line.cells, spans)):
                out[k] = [""] + [cell.text for cell in line.cells for _ in range(width)]
    return out


def _repeats(names: Sequence[str]) -> int:
    """How many times a sequence of two or more column names repeats to make ``names`` ("Quantity, Value,
    Audits" twice: 2), else 1."""
    for width in range(2, len(names) // 2 + 1):
        if len(names) % width == 0 and names[0] and names == list(names[:width]) * (len(names) // width):
            return len(names) // width
    return 1


def _top(lines: Sequence[Line], start: int, columns: Sequence[tuple[float, float]]) -> int:
    """Where a table whose first multi-cell line is ``start`` begins: up to three one-cell lines above it, set no
    larger than the table, belong to it: labels over the value columns alone ("FY2025-FY2026 Request") and a row
    group ending with a colon right above the first row ("Imports:"). (A caption is set larger, or reaches over
    the first column.)"""
    top = start
    size = lines[start].size
    while top > max(0, start - 3) and _close(lines[top - 1], lines[top]) and len(lines[top - 1].cells) == 1 \
            and lines[top - 1].size <= size * 1.05:
        line = lines[top - 1]
        group = top == start and _in_stub(line, columns) and line.cells[0].text.rstrip().endswith(":")
        label = line.cells[0].x0 >= columns[0][1]
        if not (group or label):
            break
        top -= 1
    return top


def _pitch(rows: Sequence[Line]) -> float:
    """How far apart (top to top) the rows of numbers sit: the median step between consecutive ones."""
    steps = [b.top - a.top for a, b in zip(rows, rows[1:]) if len(a.cells) >= 2 and len(b.cells) >= 2]
    return statistics.median(steps) if steps else float("inf")


def _body(run: Sequence[Line], columns: Sequence[tuple[float, float]], join: Join) -> tuple[list[list[str]], int]:
    """The body rows of ``run`` (which starts at the first body line) and how many of its lines they take: a
    one-cell line in the first column is a row group, or the rest of a row name; a line over the value columns
    alone is the rest of the cells above; any other one-cell line ends the body."""
    pitch = _pitch(run)
    left = columns[0][0]
    rows: list[list[list[str]]] = []
    starts: list[float] = []  # the x where each row's name begins
    kinds: list[str] = []  # "row" (with values), "name" (a row name alone) or "head" (a name's first line)
    used = 0
    for k, line in enumerate(run):
        tight_above = k > 0 and line.top - run[k - 1].top < TIGHT * pitch
        if len(line.cells) >= 2 or (_in_values(line, columns) and not rows):
            cells = _row(line, columns, spanning=False)
            if not cells[0] and rows and tight_above and kinds[-1] == "row":
                _extend(rows[-1], cells)  # the rest of the value cells above
            else:
                rows.append(cells)
                starts.append(min(c.x0 for c in line.cells) if cells[0] else left)
                kinds.append("row")
        elif _in_stub(line, columns):
            text = line.cells[0].text
            below = run[k + 1] if k + 1 < len(run) else None
            tight_below = below is not None and below.top - line.top < TIGHT * pitch
            if rows and tight_above and not text.rstrip().endswith(":") and rows[-1][0]:
                rows[-1][0].append(text)  # the rest of the row name above
            elif tight_below and not text.rstrip().endswith(":") and len(below.cells) >= 2 \
                    and abs(below.cells[0].x0 - line.cells[0].x0) < 1:
                rows.append([[text]] + [[] for _ in columns[1:]])
                starts.append(line.cells[0].x0)
                kinds.append("head")  # the first line of a row name whose values are on its last line
            else:
                rows.append([[text]] + [[] for _ in columns[1:]])
                starts.append(line.cells[0].x0)
                kinds.append("name")
        elif _in_values(line, columns) and rows and tight_above:
            _extend(rows[-1], _row(line, columns, spanning=False))
        elif _group_line(line, run[k + 1] if k + 1 < len(run) else None, columns):
            rows.append([[line.cells[0].text]] + [[] for _ in columns[1:]])
            starts.append(left)
            kinds.append("name")
        else:
            break
        used = k + 1
    out: list[list[str]] = []
    size = max((line.size for line in run), default=10.0)
    for k, row in enumerate(rows):
        if k > 0 and kinds[k - 1] == "head":
            continue
        if kinds[k] == "head" and k + 1 < len(rows):
            row = [row[0] + rows[k + 1][0]] + rows[k + 1][1:]
        cells = [join(parts) for parts in row]
        indent = round((starts[k] - left) / size) if starts[k] - left >= INDENT * size else 0
        cells[0] = " " * indent + cells[0]
        out.append(cells)
    return out, used


def _extend(row: list[list[str]], more: list[list[str]]) -> None:
    for parts, extra in zip(row, more):
        parts.extend(extra)


__all__ = ["Cell", "Line", "Table", "find_tables"]
