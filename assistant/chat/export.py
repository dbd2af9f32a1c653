"""A conversation as Markdown: each question, its answer with [n] markers, the searched query, and the quotes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping, Sequence


def _quote_block(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in str(text).splitlines() or [""])


def citation_markdown(citation: Mapping[str, Any]) -> str:
    """``[n] Title — publisher, date, source file (p. 12, characters a–b), link`` followed by the quote as a block."""
    facts = [str(citation[k]) for k in ("publisher", "date") if citation.get(k)]
    page = f"p. {citation['page']}, " if citation.get("page") else ""
    facts.append(f"`{citation.get('source', '')}` ({page}characters {citation.get('start')}–{citation.get('end')})")
    if citation.get("url"):
        facts.append(f"<{citation['url']}>")
    head = f"[{citation.get('marker')}] **{citation.get('title') or citation.get('source')}**, {', '.join(facts)}"
    return f"{head}\n\n{_quote_block(' '.join(str(citation.get('quote', '')).split()))}"


def conversation_markdown(turns: Sequence[Mapping[str, Any]], title: str = "Research assistant conversation",
                          now: dt.datetime | None = None) -> str:
    """The whole conversation (the chat's turn records) as one Markdown document."""
    now = now or dt.datetime.now(dt.timezone.utc)
    out = [f"# {title}", "", f"Exported {now.isoformat(timespec='seconds')}.", ""]
    if not turns:
        out.append("No questions were asked.")
    for i, turn in enumerate(turns, 1):
        out += [f"## {i}. {' '.join(str(turn.get('question', '')).split())}", ""]
        answer = turn.get("answer")
        if not answer:
            out += [f"*Error:* {turn.get('error', 'no answer')}", ""]
            continue
        notes = []
        if answer.get("abstained"):
            notes.append("the sources don't hold the answer")
        if answer.get("conflict"):
            notes.append("the sources disagree")
        if notes:
            out += [f"*Note: {'; '.join(notes)}.*", ""]
        out += [str(answer.get("text", "")).strip(), "", f"*Searched for:* {answer.get('query', '')}", ""]
        citations = answer.get("citations") or []
        if citations:
            out += ["### Sources", ""]
            for c in citations:
                out += [citation_markdown(c), ""]
    return "\n".join(out).rstrip() + "\n"
