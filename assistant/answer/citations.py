"""From a draft to an Answer: number the quotes, write the text with inline markers, and verify every citation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..documents import Answer, Citation, Document
from ..errors import CitationError

_MARKER = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Quote:
    """A span of a stored document: ``text_of(source)[start:end]``."""

    source: str
    start: int
    end: int


class DocumentSpan:
    """What a span of a document (``doc``, ``start``, ``end``) reads and how it is cited: a mixin for the
    answerers' candidate sentences and stated values."""

    doc: Document
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.doc.text[self.start:self.end]

    @property
    def quote(self) -> Quote:
        return Quote(self.doc.source, self.start, self.end)


@dataclass(frozen=True)
class Segment:
    """A piece of answer text followed by the markers of the quotes that support it."""

    text: str
    quotes: list[Quote] = field(default_factory=list)


@dataclass(frozen=True)
class Draft:
    """An answer before numbering: a lead (short answer or abstention) and the quoted evidence."""

    lead: list[Segment]
    evidence: list[Quote]
    abstained: bool = False
    conflict: bool = False


def render(draft: Draft, documents: Mapping[str, Document], query: str, meta: dict[str, Any] | None = None) -> Answer:
    """The final Answer. Raises CitationError if any marker or quote fails verification (a bug, never shown)."""
    markers: dict[Quote, int] = {}

    def marker(quote: Quote) -> str:
        if quote not in markers:
            markers[quote] = len(markers) + 1
        return f"[{markers[quote]}]"

    lead = "".join(seg.text + ("" if not seg.quotes else " " + "".join(marker(q) for q in dict.fromkeys(seg.quotes)))
                   for seg in draft.lead).strip()
    lines = [lead] if lead else []
    evidence = list(dict.fromkeys(draft.evidence))
    if evidence:
        if draft.abstained:
            lines.append("What the sources do say:")
        for quote in evidence:
            text = _text(documents, quote)
            lines.append(f"\u201c{text}\u201d {marker(quote)}")
    citations = []
    for quote, number in sorted(markers.items(), key=lambda item: item[1]):
        doc = documents[quote.source]
        citations.append(Citation(
            marker=number, source=quote.source, title=doc.title, quote=_text(documents, quote),
            start=quote.start, end=quote.end, url=str(doc.metadata.get("url", "")),
            date=str(doc.metadata.get("date", "")), publisher=str(doc.metadata.get("publisher", "")),
            page=page_label(doc, quote.start, quote.end)))
    answer = Answer(text="\n\n".join(lines) if lead and evidence else "\n".join(lines), citations=citations,
                    abstained=draft.abstained, query=query, conflict=draft.conflict, meta=dict(meta or {}))
    verify(answer, documents)
    return answer


def page_label(document: Document, start: int, end: int) -> str:
    """The page(s) ``document.text[start:end]`` lies on: "12", "12-13", "16 (printed 12)" when the page prints
    another number, or "" when the document has no page map."""
    import bisect

    from ..load.readers.pdf import printed_note

    pages = document.metadata.get("pages") or []
    if not pages:
        return ""
    first = bisect.bisect_right(pages, start)
    last = bisect.bisect_right(pages, max(start, end - 1))
    return (str(first) if first == last else f"{first}-{last}") + printed_note(document.metadata, first, last)


def _text(documents: Mapping[str, Document], quote: Quote) -> str:
    doc = documents.get(quote.source)
    if doc is None:
        raise CitationError(f"citation to unknown source {quote.source!r}")
    return doc.text[quote.start:quote.end]


def verify(answer: Answer, documents: Mapping[str, Document]) -> None:
    """Every marker in the text has a citation, every citation is used, and every quote is at its offsets."""
    text = answer.text
    for c in answer.citations:  # a quote may itself hold a bracketed number ("as noted [3]"): that is no marker
        text = text.replace(c.quote, "")
    used = {int(n) for n in _MARKER.findall(text)}
    numbers = [c.marker for c in answer.citations]
    if len(numbers) != len(set(numbers)):
        raise CitationError("two citations share a marker")
    if used != set(numbers):
        raise CitationError(f"markers {sorted(used)} do not match citations {sorted(numbers)}")
    for c in answer.citations:
        doc = documents.get(c.source)
        if doc is None:
            raise CitationError(f"[{c.marker}] cites unknown source {c.source!r}")
        if not c.quote or not (0 <= c.start < c.end <= len(doc.text)) or doc.text[c.start:c.end] != c.quote:
            raise CitationError(f"[{c.marker}] quote is not found at {c.start}:{c.end} of {c.source}")
