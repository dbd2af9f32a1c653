"""Answers and documents as HTML for the chat: clickable [n] markers, a source panel with the quoted span marked.

All document and answer text is data: it is HTML-escaped before it is placed in markup, and only http(s) links
become anchors.
"""

from __future__ import annotations

import base64
import html
import re
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..documents import Document

if TYPE_CHECKING:
    from .. import DocumentRecord

MARKER = re.compile(r"\[(\d+)\]")
CONTEXT_CHARS = 400  # characters of surrounding text shown on each side of a quote


def _esc(text: Any) -> str:
    return html.escape(str(text or ""), quote=True)


def _one_line(text: Any) -> str:
    return " ".join(str(text or "").split())


def safe_url(url: Any) -> str:
    """``url`` when it is an http(s) link, else "" (no javascript: or data: links from document metadata)."""
    url = str(url or "").strip()
    return url if re.match(r"https?://[^\s\"'<>]+$", url, re.I) else ""


def marker_link(turn: int, marker: int) -> str:
    """An [n] marker that opens citation ``marker`` of answer ``turn`` in the source panel when clicked."""
    return (f'<a class="cite" href="#cite-{turn}-{marker}" '
            f'title="Show the passage behind [{marker}]">[{marker}]</a>')


def _with_markers(escaped: str, turn: int | None, markers: set[int]) -> str:
    if turn is None:
        return escaped

    def link(m: re.Match[str]) -> str:
        n = int(m.group(1))
        return marker_link(turn, n) if n in markers else m.group(0)

    return MARKER.sub(link, escaped)


def text_html(text: str, turn: int | None = None, markers: Sequence[int] = ()) -> str:
    """Escaped paragraphs on one line (so Markdown leaves them alone), with the given markers made clickable."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    marks = set(markers)
    parts = [f"<p>{_with_markers(_esc(p.strip()).replace(chr(10), '<br>'), turn, marks)}</p>" for p in paragraphs]
    return "".join(parts)


def answer_html(answer: Mapping[str, Any], turn: int) -> str:
    """A final answer (``Answer.to_dict()``): text with clickable markers, then the searched query.

    An abstention is shown as an answer that says the sources don't hold it, never as an error."""
    markers = [int(c["marker"]) for c in answer.get("citations", [])]
    classes = ["answer"]
    badges = []
    if answer.get("abstained"):
        classes.append("abstained")
        badges.append('<span class="badge badge-abstained">Not in the sources</span>')
    if answer.get("conflict"):
        classes.append("conflict")
        badges.append('<span class="badge badge-conflict">The sources disagree: both sides are cited</span>')
    meta = answer.get("meta") or {}
    details = [f"Searched for: <q class=\"query\">{_esc(_one_line(answer.get('query')))}</q>"]
    if meta.get("answerer"):
        details.append(f"answered by {_esc(meta['answerer'])}")
    body = text_html(str(answer.get("text", "")), turn, markers)
    return (f'<div class="{" ".join(classes)}" data-turn="{turn}">{"".join(badges)}{body}'
            f'<p class="searched">{" · ".join(details)}</p></div>')


def streaming_html(text: str) -> str:
    """The growing answer while it streams (markers become clickable once the answer is complete)."""
    return f'<div class="answer streaming">{text_html(text)}</div>'


def error_html(message: str) -> str:
    """A one-line error reply."""
    return f'<div class="answer error"><p>{_esc(message)}</p></div>'


def citation_line(citation: Mapping[str, Any], turn: int) -> str:
    """One line of the sources list under an answer: clickable marker, title, publisher, date, the quote."""
    where = ", ".join(_esc(citation.get(k)) for k in ("publisher", "date") if citation.get(k))
    if citation.get("page"):
        where = f"{where}, p. {_esc(citation['page'])}" if where else f"p. {_esc(citation['page'])}"
    title = _esc(citation.get("title") or citation.get("source"))
    return (f'<li>{marker_link(turn, int(citation["marker"]))} <b>{title}</b>'
            f'{f" ({where})" if where else ""}: “{_esc(_one_line(citation.get("quote")))}”</li>')


def sources_list_html(answer: Mapping[str, Any], turn: int) -> str:
    """The collapsible list of an answer's citations."""
    citations = answer.get("citations") or []
    if not citations:
        return '<p class="no-sources">No passage is quoted.</p>'
    return f'<ul class="sources">{"".join(citation_line(c, turn) for c in citations)}</ul>'


def _context_bounds(text: str, start: int, end: int, chars: int) -> tuple[int, int]:
    """A window around ``start:end`` that begins and ends on a paragraph or word boundary."""
    lo, hi = max(0, start - chars), min(len(text), end + chars)
    if lo > 0:
        para = text.rfind("\n\n", lo, start)
        lo = para + 2 if para != -1 else (text.find(" ", lo, start) + 1 or lo)
    if hi < len(text):
        para = text.find("\n\n", end, hi)
        hi = para if para != -1 else (text.rfind(" ", end, hi) if text.rfind(" ", end, hi) != -1 else hi)
    return lo, hi


def _block(text: str) -> str:
    return _esc(text).replace("\n", "<br>")


def document_header_html(metadata: Mapping[str, Any], source: str) -> str:
    """Title, then publisher · date · file, then the link (if it is an http(s) URL)."""
    title = _esc(metadata.get("title") or source)
    facts = " · ".join(_esc(metadata.get(k)) for k in ("publisher", "date") if metadata.get(k))
    facts = f"{facts} · " if facts else ""
    url = safe_url(metadata.get("url"))
    link = (f'<div class="doc-link"><a href="{_esc(url)}" target="_blank" rel="noopener noreferrer">{_esc(url)}</a>'
            f"</div>") if url else ""
    return (f'<div class="doc-header"><div class="doc-title">{title}</div>'
            f'<div class="doc-facts">{facts}<code>{_esc(source)}</code></div>{link}</div>')


def quote_span(citation: Mapping[str, Any], document: Document) -> tuple[int, int] | None:
    """Where the citation's quote is in the document: at its offsets, else where it is found now, else None (the
    document has changed)."""
    start, end, quote = int(citation.get("start", 0)), int(citation.get("end", 0)), str(citation.get("quote", ""))
    if document.text[start:end] == quote:
        return start, end
    found = document.text.find(quote) if quote else -1
    return (found, found + len(quote)) if found != -1 else None


def page_figure_html(png: bytes, size: tuple[int, int], page: str, title: str, *, found: bool,
                     continues: str = "") -> str:
    """A cited PDF page as an inline PNG with its caption "p. 16 (printed 12) of <title>"; a note says when the
    quote's lines could not be placed on it, or that it goes on to page ``continues``."""
    data = base64.b64encode(png).decode("ascii")
    notes = [] if found else ["The quote's lines were not found on the page; it is marked in the text below."]
    if continues:
        notes.append(f"The quote continues on p. {_esc(continues)}.")
    note = "".join(f'<p class="page-note">{n}</p>' for n in notes)
    return (f'<figure class="page-image"><img src="data:image/png;base64,{data}" width="{size[0]}" '
            f'height="{size[1]}" alt="Page {_esc(page)} of {_esc(title)}, the quote highlighted">'
            f'<figcaption>p. {_esc(page)} of {_esc(title)}</figcaption>{note}</figure>')


def passage_html(citation: Mapping[str, Any], document: Document | None, chars: int = CONTEXT_CHARS,
                 figure: str = "") -> str:
    """The source panel for one citation: the document's header, the cited page's picture (``figure``, from
    ``page_figure_html``; "" for none) and the quote marked in its surrounding text."""
    marker = int(citation.get("marker", 0))
    source = str(citation.get("source", ""))
    quote = str(citation.get("quote", ""))
    head = f'<div class="panel-marker">Citation [{marker}]</div>'
    if document is None:
        meta = {k: citation.get(k) for k in ("title", "publisher", "date", "url")}
        return (f'<div class="source-panel">{head}{document_header_html(meta, source)}<p class="stale">This document '
                f'is no longer in the index. The quote was:</p><blockquote><mark>{_block(quote)}</mark></blockquote></div>')
    text = document.text
    span = quote_span(citation, document)
    if span is None:
        return (f'<div class="source-panel">{head}{document_header_html(document.metadata, source)}'
                f'<p class="stale">The document has changed since this answer. The quote was:</p>'
                f'<blockquote><mark>{_block(quote)}</mark></blockquote></div>')
    start, end = span
    lo, hi = _context_bounds(text, start, end, chars)
    before = "… " + text[lo:start] if lo > 0 else text[:start].lstrip()
    after = text[end:hi] + " …" if hi < len(text) else text[end:].rstrip()
    passage = f'{_block(before)}<mark class="quote">{_block(text[start:end])}</mark>{_block(after)}'
    from ..answer.citations import page_label

    page = page_label(document, start, end)
    on_page = f'<div class="panel-page">p. {_esc(page)}</div>' if page else ""
    where = f"p. {_esc(page)}, characters" if page else "characters"
    return (f'<div class="source-panel">{head}{document_header_html(document.metadata, source)}{figure}{on_page}'
            f'<div class="passage" data-start="{start}" data-end="{end}">{passage}</div>'
            f'<div class="offsets">{where} {start:,}–{end:,} of {len(text):,}</div></div>')


def document_html(document: Document | None) -> str:
    """A whole document, escaped, with its header."""
    if document is None:
        return '<div class="source-panel"><p>Choose a document to read it in full.</p></div>'
    return (f'<div class="source-panel full-document">{document_header_html(document.metadata, document.source)}'
            f'<div class="passage">{_block(document.text.strip())}</div></div>')


EMPTY_PANEL = ('<div class="source-panel empty"><p>Click a citation marker such as <b>[1]</b> in an answer to see '
               'the exact passage it quotes, highlighted in its document.</p></div>')


def documents_table_html(records: Sequence[DocumentRecord]) -> str:
    """The indexed documents with their metadata and chunk counts, as an HTML table."""
    if not records:
        return "<p>No documents are indexed.</p>"
    rows = []
    for r in records:
        meta = r.metadata or {}
        url = safe_url(meta.get("url"))
        link = f'<a href="{_esc(url)}" target="_blank" rel="noopener noreferrer">link</a>' if url else ""
        rows.append(f"<tr><td>{_esc(meta.get('title') or r.source)}</td><td>{_esc(meta.get('publisher'))}</td>"
                    f"<td>{_esc(meta.get('date'))}</td><td><code>{_esc(r.source)}</code></td><td>{r.n_chunks}</td>"
                    f"<td>{link}</td></tr>")
    total = sum(r.n_chunks for r in records)
    return ('<table class="docs"><thead><tr><th>Document</th><th>Publisher</th><th>Date</th><th>File</th>'
            f'<th>Chunks</th><th></th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
            f"<p>{len(records)} documents, {total} chunks.</p>")
