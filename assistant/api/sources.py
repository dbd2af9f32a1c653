"""An Answer's citations in the shapes clients read: the "Sources:" block appended to the text (every client shows
it), one ``sources`` object per marker, Perplexity's ``citations`` and ``search_results``, OpenAI's ``url_citation``
annotations, and Open WebUI's ``source`` events (its citation chips)."""

from __future__ import annotations

from typing import Any

from ..documents import Answer, Citation

SOURCES_HEADING = "Sources:"
_SEPARATOR = f"\n\n{SOURCES_HEADING}\n"


def _place(citation: Citation) -> str:
    """"source, p. 4" (the page only when the document has pages)."""
    return citation.source + (f", p. {citation.page}" if citation.page else "")


def sources_block(answer: Answer) -> str:
    """The text that follows the answer: a blank line, "Sources:" and one line per marker,
    ``[1] Title (source, p. 4): "quote"``; "" when nothing is cited."""
    if not answer.citations:
        return ""
    lines = [f'[{c.marker}] {c.title} ({_place(c)}): "{c.quote}"' for c in answer.citations]
    return _SEPARATOR + "\n".join(lines)


def content(answer: Answer) -> str:
    """The message content every client shows: the answer with its [n] markers, then its Sources block."""
    return answer.text + sources_block(answer)


def without_sources(text: str) -> str:
    """An assistant message as the conversation history needs it: a Sources block this server appended is cut off
    (the condenser reads the answer, not its quotes)."""
    cut = text.rfind(_SEPARATOR + "[")
    return text[:cut] if cut >= 0 else text


def source_objects(answer: Answer) -> list[dict[str, Any]]:
    """One object per marker: where its quote lies (``start``/``end`` into the stored document), its page and
    metadata. Every quote was verified against the document before the Answer was made."""
    return [{"marker": c.marker, "title": c.title, "source": c.source, "quote": c.quote, "start": c.start,
             "end": c.end, "page": c.page or None, "url": c.url or None, "date": c.date or None,
             "publisher": c.publisher or None, "verified": True} for c in answer.citations]


def _documents(answer: Answer) -> list[Citation]:
    """The first citation of each cited document, in marker order."""
    seen: dict[str, Citation] = {}
    for c in answer.citations:
        seen.setdefault(c.source, c)
    return list(seen.values())


def citation_list(answer: Answer) -> list[str]:
    """Perplexity's ``citations``: one entry per marker, its document's URL, else its source name (so
    ``citations[n - 1]`` is what marker [n] cites)."""
    return [c.url or c.source for c in answer.citations]


def search_results(answer: Answer) -> list[dict[str, Any]]:
    """Perplexity's ``search_results``: each cited document once, with its first quote as the snippet."""
    return [{"title": c.title, "url": c.url or c.source, "date": c.date or None, "snippet": c.quote}
            for c in _documents(answer)]


def annotations(answer: Answer, text: str) -> list[dict[str, Any]]:
    """OpenAI's ``url_citation`` annotations for the markers whose document has a URL: the character span of the
    first "[n]" in ``text`` (the message content)."""
    out = []
    for c in answer.citations:
        if not c.url:
            continue
        marker = f"[{c.marker}]"
        start = text.find(marker)
        if start < 0:
            continue
        out.append({"type": "url_citation", "url_citation": {"url": c.url, "title": c.title, "start_index": start,
                                                             "end_index": start + len(marker)}})
    return out


def openwebui_events(answer: Answer) -> list[dict[str, Any]]:
    """One Open WebUI ``source`` event per marker (its "Events" documentation): the chip is named "[n]", its
    document is the quote, its metadata holds the title, link and page (0-based, as Open WebUI counts)."""
    events = []
    for c in answer.citations:
        meta: dict[str, Any] = {"source": c.url or c.source, "name": c.title}
        if c.url:
            meta["url"] = c.url
        if c.date:
            meta["date"] = c.date
        if c.page:
            meta["page"] = int(c.page.split("-")[0]) - 1
            meta["page_label"] = c.page
        source: dict[str, Any] = {"name": f"[{c.marker}]", "id": f"{c.source}#{c.start}-{c.end}"}
        if c.url:
            source["url"] = c.url
        events.append({"type": "source", "data": {"source": source, "document": [c.quote], "metadata": [meta]}})
    return events
