"""The clean-text contract, in one place: a builder that every reader writes blocks into.

- a paragraph is one line (its wrapped lines joined with single spaces; "label: value" lines stay one per line);
- blocks (paragraphs, headings, lists, tables, code) are separated by a blank line;
- a list or a table is one block: one item / row per line;
- code is kept exactly as it is;
- every heading is a line of its own, and its ``[start, end, level]`` offsets are recorded.
"""

from __future__ import annotations

import re

# "label: value" on one line: a label of at most six words starting with a capital or a digit (letters, digits,
# dots, brackets, dashes), then ": text". A lower-case start ("this: There were") is a sentence running on.
WRAP_WIDTH = 100  # hard-wrapped text (e-mail, RFCs, PEPs, government documents) keeps its lines under this


def unwrapped_paragraphs(text: str) -> list[str]:
    """The paragraphs of a block whose lines are separated by single line breaks: one paragraph when the lines are
    hard-wrapped (all within ``WRAP_WIDTH``), else one per line (a writer who never wraps puts a paragraph on each
    line: a caption above a long paragraph, a news article typed one paragraph a line)."""
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) > 1 and any(len(line.strip()) > WRAP_WIDTH for line in lines):
        return lines
    return [text]


FIELD_LINE = re.compile(r"^\s*(?:[-*+]\s+|\d{1,3}[.)]\s+)?[A-Z0-9(\u00c0-\u024f][\w.()/'’+&# -]{0,60}?:[ \t]+\S")
_URL_SCHEME = re.compile(r"^\s*\w+://|^\s*(?:https?|mailto|ftp|file):", re.I)


def one_line(text: str) -> str:
    """Whitespace runs (newlines, tabs, non-breaking spaces) collapsed to single spaces."""
    return " ".join(text.split())


def is_field_line(line: str) -> bool:
    """``line`` reads as "label: value" (e.g. "Author: Guido van Rossum", "- 3.8.0 final: Monday, 2019-10-14")."""
    match = FIELD_LINE.match(line)
    if not match or _URL_SCHEME.match(line):
        return False
    label = line[:match.end()].rsplit(":", 1)[0]
    return len(label.split()) <= 6


def join_field_lines(text: str) -> str:
    """A paragraph's source lines joined into one line, except that consecutive "label: value" lines stay one
    per line (a wrapped value continues its line)."""
    out: list[str] = []
    starts_with_field = False  # whether the current output line began as a "label: value" line
    for raw in text.split("\n"):
        line = one_line(raw)
        if not line:
            continue
        field = is_field_line(raw)
        if out and not (field and starts_with_field):
            out[-1] += " " + line
        else:
            out.append(line)
            starts_with_field = field
    return "\n".join(out)


class TextBuilder:
    """Accumulates blocks into the document text and the offsets of its headings."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self.headings: list[list[int]] = []

    def _append(self, text: str, kind: str) -> int | None:
        """Add one block after a blank line; its start offset, or None when it is empty. (``kind`` names the
        block for readers of the calls: paragraph, heading, list, table, fields, code.)"""
        if not text.strip():
            return None
        if self._parts:
            self._parts.append("\n\n")
            self._length += 2
        start = self._length
        self._parts.append(text)
        self._length += len(text)
        return start

    def paragraph(self, text: str) -> None:
        """A paragraph from its source text: wrapped lines joined; "label: value" lines kept one per line."""
        self._append(join_field_lines(text), "paragraph")

    def line(self, text: str) -> None:
        """A paragraph that is already one line (or several lines that must be kept)."""
        self._append("\n".join(one_line(t) for t in text.split("\n") if t.strip()), "paragraph")

    def heading(self, text: str, level: int) -> None:
        text = one_line(text)
        start = self._append(text, "heading")
        if start is not None:
            self.headings.append([start, start + len(text), max(1, int(level))])

    def lines(self, lines: list[str], kind: str = "list") -> None:
        """A list or a table: one item or row per line (items keep their leading indentation)."""
        kept = [line.rstrip() for line in lines if line.strip()]
        self._append("\n".join(kept), kind)

    def code(self, text: str) -> None:
        """A literal block, kept as it is (leading and trailing blank lines dropped), each line indented by
        ``CODE_INDENT`` spaces: the plain-text convention for code, by which the answer units know it is code
        and never quote it as a sentence."""
        text = re.sub(r"\A(?:[ \t]*\n)+", "", text.replace("\r\n", "\n")).rstrip()
        self._append("\n".join(" " * CODE_INDENT + line if line.strip() else "" for line in text.split("\n")), "code")

    def text(self) -> str:
        return "".join(self._parts)

    def result(self) -> tuple[str, list[list[int]]]:
        """The text and the heading offsets, heading levels shifted so the top level of the body is 1."""
        if self.headings:
            top = min(h[2] for h in self.headings)
            for h in self.headings:
                h[2] = h[2] - top + 1
        return self.text(), self.headings


CODE_INDENT = 4  # how far a code block is indented in the clean text


def table_row(cells: list[str]) -> str:
    """One table row: the cells' text, each on one line, joined by " | "."""
    return " | ".join(one_line(c) for c in cells)


__all__ = ["FIELD_LINE", "TextBuilder", "is_field_line", "join_field_lines", "one_line", "table_row"]
