"""Markdown through markdown-it-py's CommonMark parser (plus tables and strikethrough), rendered to clean text.

The token tree is walked block by block into ``TextBuilder``; inline tokens give their text only (emphasis marks,
backticks, link targets and backslash escapes vanish, entities are decoded by the parser), soft line breaks become
spaces (consecutive "label: value" lines stay one per line). A table is stored as records (``tables.records``).
"""

from __future__ import annotations

import html
import re
from typing import Any

from .blocks import TextBuilder, one_line, unwrapped_paragraphs
from .tables import records, unit_above

_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.S)


def render(source: str) -> tuple[str, list[list[int]]]:
    """Clean text and heading offsets of a Markdown body (front matter already removed)."""
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode

    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    tree = SyntaxTreeNode(parser.parse(source))
    builder = TextBuilder()
    _blocks(tree.children, builder)
    return builder.result()


def _blocks(nodes: list[Any], b: TextBuilder) -> None:
    for node in nodes:
        kind = node.type
        if kind == "heading":
            text = _inline_text(node)
            if re.search(r"\w", text):  # "# # #" (an end-of-release mark) is a separator, not a heading
                b.heading(text, int(node.tag[1]))
        elif kind == "paragraph":
            text = _inline_text(node)
            if re.search(r"\w", text):  # "\# \# \#", "* * *": separators, not prose
                for part in unwrapped_paragraphs(text):
                    b.paragraph(part)
        elif kind in ("bullet_list", "ordered_list"):
            b.lines(_list_lines(node, 0))
        elif kind in ("fence", "code_block"):
            b.code(node.content)
        elif kind == "table":
            head = [[_inline_text(cell) for cell in row.children] for row in _rows(node, "thead")]
            body = [[_inline_text(cell) for cell in row.children] for row in _rows(node, "tbody")]
            b.lines(records(head, body, unit=unit_above(b.text())), "table")
        elif kind == "html_block" and re.search(r"<table\b[\s\S]*</table\s*>", node.content, re.I):
            from .html import write_blocks

            write_blocks(node.content, b)  # a table written in HTML: records, as in an HTML page
        elif kind == "html_block":
            text = html.unescape(_TAG.sub(" ", node.content))
            if text.strip():
                b.paragraph(text)
        elif kind == "hr":
            continue
        else:  # blockquote and anything else holding blocks
            _blocks(node.children, b)


def _rows(table: Any, section: str) -> list[Any]:
    return [row for part in table.children if part.type == section for row in part.children if row.type == "tr"]


def _list_lines(node: Any, depth: int) -> list[str]:
    lines: list[str] = []
    ordered = node.type == "ordered_list"
    for item in node.children:
        marker = f"{item.info}{item.markup} " if ordered and item.info else ("1. " if ordered else "- ")
        words: list[str] = []
        nested: list[str] = []
        for child in item.children:
            if child.type in ("bullet_list", "ordered_list"):
                nested += _list_lines(child, depth + 1)
            elif child.type in ("fence", "code_block"):
                nested += ["  " * (depth + 1) + line for line in child.content.rstrip("\n").split("\n")]
            elif child.type == "paragraph":
                words.append(one_line(_inline_text(child)))
            else:
                words.append(one_line(" ".join(_inline_text(n) for n in _descendants(child, "inline"))))
        lines.append("  " * depth + marker + " ".join(w for w in words if w))
        lines += nested
    return lines


def _descendants(node: Any, kind: str) -> list[Any]:
    found = []
    for child in node.children:
        if child.type == kind:
            found.append(child)
        else:
            found += _descendants(child, kind)
    return found


def _inline_text(node: Any) -> str:
    """The text of a block's inline content; soft and hard breaks become newlines (joined later)."""
    inline = node if node.type == "inline" else next((c for c in node.children if c.type == "inline"), None)
    if inline is None:
        return ""
    out: list[str] = []
    for token in inline.token.children or []:
        kind = token.type
        if kind in ("text", "text_special"):
            out.append(token.content)
        elif kind == "code_inline":
            out.append(_CODE_OPEN + token.content + _CODE_CLOSE)
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind == "image":
            out.append(token.content)
        elif kind == "html_inline":
            if re.match(r"<br\b", token.content, re.I):
                out.append(" ")
    return _unmatched_strong("".join(out))


_CODE_OPEN, _CODE_CLOSE = "\x00", "\x01"
_LEFTOVER_STRONG = re.compile(r"(?<![\w*])(\*\*|__)(?=\S)([^\x00]+?)(?:\1(?![\w(*])|(?<=[.:;] )\1(?=\w))")
_STRAY_STARS = re.compile(r"(?<!\w)[ \t]*\*(?:[ \t]*\*)+(?!\w)")  # "Ban*.* * I have": delimiters left over


def _unmatched_strong(text: str) -> str:
    """Strong marks CommonMark leaves as text because of a space before the closing mark ("**Sec. 1. Policy. **",
    "**Sec. 2. **The"),
    and runs of stray asterisks ("Ban.* * I"), removed outside code spans (a single "*" as in "2 * 3" stays)."""
    parts = re.split(r"(\x00[^\x01]*\x01)", text)
    return "".join(part[1:-1] if part.startswith(_CODE_OPEN)
                   else _STRAY_STARS.sub("", _LEFTOVER_STRONG.sub(r"\2", re.sub(r"[ \t\u00a0]+", " ", part)))
                   for part in parts)


__all__ = ["render"]
