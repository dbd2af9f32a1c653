"""Turn a follow-up question into a standalone query, using the conversation (rule-based, no model)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Mapping, Sequence

from .question import strip_instructions
from .text import terms, words

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

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


_REWRITE_SYSTEM = ("Rewrite the user's last question as one standalone search question that can be understood "
                   "without the conversation. Keep its meaning; name what pronouns refer to. Reply with the "
                   "question only.")


def condense_with_model(question: str, history: Sequence[Mapping[str, str]] | None, model: "BaseChatModel",
                        max_chars: int = 300) -> str:
    """The follow-up rewritten by a chat model into a standalone query; the rule-based ``condense`` when the
    question is no follow-up or the rewrite is unusable (empty, too long, or unrelated to the conversation).
    Errors of the model propagate (they are the caller's to report)."""
    from langchain_core.messages import HumanMessage, SystemMessage

    question = question.strip()
    rule_based = condense(question, history)
    if not history or " | " not in rule_based:  # no follow-up: nothing for the model to resolve
        return rule_based
    turns = [m for m in (history or []) if m.get("content")][-4:]
    conversation = "\n".join(f"{m['role']}: {_MARKERS.sub('', str(m['content']).split(chr(10), 1)[0])[:300]}"
                             for m in turns)
    reply = model.invoke([SystemMessage(content=_REWRITE_SYSTEM),
                          HumanMessage(content=f"Conversation:\n{conversation}\n\nLast question: {question}\n\n"
                                               "Standalone question:")], max_tokens=60)
    text = reply.content if isinstance(reply.content, str) else ""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    rewrite = lines[0].strip().strip("\"'\u201c\u201d").removeprefix("Standalone question:").strip() if lines else ""
    asked = set(terms(question))
    context = set(terms(" ".join(str(m["content"]) for m in turns))) - asked
    said = set(terms(rewrite))
    # usable: not empty or rambling, carries something of the conversation (an echo of the follow-up resolves
    # nothing), and adds at most three words that neither the question nor the conversation holds
    if not rewrite or len(rewrite) > max_chars or not (said & context) or len(said - asked - context) > 3:
        return rule_based
    return rewrite
