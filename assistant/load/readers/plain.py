"""Plain text (and PDF page text): hard-wrapped lines joined into paragraphs by one small, named heuristic.

A line continues the previous one (a wrap) unless one of these says the previous line ended, or this one starts,
a line of its own:

- ``is_list_item``: the line starts a list item ("- ", "* ", "1. ", "(a) ", "ii) ");
- ``is_field_line``: the line reads "label: value" ("Author: Guido van Rossum", "Created: 27-Jan-2018");
- ``is_code_line``: the line is indented (4+ spaces or a tab) while the block's first line is not;
- ``ends_short``: the previous line is short (under ``SHORT`` characters) or in capitals, and ends without
  punctuation (a title, an address line, a signature), or it ends a sentence well short of the block's wrap width
  (a paragraph's last line).

A list item's indented continuation lines are joined into the item. Blocks are separated by blank lines; a block
whose lines are all indented is kept as it is (code).

A table laid out with spaces (``tables.find_aligned``) or drawn with "|" (``tables.find_grid``) is stored as records ("Imports › Copper › 2023: 300"), the
lines around it as above (blank lines inside a table, under its header or between row groups, do not end it);
a block of rows that cannot be aligned is kept row by row, its fields joined by " | ",
never joined into a paragraph.
"""

from __future__ import annotations

import re

from .blocks import is_field_line, one_line
from .tables import find_aligned, find_grid, has_number_row, looks_tabular

SHORT = 40  # characters: a line shorter than this that ends without punctuation is not a wrapped line
LAST_LINE_RATIO = 0.8  # a sentence-ending line shorter than this share of the block's width ends its paragraph
_LIST_ITEM = re.compile(r"^\s*(?:[-*+\u2022\u2023\u25aa\u2013]|\(?\d{1,3}[.)]|\(?[a-z][.)]|\([ivxlcIVXLC]{1,6}\)"
                        r"|[ivxlc]{1,6}\))\s+\S")
_PUNCT_END = re.compile(r"[.,;:!?)\]\"'\u201d\u2019]$")
_SENTENCE_END = re.compile(r"[.!?:][\"'\u201d\u2019)]?$")


def is_list_item(line: str) -> bool:
    return bool(_LIST_ITEM.match(line))


def _indent(line: str) -> int:
    return len(line.expandtabs(8)) - len(line.expandtabs(8).lstrip())


def is_code_line(line: str, base_indent: int) -> bool:
    return _indent(line) >= base_indent + 4


def ends_short(previous: str, width: int) -> bool:
    """The previous line ended its paragraph: short without final punctuation, or a sentence end well short of the
    block's width."""
    prev = previous.strip()
    if len(prev) < SHORT and not _PUNCT_END.search(prev):
        return True
    if not _PUNCT_END.search(prev) and prev.upper() == prev and re.search(r"[A-Z]", prev):
        return True  # a line in capitals without final punctuation: a title
    return bool(_SENTENCE_END.search(prev)) and len(prev) < LAST_LINE_RATIO * width


def join_wrapped(lines: list[str]) -> list[str]:
    """One block's source lines as logical lines (paragraphs, items, fields, code lines)."""
    lines = [line.rstrip() for line in lines if line.strip()]
    if not lines:
        return []
    base = _indent(lines[0])
    width = max(len(line.strip()) for line in lines)
    out: list[str] = []
    item_indent: int | None = None  # indentation of the current list item's text, when the last line is an item
    previous_line = ""
    for line in lines:
        previous_line, last = line, previous_line
        if not out:
            out.append(line.strip() if not is_code_line(line, base) else line)
            item_indent = _item_text_indent(line)
            continue
        previous = out[-1]
        indent = _indent(line)
        if is_list_item(line) or is_field_line(line):
            out.append(line.strip() if indent <= base else line.rstrip())
            item_indent = _item_text_indent(line)
        elif item_indent is not None and indent > base and indent <= item_indent + 1:
            out[-1] = previous + " " + line.strip()
        elif is_code_line(line, base):
            out.append(line)
            item_indent = None
        elif ends_short(last, width):
            out.append(line.strip())
            item_indent = None
        else:
            out[-1] = previous + " " + line.strip()
    return [line if line.startswith((" ", "\t")) else one_line(line) for line in out]


def _item_text_indent(line: str) -> int | None:
    match = _LIST_ITEM.match(line)
    if not match:
        return None
    return match.end() - 1


CAPTION_LINES = 3  # a block this short right before a table may hold its unit ("(thousand metric tons)")
MAX_TABLE_LINES = 400  # blocks stop being gathered into one table past this many lines (bounds the work)


def plain_text(text: str) -> str:
    """The whole text with wrapped lines joined, tables as records, blocks separated by one blank line."""
    sources = [[line for line in block.split("\n") if line.strip()]
               for block in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n"))]
    sources = [lines for lines in sources if lines]
    blocks: list[str] = []
    before = ""
    k = 0
    while k < len(sources):
        lines, k = _table_across_blank_lines(sources, k)
        blocks.append(_block(lines, before if len(before.split("\n")) <= CAPTION_LINES else ""))
        before = "\n".join(lines)
    return "\n\n".join(b for b in blocks if b)


def _table_across_blank_lines(sources: list[list[str]], k: int) -> tuple[list[str], int]:
    """Block ``k``'s lines, with the blocks after it that go on with a table it holds (a layout that puts a
    blank line under the header or between row groups), and the index of the next block."""
    lines = sources[k]
    k += 1
    while k < len(sources) and len(lines) < MAX_TABLE_LINES and has_number_row(lines[-1:]) \
            and has_number_row(sources[k]):
        alone = find_aligned(lines)
        merged = lines + sources[k]
        table = find_aligned(merged)
        if table is None or not table.start < len(lines) < table.end \
                or (alone is not None and alone.end == len(lines) and alone.columns != table.columns):
            break
        lines = merged
        k += 1
    return lines, k


def _block(lines: list[str], before: str) -> str:
    """One block's clean text: its tables as records, the rest joined (or kept, when indented: code)."""
    code = all(line.startswith(("    ", "\t")) for line in lines)
    out: list[str] = []
    rest = lines
    while rest:
        grid = find_grid(rest, before)
        table = find_aligned(rest, code, before)
        if grid is not None and (table is None or grid.start <= table.start):
            table = grid
        if table is None:
            break
        out += _lines(rest[:table.start], code) + table.lines
        rest = rest[table.end:]
        before = ""
    if out:
        return "\n".join(out + _lines(rest, code))
    if not code and looks_tabular(lines):
        return "\n".join(" | ".join(re.split(r"\s{2,}|\t", line.strip())) for line in lines)
    return "\n".join(_lines(lines, code))


def _lines(lines: list[str], code: bool) -> list[str]:
    if code:
        return [line.rstrip() for line in lines]  # an indented block: code, kept as it is
    return join_wrapped(lines)


__all__ = ["CAPTION_LINES", "MAX_TABLE_LINES", "SHORT", "LAST_LINE_RATIO", "ends_short", "is_code_line",
           "is_list_item", "join_wrapped", "plain_text"]
