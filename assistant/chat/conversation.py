"""One browser session's conversation as plain turn records, and the chat messages shown for them.

A turn is ``{"question": str, "answer": Answer.to_dict() | None, "error": str, "settings": {...}}``. The chat
window, the history given to ``ask``, feedback and export are all derived from these records, so they agree.
"""

from __future__ import annotations

import html
from typing import Any, Mapping, Sequence

from ..documents import Answer
from . import render

Turn = dict[str, Any]
ERROR_PREFIX = "Error: "


def new_turn(question: str, settings: Mapping[str, Any]) -> Turn:
    """A turn that is being answered."""
    return {"question": question, "answer": None, "error": "", "settings": dict(settings)}


def finish(turn: Turn, answer: Answer) -> Turn:
    """The turn with its final answer."""
    return {**turn, "answer": answer.to_dict(), "error": ""}


def fail(turn: Turn, message: str) -> Turn:
    """The turn with the one-line error that ended it."""
    return {**turn, "answer": None, "error": message}


def history(turns: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The conversation as the {"role", "content"} messages ``ask`` takes (an answer says whether it abstained);
    exchanges that failed are left out."""
    out: list[dict[str, Any]] = []
    for turn in turns:
        answer = turn.get("answer")
        if answer and turn.get("question"):
            out += [{"role": "user", "content": str(turn["question"])},
                    {"role": "assistant", "content": str(answer.get("text", "")),
                     "abstained": bool(answer.get("abstained"))}]
    return out


def messages(turns: Sequence[Mapping[str, Any]], streaming: str | None = None) -> tuple[list[dict[str, Any]], list[int]]:
    """The chat window's messages for ``turns`` and, for each message, the index of the turn it belongs to.

    ``streaming``: the partial text of the last turn while it is still being answered."""
    out: list[dict[str, Any]] = []
    owner: list[int] = []
    for i, turn in enumerate(turns):
        out.append({"role": "user", "content": html.escape(str(turn.get("question", "")))})
        owner.append(i)
        answer = turn.get("answer")
        if answer:
            out.append({"role": "assistant", "content": render.answer_html(answer, i)})
            n = len(answer.get("citations") or [])
            out.append({"role": "assistant", "content": render.sources_list_html(answer, i),
                        "metadata": {"title": f"Sources ({n})", "status": "done"}})
            owner += [i, i]
        elif turn.get("error"):
            out.append({"role": "assistant", "content": render.error_html(f"{ERROR_PREFIX}{turn['error']}")})
            owner.append(i)
        elif i == len(turns) - 1:
            out.append({"role": "assistant", "content": render.streaming_html(streaming or "…")})
            owner.append(i)
    return out, owner


def citation(turns: Sequence[Mapping[str, Any]], turn: int, marker: int) -> dict[str, Any] | None:
    """Citation ``marker`` of answer ``turn``, or None."""
    if not 0 <= turn < len(turns):
        return None
    answer = turns[turn].get("answer") or {}
    for c in answer.get("citations") or []:
        if int(c.get("marker", -1)) == marker:
            return dict(c)
    return None
