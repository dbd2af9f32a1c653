"""Tables as records: one line per value cell naming its path, "Row group › Row › Column: value".

A small model reads a grid badly and a run-on paragraph of numbers not at all; a record carries its own headers, so
each cell is an answer unit of its own ("Production › Copper › 2023: 1,040 (thousand metric tons)"), found by its
words, embedded with them and quoted whole. Every reader (Markdown, reST, HTML, .docx, whitespace-aligned plain
text, PDF through ``pdf_tables``) hands its header rows and body rows to ``records``:

- the column names are the header rows' cells joined top to bottom ("Fiscal year" over "2023" → "Fiscal year
  2023"; a cell spanning several columns is given once per column by the reader);
- the first column names the row; a body row with a name and no values is a row group ("Imports:"), the first
  element of the paths below it (until the next group; with indented row names, until a row indented as little),
  when its name ends with a colon, deeper rows follow it, or the table holds numbers in two or more value columns
  (else it is a row with nothing in it, kept as its name alone);
- a row name that is only a number ("0", "2019") is given after the first column's header ("threadsafety 0");
  rows that repeat their first cell are named by as many leading text columns as tell them apart ("v new, w old");
- every non-empty value cell is one record, kept as written ("—", "NA", "W", "1,040²"); the table's unit, when
  its caption states one ("(thousand metric tons)", "in millions of dollars", a year in it too), follows each
  number but a percentage in brackets: the model is shown a record without its caption, and an amount read
  without its unit is a wrong answer (the caption line stays above the records too, where retrieval and the
  record's lead-in see it);
- the caption's lines come first, just above the records;
- a table without header rows is a list of "name: value" lines when it has two columns, else its rows are kept
  with their cells joined by " | " (what a row without column names can say); so is a table with an unnamed
  column among named ones, or one that yields no record.

``header_count`` guesses the header rows of a table that marks none; ``grid`` lays out spanning cells.
``find_aligned`` finds tables laid out with spaces in plain text (as pdftotext and many government text files
give them), ``find_grid`` tables drawn with "|", and both cut them into header and body rows for ``records``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

PATH_SEPARATOR = " \u203a "
_NUMERIC = re.compile(r"^[-+\u2212(]?[$\u20ac\u00a3]?\(?[-+\u2212]?\d[\d,.]*\)?%?"
                      r"[*\u2020\u2021\u00b9\u00b2\u00b3\u2074-\u2079a-zA-Z]{0,2}$")
_DASH = re.compile(r"^(?:[-\u2013\u2014\u2012.]{1,3}|NA|N/?A|n\.?a\.?|W|X|\(D\)|\(NA\)|\(X\)|\(Z\)|\*+)$")
_YEAR = re.compile(r"^(?:FY|CY)?\s?(?:19|20)\d\d(?:[-\u2013/](?:19|20)?\d\d)?[a-zA-Z*\u2020\u00b2\u00b3\u00b9]{0,2}$")
# Words that say what a table's numbers count; a caption's parenthetical or "in ..." phrase holding one is its unit.
_QUANTITY = re.compile(r"(?i)(?:\b(?:thousands?|millions?|billions?|trillions?|hundreds?|percent(?:age)?s?|dollars|"
                       r"euros|pounds|yen|tons|tonnes|kilo\w*|grams|metric|barrels|hectares|acres|miles|units|"
                       r"per|rate|index|ratio)\b|%|\$)")
_CONTINUED = re.compile(r"(?i)\bcont(?:inued|\.)")


def is_numeric(cell: str) -> bool:
    """A number as tables write them: "1,040", "(12.5)", "-3", "$4.2", "75%", "1,150e" (a footnote mark kept)."""
    return bool(_NUMERIC.match(cell.strip()))


def is_blank_mark(cell: str) -> bool:
    """A cell that stands for no value: "—", "-", "NA", "W" (withheld), "(D)", "*"."""
    return bool(_DASH.match(cell.strip()))


def is_year(cell: str) -> bool:
    """A year as a column header: "2023", "FY 2024", "2022-23", "2023e"."""
    return bool(_YEAR.match(cell.strip()))


def caption_unit(caption: str) -> str:
    """The unit a table's caption states ("thousand metric tons" from "(thousand metric tons)" or from "Table 3.
    Output (thousand metric tons)", "in millions of dollars"), or ""."""
    for line in reversed([one for one in caption.split("\n") if one.strip()]):
        line = " ".join(line.split())
        whole = re.fullmatch(r"[(\[](.+)[)\]]", line)
        tail = re.search(r"\(([^()]+)\)\W*$", line)
        lead = re.match(r"(?i)\(?(in [^()]+?)\)?\W*$", line)
        for found in (whole, tail, lead):
            if found is None:
                continue
            unit = found.group(1).strip().rstrip(".:")
            if len(unit.split()) <= 8 and _QUANTITY.search(unit) and not _CONTINUED.search(unit) \
                    and not re.search(r"\d{3}", re.sub(r"\b(?:FY)?(?:19|20)\d\d\b", "", unit)):
                return unit
    return ""


def unit_above(text: str) -> str:
    """The unit stated by the last block of ``text`` (the clean text written so far, up to a table) when that
    block is short enough to be the table's caption ("Table 2. Outlays (in millions of dollars)"), else ""."""
    last = text.rstrip("\n").rsplit("\n\n", 1)[-1]
    if last.count("\n") >= 3 or len(last) > 300 or PATH_SEPARATOR in last:
        return ""  # a paragraph, or another table's records
    return caption_unit(last)


def _label(cell: str) -> str:
    """A header or row name as a path element: one line, without a trailing colon or dot leaders, and without
    ": " (which ends a record's path)."""
    text = " ".join(cell.split())
    text = re.sub(r"(?:\s*\.){2,}\s*$|\s*[_\u2026]{2,}\s*$", "", text)
    text = text.rstrip(":").strip()
    return re.sub(r":(?=\s)", " -", text)


def _value(cell: str) -> str:
    return " ".join(cell.split())


def _indent(cell: str) -> int:
    return len(cell.expandtabs(8)) - len(cell.expandtabs(8).lstrip())


def _column_names(header_rows: Sequence[Sequence[str]], width: int) -> list[str]:
    names = []
    for j in range(width):
        parts: list[str] = []
        for row in header_rows:
            cell = _label(row[j]) if j < len(row) else ""
            if cell and (not parts or parts[-1] != cell):
                parts.append(cell)
        names.append(" ".join(parts))
    return names


def records(header_rows: Sequence[Sequence[str]], body_rows: Sequence[Sequence[str]], caption: str = "",
            unit: str | None = None) -> list[str]:
    """The lines a table is stored as: its caption's lines, then one "path: value" record per non-empty value
    cell (see the module's docstring). A body row's first cell may keep leading spaces: rows indented under a
    row group end it when a row comes indented as little as the group. ``unit`` is the table's unit when the
    reader found it elsewhere than in ``caption`` (a line above the table); by default the caption's."""
    lines = [" ".join(line.split()) for line in caption.split("\n") if line.strip()]
    body = [list(row) for row in body_rows if any(cell.strip() for cell in row)]
    if not any(cell.strip() for row in header_rows for cell in row):
        header_rows = []  # an empty header row (a layout table's) names nothing
    width = max([len(row) for row in list(header_rows) + body] or [0])
    if width == 0:
        return lines
    if not header_rows and width > 2:
        return lines + [" | ".join(_value(c) for c in row) for row in body]
    if width == 1:
        return lines + [_value(row[0]) for row in body]
    names = _column_names(header_rows, width)
    if header_rows and any(not names[j] and any(j < len(row) and row[j].strip() for row in body)
                           for j in range(1, width)) and width > 2:
        # a column without a name among named ones: its records would not say which column they are
        return lines + [" | ".join(_value(c) for c in row) for row in [*header_rows, *body]]
    unit = caption_unit(caption) if unit is None else unit
    rows = _with_groups(body, width)
    keys = _key_columns(rows, names)
    out: list[str] = []
    for row, groups in rows:
        if row is None:
            continue
        name = _row_name(row, names, keys)
        if not any(_value(c) for c in row[keys:]):
            out += [name] if name else []  # a row with a name and nothing else
            continue
        stem = list(groups) + ([name] if name else [])
        for column, cell in zip(names[keys:], row[keys:]):
            value = _value(cell)
            if not value:
                continue
            path = PATH_SEPARATOR.join(stem + ([column] if column else []))
            shown = f"{value} ({unit})" if unit and is_numeric(value) and not value.endswith("%") else value
            out.append(f"{path}: {shown}" if path else shown)
    if not any(PATH_SEPARATOR in line or ": " in line for line in out):
        out = [" | ".join(_value(c) for c in row) for row in [*header_rows, *body]]  # nothing to name a cell by
    return lines + out


def _with_groups(body: list[list[str]], width: int) -> list[tuple[list[str] | None, tuple[str, ...]]]:
    """Each body row (None for a row-group row) with the row groups it sits in. A row group is a row with a name
    and no values whose name ends with a colon, or that rows indented deeper follow, or (in a table of numbers with
    two or more value columns) any such row; or a name spanning the whole row."""
    numbers = any(is_numeric(c) for row in body for c in row[1:])
    indents = [_indent(row[0]) for row in body]
    indented = len(set(indents)) > 1
    groups: list[tuple[int, str]] = []  # (indent, name) of the row groups the next row sits in
    out: list[tuple[list[str] | None, tuple[str, ...]]] = []
    for k, (row, indent) in enumerate(zip(body, indents)):
        row += [""] * (width - len(row))
        name = _label(row[0])
        values = [_value(c) for c in row[1:]]
        deeper = k + 1 < len(body) and indents[k + 1] > indent
        if name and ((width >= 3 and all(v == name for v in values)) or not any(values) and (
                row[0].rstrip().endswith(":") or deeper or (width >= 3 and numbers))):
            while groups and groups[-1][0] >= indent:
                groups.pop()
            groups.append((indent, name))
            out.append((None, ()))
            continue
        if indented:
            while groups and groups[-1][0] >= indent:
                groups.pop()
        out.append((row, tuple(g for _, g in groups)))
    return out


def _key_columns(rows: Sequence[tuple[list[str] | None, tuple[str, ...]]], names: Sequence[str]) -> int:
    """How many leading columns name a row: one, unless rows repeat their first cell (within their groups) and a
    few more leading named columns of short words (no numbers) tell every row apart ("v", "w" → "Action
    taken")."""
    data = [(row, groups) for row, groups in rows if row is not None]
    for keys in range(1, len(names)):
        if keys > 1 and (not names[keys - 1] or any(is_numeric(row[keys - 1]) or len(row[keys - 1].split()) > 4
                                                    for row, _ in data)):
            break
        seen = {(groups, tuple(_label(c) for c in row[:keys])) for row, groups in data}
        if len(seen) == len(data):
            return keys
    return 1


def _row_name(row: Sequence[str], names: Sequence[str], keys: int) -> str:
    """What a row is called: its first cell ("Copper"); a bare number after its column's name ("threadsafety 0",
    "Year 2019"); several key cells each after its column's name ("v new, w old")."""
    cells = [_label(c) for c in row[:keys]]
    if keys == 1:
        name = cells[0]
        if name and names[0] and not re.search(r"[^\W\d_]", name):
            return f"{names[0]} {name}"  # a bare number names nothing
        return name
    return ", ".join(" ".join(x for x in (names[j], cells[j]) if x) for j in range(keys) if cells[j])


def grid(rows: Sequence[Sequence[tuple[str, int, int]]]) -> list[list[str]]:
    """Rows of ``(text, colspan, rowspan)`` cells (HTML, reST) as rows of equal length, a spanning cell's text
    given in every position it covers."""
    out: list[list[str]] = []
    pending: dict[tuple[int, int], str] = {}  # (row, column) → text of a cell spanning down into it
    for r, row in enumerate(rows):
        line: list[str] = []
        for text, colspan, rowspan in row:
            while (r, len(line)) in pending:
                line.append(pending.pop((r, len(line))))
            for _ in range(max(1, min(colspan, MAX_SPAN))):
                for below in range(1, max(1, min(rowspan, MAX_SPAN))):
                    pending[(r + below, len(line))] = text
                line.append(text)
        while (r, len(line)) in pending:
            line.append(pending.pop((r, len(line))))
        out.append(line)
    width = max((len(row) for row in out), default=0)
    return [row + [""] * (width - len(row)) for row in out]


MAX_SPAN = 64  # a colspan or rowspan larger than this is a broken page, not a table


def first_row_names_columns(rows: Sequence[Sequence[str]]) -> bool:
    """For a table that marks no header row (a Word table, an HTML table without ``th``): whether its first row
    names the columns: words or years over rows holding other numbers, or three or more short names over rows of
    text."""
    if len(rows) < 2 or len(rows[0]) < 2:
        return False
    head = [" ".join(c.split()) for c in rows[0][1:]]
    if not all(head):
        return False
    below = [" ".join(c.split()) for row in rows[1:] for c in row[1:] if c.strip()]
    if any(is_numeric(c) and not is_year(c) for c in below):
        return all(is_year(c) or not (is_numeric(c) or is_blank_mark(c)) for c in head)
    return len(rows[0]) >= 3 and all(len(c.split()) <= 4 and not is_numeric(c) for c in head)


def header_count(rows: Sequence[Sequence[str]]) -> int:
    """How many leading rows of a table that marks none (a Word table, an HTML table without ``th``, a reST
    table without a header) name its columns: the first when ``first_row_names_columns``, and the rows after it
    that, in a table of numbers, hold words or years under an empty (or the same, spanning) first cell
    ("Python 3.2" over "16-bit wchar_t" over "32-bit")."""
    if not first_row_names_columns(rows):
        return 0
    count = 1
    while count < len(rows) - 1:
        row, above = rows[count], rows[count - 1]
        stub = " ".join(row[0].split())
        cells = [c for c in row[1:] if c.strip()]
        if stub and stub != " ".join(above[0].split()) or not cells \
                or not all(is_year(c) or not (is_numeric(c) or is_blank_mark(c)) for c in cells) \
                or not any(is_numeric(c) and not is_year(c) for later in rows[count + 1:] for c in later[1:]):
            break
        count += 1
    return count


# -- whitespace-aligned tables in plain text ---------------------------------------------------------------------------

MAX_COLUMNS = 16  # a table wider than this is left line by line
_SEPARATOR_LINE = re.compile(r"^[\s\-=_+|:.\u2013\u2014\u2500-\u257f]{3,}$")
_PROMPT = re.compile(r"^\s*(?:>>>|\.\.\.|\$|#|%)(?:\s|$)")  # a line of an interactive session or a shell
_CODE_MARK = re.compile(r"[=;{}]|(?:^|\s)(?:#|//)")
_LIST_MARKER = re.compile(r"^(?:[-*+\u2022]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)]|\([ivxlc]{1,6}\))$")


@dataclass
class AlignedTable:
    """A table found in plain text: lines ``start:end`` of the block and the lines it is stored as."""

    start: int
    end: int
    lines: list[str]
    columns: int = 0


def _fields(line: str) -> list[tuple[int, int, str]]:
    """The (start, end, text) of a line's fields: text separated by two or more spaces or a tab."""
    line = line.expandtabs(8)
    out = []
    for m in re.finditer(r"\S+(?: \S+)*", line):
        out.append((m.start(), m.end(), m.group(0)))
    return out


def _is_separator(line: str) -> bool:
    return bool(_SEPARATOR_LINE.match(line)) and bool(re.search(r"[-=_\u2013\u2014\u2500-\u257f]{3}", line))


def _numbers(fields: Sequence[tuple[int, int, str]]) -> int:
    return sum(1 for _, _, text in fields[1:] if is_numeric(text) or is_blank_mark(text))


def _columns(lines: Sequence[str]) -> list[tuple[int, int]]:
    """The column ranges of ``lines``: runs of positions between gutters (positions blank on every line, at
    least two wide)."""
    width = max(len(line) for line in lines)
    filled = [False] * width
    for line in lines:
        for a, b, _ in _fields(line):
            for k in range(a, b):
                filled[k] = True
    runs: list[list[int]] = []
    k = 0
    while k < width:
        if filled[k]:
            start = k
            while k < width and filled[k]:
                k += 1
            if runs and start - runs[-1][1] < 2:
                runs[-1][1] = k  # a one-space gap is a space between words, not a gutter
            else:
                runs.append([start, k])
        else:
            k += 1
    return [(a, b) for a, b in runs]


def _cells(line: str, columns: Sequence[tuple[int, int]], spanning: bool) -> list[str] | None:
    """The line's text per column; a field over several columns is given to each (``spanning``, a header line)
    or to the one it overlaps most. None when a field lies in no column."""
    out = [""] * len(columns)
    for a, b, text in _fields(line):
        overlaps = [(min(b, hi) - max(a, lo), j) for j, (lo, hi) in enumerate(columns) if min(b, hi) > max(a, lo)]
        if not overlaps:
            return None
        targets = [j for _, j in overlaps] if spanning else [max(overlaps)[1]]
        for j in targets:
            out[j] = f"{out[j]} {text}".strip()
    return out


def _aligned(cells: Sequence[tuple[int, int]]) -> bool:
    """Whether most cells of a column share their left or right edge (within one character)."""
    if len(cells) < 2:
        return True
    best = 0
    for edge in (0, 1):
        values = [c[edge] for c in cells]
        best = max(best, max(sum(1 for v in values if abs(v - w) <= 1) for w in values))
    return best >= 0.6 * len(cells)


def find_aligned(lines: Sequence[str], indented_block: bool = False, context: str = "") -> AlignedTable | None:
    """The first whitespace-aligned table among a block's ``lines`` (see ``_table_at``), or None. Its unit is
    read from its own caption lines, else from the lines above it, else from ``context`` (the block before)."""
    expanded = [line.expandtabs(8).rstrip() for line in lines]
    multi = [len(_fields(line)) >= 2 and not _is_separator(line) for line in expanded]
    i = 0
    while i < len(expanded):
        if not multi[i]:
            i += 1
            continue
        # the run of lines around multi-field lines: short one-field lines (groups, spanning headers) may sit in it
        j = i
        while j < len(expanded) and (multi[j] or _is_separator(expanded[j])
                                     or (len(_fields(expanded[j])) == 1 and len(expanded[j].strip()) <= 60
                                         and j + 1 < len(expanded) and multi[j + 1])
                                     or (len(_fields(expanded[j])) == 1
                                         and _indent(expanded[j]) > _indent(expanded[i]) + 2)):
            j += 1  # (a one-field line indented into the value columns goes on with a cell above it)
        start = i
        while start > 0 and (_is_separator(expanded[start - 1])
                             or (len(_fields(expanded[start - 1])) == 1
                                 and _indent(expanded[start - 1]) > _indent(expanded[i]) + 2)):
            start -= 1  # a spanning header ("Fiscal year") or a rule above the first multi-field line
        found = _table_at(expanded, start, j, indented_block, "\n".join([context, *expanded[:start]]))
        if found is not None:
            return found
        i = j
    return None


_GRID_RULE = re.compile(r"^\s*[+|]?(?:[-=:+ ]*[-=][-=:+ ]*)[+|]?\s*$")
_GRID_ROW = re.compile(r"^\s*\|.*\|\s*$|^[^|]*\S\s+\|\s+\S")  # "| a | b |", or "a | b" (psql)


def find_grid(lines: Sequence[str], context: str = "") -> AlignedTable | None:
    """The first table drawn with "|" among a block's lines (a reST grid table, a Markdown or org-mode table in a
    text file, psql output with borders), or None. Rows between rules are one row (a cell's text may go on over
    several lines) when rules separate most rows, else each line is a row; the rows above a "=" rule, or above the
    first rule under the top one, name the columns."""
    i = 0
    while i < len(lines):
        if not (_GRID_ROW.match(lines[i]) or _GRID_RULE.match(lines[i]) and "+" in lines[i]):
            i += 1
            continue
        j = i
        while j < len(lines) and (_GRID_ROW.match(lines[j]) or _GRID_RULE.match(lines[j])):
            j += 1
        run = [line.strip() for line in lines[i:j]]
        bordered = all(line.startswith(("|", "+")) for line in run)
        if sum(1 for line in run if _GRID_ROW.match(line)) >= 2 and (bordered or len(run) >= 3 and any(
                _GRID_RULE.match(line) for line in run)):
            found = _grid_table(run, "\n".join([context, *lines[:i]][-3:]))
            if found is not None:
                return AlignedTable(i, j, found, 0)
        i = j
    return None


def _grid_table(run: Sequence[str], above: str) -> list[str] | None:
    groups: list[list[list[str]]] = [[]]
    rules: list[tuple[int, bool]] = []  # (index of the group after the rule, whether it is a "=" rule)
    for line in run:
        if _GRID_RULE.match(line) and not _GRID_ROW.match(line) or set(line) <= set("|-=:+ "):
            if groups[-1]:
                rules.append((len(groups), "=" in line))
                groups.append([])
            elif len(groups) == 1:
                rules.append((0, "=" in line))
            continue
        inside = line.strip()
        inside = inside[1:] if inside.startswith("|") else inside
        inside = inside[:-1] if inside.endswith("|") else inside
        groups[-1].append([c.strip() for c in inside.split("|")])
    groups = [g for g in groups if g]
    inner = [k for k, _ in rules if 0 < k < len(groups) + 1]
    if len(groups) >= 3 and len(inner) >= len(groups) - 2 or all(len(g) == 1 for g in groups):
        # rules between rows: the lines between two rules are one row (its cells' text may go on over lines)
        rows = [[" ".join(line[c] for line in group if c < len(line) and line[c]) for c in range(max(map(len, group)))]
                for group in groups]
        heads = next((k for k, double in rules if double and 0 < k < len(rows)), 0)
    else:  # each line a row; the first group above a rule is the header
        rows = [line for group in groups for line in group]
        heads = len(groups[0]) if len(groups) > 1 else 0
    if len({len(row) for row in rows}) > 1 or len(rows) < 2:
        return None  # not one grid (cells spanning columns): kept line by line
    if heads == 0:
        heads = header_count(rows)
    return records(rows[:heads], rows[heads:], unit=caption_unit(above))


def has_number_row(lines: Sequence[str]) -> bool:
    """Whether a line holds two or more fields apart by runs of spaces, a number among those after the first:
    a row of a table laid out with spaces ("Copper     1,200    1,150")."""
    for line in lines:
        fields = _fields(line.expandtabs(8))
        if len(fields) >= 2 and not _is_separator(line) and _numbers(fields) >= 1:
            return True
    return False


def looks_tabular(lines: Sequence[str]) -> bool:
    """Whether a block is rows of short fields (three or more lines of three or more fields, mostly numbers)
    that ``find_aligned`` could not align: kept line by line rather than joined into a paragraph."""
    rows = [_fields(line.expandtabs(8)) for line in lines if line.strip()]
    wide = [f for f in rows if len(f) >= 3]
    if len(wide) < 3 or len(wide) < 0.6 * len(rows):
        return False
    cells = [text for f in wide for _, _, text in f[1:]]
    return sum(1 for c in cells if is_numeric(c) or is_blank_mark(c)) >= 0.5 * len(cells)


def _table_at(lines: Sequence[str], start: int, end: int, indented_block: bool,
              above: str) -> AlignedTable | None:
    """Lines ``start:end`` as a table, when they are one: at least three lines, most with two or more fields,
    value columns whose cells line up, short cells (or numbers), neither a list nor "label: value" lines."""
    region = lines[start:end]
    rows = [(k, line) for k, line in enumerate(region) if line.strip() and not _is_separator(line)]
    multi = [(k, line) for k, line in rows if len(_fields(line)) >= 2]
    if len(rows) < 3 or len(multi) < 2 or 2 * len(multi) < len(rows):
        return None
    if any(_PROMPT.match(line) or line.strip().startswith("|") or " | " in line for _, line in rows):
        return None  # an interactive session, or a table drawn with "|" (``find_grid``)
    numeric_lines = [(k, line) for k, line in multi if _numbers(_fields(line)) >= 1]
    basis = numeric_lines if len(numeric_lines) >= 2 else multi
    columns = _columns([line for _, line in basis])
    if not 2 <= len(columns) <= MAX_COLUMNS:
        return None
    grid: dict[int, list[str]] = {}
    spans: list[list[tuple[int, int]]] = [[] for _ in columns]
    for k, line in multi:
        cells = _cells(line, columns, spanning=False)
        if cells is None or sum(1 for c in cells if c) < 2:
            return None
        grid[k] = cells
        if (k, line) in basis:
            for a, b, _ in _fields(line):
                for j, (lo, hi) in enumerate(columns):
                    if min(b, hi) > max(a, lo):
                        spans[j].append((a, b))
    if not all(_aligned(s) for s in spans[1:]):
        return None
    values = [c for cells in grid.values() for c in cells[1:] if c]
    numbers = sum(1 for c in values if is_numeric(c) or is_blank_mark(c) or is_year(c))
    numeric = numbers >= 0.5 * len(values)
    if not numeric:
        if len(multi) < 3 or sorted(len(c) for c in values)[len(values) // 2] > 40:
            return None  # text cells: a longer run of short ones (prose with double spaces has long ones)
        stubs = [grid[k][0] for k, _ in multi if grid[k][0]]
        if len(columns) == 2 and stubs and (all(_LIST_MARKER.match(s) for s in stubs)
                                            or sum(s.endswith(":") for s in stubs) * 2 >= len(stubs)):
            return None  # a list with its markers apart, or "label: value" lines
        if indented_block or 2 * sum(1 for _, line in multi if _CODE_MARK.search(line)) >= len(multi):
            return None  # an indented block of text columns, or lines of assignments and comments: code
    elif indented_block and (len(columns) < 3 or len(multi) < 3):
        return None
    header, body, caption = _split_header(region, rows, grid, columns, numeric)
    if not body or (indented_block and not header):
        return None  # (numbers in an indented block without column names: a program's output)
    caption_text = "\n".join(region[k].strip() for k in caption)
    unit = caption_unit(caption_text) or caption_unit("\n".join(above.strip("\n").split("\n")[-3:]))
    return AlignedTable(start, end, records(header, body, caption_text, unit), len(columns))


def _split_header(region: Sequence[str], rows: Sequence[tuple[int, str]], grid: dict[int, list[str]],
                  columns: Sequence[tuple[int, int]], numeric: bool
                  ) -> tuple[list[list[str]], list[list[str]], list[int]]:
    """Header rows (cells per column, spanning cells repeated), body rows (the first cell keeps its indentation
    relative to the table's left edge) and the caption lines (one-field lines above the header at its left)."""
    left = min(_indent(line) for _, line in rows)
    separator = next((k for k, line in enumerate(region[:6]) if _is_separator(line) and k > 0), None)
    header: list[list[str]] = []
    body: list[list[str]] = []
    caption: list[int] = []
    in_header = True
    first_multi = next(k for k, _ in rows if k in grid)
    for k, line in rows:
        fields = _fields(line)
        if in_header:
            if separator is not None and k < separator:
                if k in grid:
                    header.append(grid[k])
                elif fields[0][0] <= left + 1 and not header:
                    caption.append(k)
                else:
                    header.append(_cells(line, columns, spanning=True) or [""] * len(columns))
                continue
            stubless = fields[0][0] >= columns[0][1] if len(columns) > 1 else False
            if stubless and all(is_year(t) or not (is_numeric(t) or is_blank_mark(t)) for _, _, t in fields):
                # text only in the value columns, words or years: a header line ("2019  2020", "Fiscal year")
                header.append(_cells(line, columns, spanning=True) or [""] * len(columns))
                continue
            if k not in grid and not header and k < first_multi:
                caption.append(k)  # a title line at the left edge above the table
                continue
            if k == first_multi and separator is None and _names_columns(grid, k, numeric):
                header.append(grid[k])
                continue
            in_header = False
        if k in grid:
            cells = list(grid[k])
            a = fields[0][0]
            if a < columns[0][1]:
                cells[0] = " " * (a - left) + cells[0]
            body.append(cells)
        elif not body and header and not header[-1][0] and fields[0][0] < columns[0][1] \
                and not line.rstrip().endswith(":"):
            header[-1][0] = line.strip()  # under the column names, at the left: the first column's name
        elif body and fields[0][0] >= columns[0][1]:  # in the value columns: a cell's text goes on
            cells = _cells(line, columns, spanning=False) or []
            for j, text in enumerate(cells):
                if text:
                    body[-1][j] = f"{body[-1][j]} {text}".strip()
        else:  # a one-field line in the body: a row group (or a row name wrapped onto its own line)
            body.append([" " * (fields[0][0] - left) + line.strip()] + [""] * (len(columns) - 1))
    for row in header[:-1]:
        named = {c for c in row[1:] if c}
        if len(named) == 1:  # one label over the value columns ("Fiscal year") names them all
            row[1:] = [named.pop()] * (len(row) - 1)
        else:  # labels over groups of columns ("ACCEPT" over three, "REJECT" over the next three)
            for j in range(2, len(row)):
                row[j] = row[j] or row[j - 1]
    return header, body, caption


def _names_columns(grid: dict[int, list[str]], k: int, numeric: bool) -> bool:
    """Whether the first multi-field line names the columns: in a table of numbers, a line of words or years
    over rows holding other numbers; in a table of text, a line of three or more short names."""
    cells = [c for c in grid[k][1:] if c]
    if numeric:
        if not all(is_year(c) or not (is_numeric(c) or is_blank_mark(c)) for c in cells):
            return False
        later = [c for key, row in grid.items() if key > k for c in row[1:] if c]
        return any(is_numeric(c) and not is_year(c) for c in later)
    return len(grid[k]) >= 3 and all(len(c.split()) <= 4 for c in grid[k] if c)


__all__ = ["AlignedTable", "MAX_COLUMNS", "PATH_SEPARATOR", "caption_unit", "find_aligned", "find_grid", "first_row_names_columns",
           "grid", "has_number_row", "header_count", "is_blank_mark", "is_numeric", "is_year", "looks_tabular",
           "records", "unit_above"]
