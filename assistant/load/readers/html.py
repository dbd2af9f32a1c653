"""HTML through BeautifulSoup (html.parser), walked block by block into the clean-text contract.

Kept over trafilatura on purpose: trafilatura's main-content extraction is made for crawled news pages and drops
what it judges boilerplate (short pages, lists, tables of a report may vanish), its text output gives no heading
offsets, and it pulls lxml, justext, htmldate and courlan. A document a user hands us should be kept whole; we only
drop what is never prose (scripts, styles, navigation, forms).
"""

from __future__ import annotations

from typing import Any

from .blocks import TextBuilder, one_line
from .tables import caption_unit, grid, header_count, records, unit_above

_SKIP = {"script", "style", "noscript", "template", "head", "nav", "form", "button", "svg", "iframe", "select",
         "object", "canvas", "map"}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote", "figure",
           "figcaption", "body", "html", "ul", "ol", "table", "pre", "dl", "dt", "dd", "hr", "address", "details",
           "summary", "li", "center", "fieldset", *_HEADINGS}


def render(source: str) -> tuple[str, list[list[int]], dict[str, str]]:
    """Clean text, heading offsets and the page's metadata (title, publisher, date, url) of an HTML page."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(source, "html.parser")
    meta: dict[str, str] = {}
    if soup.title and soup.title.string:
        meta["title"] = one_line(soup.title.string)
    for tag in soup.find_all("meta"):
        key = str(tag.get("name") or tag.get("property") or "").lower()
        value = tag.get("content")
        if not value:
            continue
        if key in ("author", "publisher", "og:site_name"):
            meta.setdefault("publisher", str(value))
        elif key in ("date", "article:published_time", "pubdate"):
            meta.setdefault("date", str(value))
        elif key == "og:url":
            meta.setdefault("url", str(value))
    builder = TextBuilder()
    _Walker(builder).blocks(soup)
    text, headings = builder.result()
    return text, headings, meta


def write_blocks(source: str, builder: TextBuilder) -> None:
    """Write the blocks of an HTML fragment (a table in a Markdown file) into ``builder``."""
    from bs4 import BeautifulSoup

    _Walker(builder).blocks(BeautifulSoup(source, "html.parser"))


class _Walker:
    def __init__(self, builder: TextBuilder) -> None:
        self.b = builder

    def blocks(self, node: Any) -> None:
        """Write ``node``'s children: runs of inline content become paragraphs, block elements their blocks."""
        from bs4 import Comment, Doctype, NavigableString, Tag

        run: list[str] = []
        for child in node.children:
            if isinstance(child, (Comment, Doctype)):
                continue
            if isinstance(child, NavigableString):
                run.append(str(child))
                continue
            if not isinstance(child, Tag) or child.name in _SKIP:
                continue
            if child.name == "br":
                run.append(" ")
                continue
            if child.name not in _BLOCKS and not _has_block(child):
                run.append(_inline(child))
                continue
            self._flush(run)
            self.block(child)
        self._flush(run)

    def _flush(self, run: list[str]) -> None:
        if "".join(run).strip():
            self.b.line(one_line("".join(run)))
        run.clear()

    def block(self, tag: Any) -> None:
        name = tag.name
        if name in _HEADINGS:
            self.b.heading(_inline(tag), _HEADINGS[name])
        elif name in ("ul", "ol"):
            self.b.lines(_list_lines(tag, 0))
        elif name == "table":
            self.b.lines(_table_lines(tag, self.b.text()), "table")
        elif name == "pre":
            self.b.code(tag.get_text())
        elif name == "hr":
            return
        elif name == "dl":
            for item in tag.find_all(["dt", "dd"], recursive=False):
                self.blocks(item) if _has_block(item) else self.b.line(_inline(item))
        else:
            self.blocks(tag)


def _table_lines(table: Any, before: str) -> list[str]:
    """A table as records: header rows are those in ``thead`` or made of ``th`` cells (else the first rows, when
    they name the columns); spanning cells fill every position they cover; the ``caption`` goes above."""
    rows = [row for row in table.find_all("tr") if row.find_parent("table") is table]
    cells = [row.find_all(["td", "th"], recursive=False) for row in rows]
    rows, cells = [r for r, c in zip(rows, cells) if c], [c for c in cells if c]
    texts = grid([[(_inline(c), _span(c, "colspan"), _span(c, "rowspan")) for c in row] for row in cells])
    heads = 0
    while heads < len(rows) - 1 and (rows[heads].find_parent("thead") is not None
                                 or all(c.name == "th" for c in cells[heads])):
        heads += 1
    if heads == 0:
        heads = header_count(texts)
    caption_tag = table.find("caption")
    caption = _inline(caption_tag) if caption_tag is not None and caption_tag.find_parent("table") is table else ""
    return records(texts[:heads], texts[heads:], caption, caption_unit(caption) or unit_above(before))


def _span(cell: Any, name: str) -> int:
    value = str(cell.get(name, "1")).strip()
    return int(value) if value.isdigit() and int(value) > 0 else 1


def _has_block(tag: Any) -> bool:
    return any(getattr(d, "name", None) in _BLOCKS for d in tag.descendants)


def _inline(tag: Any) -> str:
    from bs4 import Comment, NavigableString

    parts: list[str] = []
    for d in tag.descendants:
        if isinstance(d, Comment):
            continue
        if isinstance(d, NavigableString) and not any(p.name in _SKIP for p in d.parents if p is not tag):
            parts.append(str(d))
        elif getattr(d, "name", None) == "br":
            parts.append(" ")
    return one_line("".join(parts))


def _list_lines(tag: Any, depth: int) -> list[str]:
    lines: list[str] = []
    ordered = tag.name == "ol"
    number = int(tag.get("start", 1)) if str(tag.get("start", "1")).lstrip("-").isdigit() else 1
    for item in tag.find_all("li", recursive=False):
        nested: list[str] = []
        words: list[str] = []
        for child in item.children:
            if getattr(child, "name", None) in ("ul", "ol"):
                nested += _list_lines(child, depth + 1)
            elif getattr(child, "name", None) in _SKIP:
                continue
            elif hasattr(child, "descendants"):
                words.append(_inline(child))
            else:
                words.append(str(child))
        marker = f"{number}. " if ordered else "- "
        number += 1
        lines.append("  " * depth + marker + one_line(" ".join(words)))
        lines += nested
    return lines


__all__ = ["render", "write_blocks"]
