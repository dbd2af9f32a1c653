"""PDF page text (from pypdf, in the sandboxed child) repaired into paragraphs, with the page map.

pypdf gives each page's text line by line as laid out: words hyphenated at a line end ("critical min-\\nerals")
are rejoined, then lines are joined into paragraphs by the plain-text heuristic (``plain.join_wrapped``).
"""

from __future__ import annotations

import re

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


__all__ = ["dehyphenate", "join_pages"]
