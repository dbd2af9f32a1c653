"""PDF text as read, with the page map: ``read`` lays out the child's positioned fragments (``pdf_layout``);
``page_label`` says which PDF page an offset is on and the page number printed there.

``join_pages`` (plain page texts, hyphenated line ends rejoined, lines joined by ``plain.join_wrapped``) is kept for
callers that hold page text without positions.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from .plain import plain_text

_HYPHENATED = re.compile(r"(?<=[^\W\d_])-[ \t]*\n[ \t]*(?=[a-z])")


def dehyphenate(text: str) -> str:
    """"min-\\nerals" → "minerals": a hyphen at a line end between two lower-case letter runs joins the word."""
    return _HYPHENATED.sub("", text)


def join_pages(pages: list[str]) -> tuple[str, list[int]]:
    """The document text (pages separated by a blank line) and the offset where each page begins."""
    parts: list[str] = []
    offsets: list[int] = []
    length = 0
    for page in pages:
        clean = plain_text(dehyphenate(page.replace("\r\n", "\n").replace("\r", "\n"))).strip("\n")
        if clean.strip() and parts:
            parts.append("\n\n")
            length += 2
        offsets.append(length)
        if clean.strip():
            parts.append(clean)
            length += len(clean)
    return "".join(parts), offsets


def read(pages: list[dict]) -> tuple[str, dict[str, Any]]:
    """The text of a PDF from the child's pages (positioned fragments), and its metadata: ``pages`` (offset where
    each page begins), ``page_labels`` (the printed page number of each page, or None), ``front_matter`` and
    ``footnotes`` ([start, end] spans) and ``page_kinds``."""
    from .pdf_layout import assemble, read_pages

    return assemble(read_pages(pages))


def page_label(metadata: dict[str, Any], offset: int) -> tuple[int, str | None]:
    """The PDF page (1-based) the character at ``offset`` is on, and the page number printed on it when that
    differs from the PDF page ("iv", "12"), else None. ``(0, None)`` for a document without a page map."""
    pages = metadata.get("pages") or []
    if not pages:
        return 0, None
    page = bisect.bisect_right(pages, offset)
    labels = metadata.get("page_labels") or []
    label = labels[page - 1] if 0 < page <= len(labels) else None
    return page, (str(label) if label and str(label) != str(page) else None)


def printed_note(metadata: dict[str, Any], first: int, last: int) -> str:
    """" (printed 12)" or " (printed 12-13)" for PDF pages ``first``..``last`` whose printed numbers differ from
    theirs; "" otherwise."""
    labels = metadata.get("page_labels") or []
    def label(page: int) -> str | None:
        value = labels[page - 1] if 0 < page <= len(labels) else None
        return str(value) if value and str(value) != str(page) else None
    a, b = label(first), label(last)
    if not a or (first != last and not b):
        return ""
    return f" (printed {a})" if first == last or a == b else f" (printed {a}-{b})"


__all__ = ["dehyphenate", "join_pages", "page_label", "printed_note", "read"]
