"""Answer units of a document: sentences, list items, "label: value" lines, table records and table rows, each with
the heading path it sits under.

A table record ("Imports › Copper › 2023: 320", ``readers.tables.records``) is a "label: value" unit (kind "field")
whatever the length of its path or the look of its row name ("1. Wages › 2023: 14"): its path is its label.

The loaders hand over clean text (one paragraph a line, lists and tables line by line) and the offsets of its
headings (``metadata["headings"]``: ``[start, end, level]``). A unit never ends at a mere line wrap: inside a
paragraph a line break counts as a space, and sentences come from a real segmenter (blingfire: a compiled
finite-state model shipped in its wheel, with character offsets, ~50 MB/s; pysbd segments slightly better but is
two orders of magnitude slower, too slow for the question path). Documents stored before the clean-text step
(Markdown ``#`` headings, hard-wrapped lines) are read the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Sequence

from ..documents import Document
from .readers.blocks import WRAP_WIDTH

SEPARATOR = " \u203a "  # "Python 3.8 Release Schedule › Release Schedule › 3.8.0 schedule"

# Abbreviations after which blingfire may cut a sentence that goes on ("Mr. J. Smith", "No. 18", "Sec. 2").
_ABBREVIATIONS = frozenset("""
mr mrs ms dr prof sr jr st no nos vs etc inc ltd co corp gov sen rep gen col lt jan feb mar apr jun jul aug sep sept
oct nov dec fig al approx dept est para ch sec art e.g i.e u.s u.k u.n op vol pp ed eds
""".split())
_ITEM = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>[-*+\u2022\u2023\u25e6]|\(?\d{1,3}[.)]|\(?[a-z][.)]|\(?[ivx]{1,5}[.)])"
                   r"[ \t]+(?=\S)")
_LABEL = re.compile(r"(?P<label>[^:\n]{1,80}?)[ \t]*:[ \t]+(?=\S)")
_ATX = re.compile(r"^[ \t]{0,3}(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^[ \t]*([=\-~^\"'`#*+])\1{2,}[ \t]*$")
_FENCE = re.compile(r"^[ \t]*(```|~~~)")
_NOT_END = r"(?:[^:\n]|:(?![ \t]))"  # a character of a record's path: anything but the ": " that ends it
_RECORD = re.compile(rf"{_NOT_END}+? \u203a {_NOT_END}*?:[ \t]+(?=\S)")


@dataclass(frozen=True)
class Unit:
    """One answer unit: ``doc.text[start:end]``. ``value_start`` is where the value of a "label: value" unit
    begins (-1 for other units); ``path`` holds the titles of the headings it sits under, outermost first;
    ``block_start:block_end`` is the paragraph of a sentence, and for a list item or row the paragraph that leads
    into its list ("The 2031 council consists of:"), or the item itself when nothing does."""

    start: int
    end: int
    kind: str  # "sentence", "item", "field", "row", "heading", "code", "front" (a cover, contents or disclaimer page)
    path: tuple[str, ...] = ()
    block_start: int = 0  # the paragraph or list the unit belongs to
    block_end: int = 0
    value_start: int = -1

    @property
    def evidence(self) -> bool:
        """Whether the unit can be quoted as evidence (headings and code are context; a cover, contents or
        disclaimer page is never quoted as an answer)."""
        return self.kind not in ("heading", "code", "front")


def heading_path(doc: Document, offset: int) -> tuple[str, ...]:
    """The titles of the headings that ``offset`` of ``doc`` sits under, outermost first."""
    path: list[tuple[int, str]] = []
    for start, end, level in headings(doc):
        if start > offset:
            break
        while path and path[-1][0] >= level:
            path.pop()
        path.append((level, doc.text[start:end]))
    return tuple(title for _, title in path)


def context(doc: Document, unit: Unit) -> str:
    """The document's identity and the unit's heading path, as the unit is shown and indexed:
    "PEP 8 · Style Guide for Python Code › Code Lay-out › Maximum Line Length"."""
    return SEPARATOR.join([identity(doc)] + [p for p in unit.path if p != doc.title])


def identity(doc: Document) -> str:
    """The document's title, after the identifiers its own header gives it ("PEP: 8" → "PEP 8 · Style Guide for
    Python Code"): a header field whose value is a short code holding a digit names the document."""
    fields = doc.metadata.get("fields")
    ids = [f"{k} {v}" for k, v in fields.items() if _is_identifier(str(k), str(v))] if isinstance(fields, dict) else []
    return " \u00b7 ".join(ids + [doc.title])


def _is_identifier(key: str, value: str) -> bool:
    return len(key) <= 20 and len(value) <= 12 and " " not in value.strip() and any(ch.isdigit() for ch in value) \
        and not re.fullmatch(r"[\d-]+[A-Za-z]{3}[\d-]+|\d{4}-\d{2}-\d{2}", value)  # a date is no identifier


def headings(doc: Document) -> list[tuple[int, int, int]]:
    """``(start, end, level)`` of each heading line: the loader's, else Markdown ATX or setext headings."""
    given = doc.metadata.get("headings")
    if isinstance(given, list) and given:
        return [(int(s), int(e), int(lv)) for s, e, lv in given]
    return list(_markup_headings(doc.text))


def units(doc: Document) -> list[Unit]:
    """Every unit of ``doc`` in text order (cached per text)."""
    key = tuple(tuple(h) for h in headings(doc))
    found = list(_units(doc.text, key, doc.title))
    front = doc.metadata.get("front_matter") or []
    if front:  # the loader marked cover, contents and disclaimer pages (PDF): their units are no evidence
        found = [replace(u, kind="front") if any(a <= u.start < b for a, b in front) else u for u in found]
    return found


SHORT_DOCUMENT_CHARS = 4000  # a document this short is one passage (rules "document subject", "whole short document")


def document_subject(doc: Document) -> str:
    """What every unit of a document is about (rule "document subject"): a short document is one passage, so all
    of it; a longer one says it in its title and lead paragraph."""
    return doc.text if len(doc.text) <= SHORT_DOCUMENT_CHARS else f"{doc.title}\n{lead_paragraph(doc)}"


def lead_paragraph(doc: Document) -> str:
    """The document's lead: the paragraph of its first sentence ("" when it has none). A press release, a
    proclamation or a proposal says in its first paragraph what the whole text is about (the disaster and the
    state, the proposal's subject); later sentences take that for granted."""
    first = next((u for u in units(doc) if u.kind == "sentence"), None)
    return doc.text[first.block_start:first.block_end] if first is not None else ""


@lru_cache(maxsize=512)
def _units(text: str, heads: tuple[tuple[int, int, int], ...], title: str) -> tuple[Unit, ...]:
    doc = Document(source="", text=text, metadata={"headings": [list(h) for h in heads], "title": title})
    heading_lines = {text.rfind("\n", 0, s) + 1: (s, e) for s, e, _ in heads}
    out: list[Unit] = []
    pos = 0
    lines = text.split("\n")
    offsets = []
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    i = 0
    in_fence = False
    block: list[int] = []  # indexes of the lines of the paragraph being gathered

    def flush() -> None:
        if block:
            groups = [block] if _hard_wrapped([lines[k] for k in block]) else [[k] for k in block]
            for group in groups:
                start = offsets[group[0]]
                end = offsets[group[-1]] + len(lines[group[-1]])
                out.extend(_paragraph(text, start, end, heading_path(doc, start)))
            block.clear()

    while i < len(lines):
        line, at = lines[i], offsets[i]
        stripped = line.strip()
        if not in_fence and i > 0 and lines[i - 1].strip() and _SETEXT.match(line):
            flush()  # a heading's underline ("~~~~~~" in reST), not a code fence
            i += 1
            continue
        if _FENCE.match(line):
            flush()
            in_fence = not in_fence
            i += 1
            continue
        if in_fence:
            if stripped:
                out.append(Unit(at, at + len(line), "code", heading_path(doc, at), at, at + len(line)))
            i += 1
            continue
        if not stripped:
            flush()
            i += 1
            continue
        lead = len(line) - len(line.lstrip())
        start, end = at + lead, at + len(line.rstrip())
        if at in heading_lines:
            flush()
            start, end = heading_lines[at]
            out.append(Unit(start, end, "heading", heading_path(doc, start), start, end))
            i += 1
            continue
        if _SETEXT.match(line):
            flush()
            i += 1
            continue
        if lead >= 4 and not block and not _ITEM.match(line):
            out.append(Unit(start, end, "code", heading_path(doc, start), start, end))
            i += 1
            continue
        record = _RECORD.match(line, lead)
        if record:
            flush()
            out.append(Unit(start, end, "field", heading_path(doc, start), start, end, at + record.end()))
            i += 1
            continue
        item = _ITEM.match(line)
        if item or _is_row(stripped) or (not block and _is_field(stripped)):
            flush()
            # a wrapped item goes on over the following indented lines (documents without the clean step)
            j = i + 1
            while item and j < len(lines) and lines[j].strip() and not _ITEM.match(lines[j]) \
                    and len(lines[j]) - len(lines[j].lstrip()) > lead:
                j += 1
            end = offsets[j - 1] + len(lines[j - 1].rstrip())
            body = at + item.end() if item else start
            kind = "item" if item else ("row" if _is_row(stripped) else "field")
            out.append(_line_unit(text, body, end, kind, heading_path(doc, body)))
            i = j
            continue
        block.append(i)
        i += 1
    flush()
    return tuple(_with_lead_ins(text, out))


_LINE_KINDS = ("item", "row", "field")


def _with_lead_ins(text: str, found: list[Unit]) -> list[Unit]:
    """Give the items of a list the paragraph that introduces it (the one right before the list, under the same
    heading): what the list is a list of."""
    out: list[Unit] = []
    for unit in found:
        prev = out[-1] if out else None
        if unit.kind in _LINE_KINDS and prev is not None and prev.path == unit.path:
            gap = text[prev.end:unit.start]
            if prev.kind == "sentence" and prev.block_end == prev.end and not gap.strip(" \t\n-*+\u2022|"):
                unit = replace(unit, block_start=prev.block_start, block_end=prev.block_end)
            elif prev.kind in _LINE_KINDS and prev.block_end <= prev.start and gap.count("\n") <= 1:
                unit = replace(unit, block_start=prev.block_start, block_end=prev.block_end)
        out.append(unit)
    return out


def _hard_wrapped(lines: Sequence[str]) -> bool:
    """Whether consecutive lines are one hard-wrapped paragraph (every line within ``WRAP_WIDTH``) rather than
    separate one-line paragraphs (a caption above a long paragraph)."""
    return all(len(line.rstrip()) <= WRAP_WIDTH for line in lines)


def is_record(line: str) -> bool:
    """A table record as the loaders write it: "Row group › Row › Column: value"."""
    return bool(_RECORD.match(line.strip()))


def _is_field(line: str) -> bool:
    """A "Label: value" line: a short label that is not a sentence of its own ("Note that x: y" is prose)."""
    m = _LABEL.match(line)
    return bool(m) and len(m.group("label").split()) <= 6 and not m.group("label").rstrip().endswith(("http", "https"))


def _is_row(line: str) -> bool:
    """A table row as the loaders write it: cells joined by " | " (Markdown pipes with their borders too)."""
    return " | " in line or (line.startswith("|") and line.endswith("|") and line.count("|") >= 3)


def cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The cells of the table row ``text[start:end]`` as ``(start, end)`` offsets, trimmed, empty ones kept (a
    header row's corner cell is empty): cells are joined by " | ", and a Markdown row's border pipes are no cells."""
    line = text[start:end]
    lo, hi = 0, len(line)
    if line.lstrip().startswith("|") and line.rstrip().endswith("|") and line.count("|") >= 3:
        lo, hi = line.index("|") + 1, line.rindex("|")
    out: list[tuple[int, int]] = []
    for m in re.finditer(r"[^|]*", line[lo:hi]):
        if m.start() and line[lo + m.start() - 1] != "|":
            continue  # the empty match after each cell
        a, b = lo + m.start(), lo + m.end()
        while a < b and line[a].isspace():
            a += 1
        while b > a and line[b - 1].isspace():
            b -= 1
        out.append((start + a, start + b))
    return out


def table_header(text: str, unit: Unit) -> tuple[int, int] | None:
    """Rule "table column", its structure: the header row of the table a row unit belongs to, as ``(start,
    end)``: the first line of the run of row lines the unit sits in (a table's first row names its columns), or
    None when the unit is that row, is no row, or the header has another number of cells."""
    if unit.kind != "row":
        return None
    first = unit.start
    while first > 0:
        prev_start = text.rfind("\n", 0, first - 1) + 1
        prev = text[prev_start:first - 1]
        if not prev.strip() or not _is_row(prev.strip()):
            break
        first = prev_start
    if first >= unit.start:
        return None
    end = text.find("\n", first)
    end = len(text) if end < 0 else end
    if len(cells(text, first, end)) != len(cells(text, unit.start, unit.end)):
        return None
    return first, end


def _line_unit(text: str, start: int, end: int, kind: str, path: tuple[str, ...]) -> Unit:
    """A one-line unit; a "label: value" line, and a table row (its first cell the label), record where the
    value begins."""
    value_start = -1
    if kind == "row":
        cut = text.find(" | ", start, end)
        if cut > start:
            value_start = cut + 3
    else:
        label = _LABEL.match(text, start, end)
        if label and len(label.group("label").split()) <= 8 and not label.group("label").endswith(("http", "https")):
            value_start = label.end()
    return Unit(start, end, kind, path, start, end, value_start)


def _paragraph(text: str, start: int, end: int, path: tuple[str, ...]) -> list[Unit]:
    """The sentences of one paragraph; a line break inside it is a space to the segmenter."""
    import blingfire

    flat = text[start:end].replace("\n", " ")
    spans = _merge_abbreviations(flat, blingfire.text_to_sentences_and_offsets(flat)[1]) if flat.strip() else []
    out = []
    for a, b in spans:
        a, b = _trim(flat, a, b)
        if b - a >= 2 and any(ch.isalnum() for ch in flat[a:b]):
            out.append(Unit(start + a, start + b, "sentence", path, start, end))
    return out


def _merge_abbreviations(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join a cut that follows an abbreviation or an initial ("Mr. J. Smith said") to the next sentence."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out:
            prev = text[out[-1][0]:out[-1][1]].rstrip()
            word = re.search(r"([\w.]+)\.$", prev)
            token = (word.group(1) if word else "").lower()
            nxt = text[a:b].lstrip()[:1]
            if word and (token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())) and nxt \
                    and (nxt.isupper() or nxt.isdigit()):
                out[-1] = (out[-1][0], b)
                continue
        out.append((a, b))
    return out


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _markup_headings(text: str):
    pos = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = _ATX.match(line)
        if m:
            yield pos + m.start(2), pos + m.end(2), len(m.group(1))
        elif i + 1 < len(lines) and line.strip() and _SETEXT.match(lines[i + 1]) and not _SETEXT.match(line) \
                and not _ITEM.match(line):
            lead = len(line) - len(line.lstrip())
            yield pos + lead, pos + len(line.rstrip()), _setext_level(lines[i + 1].strip()[0])
        pos += len(line) + 1


_SETEXT_ORDER = "=-~^\"'`#*+"


def _setext_level(char: str) -> int:
    """reST and Markdown underline characters, in the order documents conventionally use them."""
    return _SETEXT_ORDER.index(char) + 1 if char in _SETEXT_ORDER else 3


__all__ = ["SEPARATOR", "Unit", "context", "heading_path", "headings", "identity", "is_record", "units"]
