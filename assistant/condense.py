"""Turn a follow-up question into a standalone query, using the conversation (rule-based, no model)."""

from __future__ import annotations

import re
from typing import Mapping, Sequence

from .question import strip_instructions
from .text import terms, words

_FOLLOW_UP = re.compile(r"^\s*(and|but|also|so|then|what about|how about|and what about|what of|same for)\b", re.I)
_PRONOUNS = frozenset("it its they them their theirs this that these those he him his she her there rest others "
                      "other".split())
_MARKERS = re.compile(r"\s*\[\d+\]")


def is_follow_up(question: str) -> bool:
    """Short, pronoun-led or elliptical questions lean on the conversation."""
    tokens = words(question)
    return bool(_FOLLOW_UP.match(question)) or any(t in _PRONOUNS for t in tokens) or len(terms(question)) <= 1


def condense(question: str, history: Sequence[Mapping[str, str]] | None) -> str:
    """The query to search: the question itself, or for a follow-up the question with its conversational context
    (the previous question and the first line of the previous answer) appended after `` | ``."""
    question = strip_instructions(question.strip())
    if not history or not is_follow_up(question):
        return question
    turns = [(str(m.get("role", "")), str(m.get("content", ""))) for m in history if m.get("content")]
    last_user = next((i for i in range(len(turns) - 1, -1, -1) if turns[i][0] == "user"), None)
    if last_user is None:
        return question
    previous = condense(turns[last_user][1], [{"role": r, "content": c} for r, c in turns[:last_user]])
    answer = next((c for r, c in turns[last_user + 1:] if r == "assistant"), "")
    lead = _MARKERS.sub("", answer.strip().split("\n", 1)[0]).strip() if answer else ""
    if lead.lower().startswith("the sources don"):
        lead = ""
    context = previous.split(" | ")[-1] if " | " in previous else previous
    return " | ".join(part for part in (question, context, lead[:200]) if part)
