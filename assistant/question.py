"""What a question asks for: the kind of answer (a date, a number, a name, ...), its terms and its anchors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .text import terms

FACTOID_KINDS = ("date", "year", "percent", "money", "count", "duration", "name")
KIND_PHRASES = {
    "date": "a date", "year": "a year", "percent": "a percentage", "money": "a money amount", "count": "a number",
    "duration": "a length of time", "name": "a name", "list": "a list", "explain": "an explanation", "other": "that",
}
_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("explain", re.compile(r"^(why|how (do|does|did|will|would|can|could)|explain|describe)\b|\bwhat (happens|would happen|will happen|happened)\b|\bwhat (did|does|do) .{0,80}\b(say|said|claim|boast|report|state|mean)\b|\bwhat kind\b|^did\b|^does\b|^is\b|^was\b|^were\b|^are\b|^has\b")),
    ("money", re.compile(r"\bhow much (money|funding|investment)\b|\bhow much .{0,60}\b(spend|spent|cost|pay|paid|worth|invest\w*|commit\w*|fund\w*)\b|\bdollars?\b|\$|\bamount of money\b|\bwhat (minimum |maximum )?price\b|\bprice (floor )?level\b|\bdollar price\b")),
    ("duration", re.compile(r"\bhow long\b|\bhow many (days|weeks|months|years)\b")),
    ("count", re.compile(r"\bhow many\b|\bhow much\b(?! of\b)|\bwhat (is the )?number\b|\bpage\b|\bvote\b")),
    ("percent", re.compile(r"\b(percent|percentage|share|proportion|fraction|portion)\b|%|\brate\b")),
    ("year", re.compile(r"\b(what|which) year\b")),
    ("list", re.compile(r"\b(which|what)( \w+){0,3} (countries|sectors|minerals|elements|rare earths|parties|ministers|plans|deadlines|measures|steps|companies|nations|items|products|examples|projects|figures|commodities|others|rest)\b|\blist\b|\bother countries\b")),
    ("name", re.compile(r"^who\b|\bwho\b|\bwhose\b|\bwhat is (his|her|their) (actual |real |full )?name\b|\bname of the\b|^which (\w+ ){0,3}(secretary|spokesperson|spokesman|minister|official|representative|person|president|chair)\b")),
    ("date", re.compile(r"^when\b|\bwhen (was|did|is|were|does|do|will|are)\b|\b(what|which) (date|day)\b|\bdeadline\b|\buntil when\b|\bby when\b|\bexact date\b")),
]
# Capitalised words that describe roles and institutions rather than pin a question to one entity.
_GENERIC_CAPS = frozenset("""
secretary commerce trade representative president department treasury foreign ministry federal register section
proclamation executive order united states us usa u.s. u.s the a an what which who when where why how did does do is
was were are in on of for and or to by with according article sources source trump defense g7 critical minerals
mineral rare earth earths i
""".split())
_QUESTION_DATE = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:,?\s+\d{4})?|\b\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\s+\d{4}")


@dataclass(frozen=True)
class Intent:
    """The kind of answer wanted, the weighted terms to look for, and anchors the evidence must mention."""

    kind: str
    text: str  # the question as typed
    focus_terms: list[str]  # terms of the question as typed
    context_terms: list[str] = field(default_factory=list)  # terms added from the conversation
    anchors: list[str] = field(default_factory=list)  # named entities and years the evidence must mention
    numbers: list[str] = field(default_factory=list)  # numbers written in the question (never "the answer")
    counted: list[str] = field(default_factory=list)  # for "how many X": the terms of X

    @property
    def factoid(self) -> bool:
        return self.kind in FACTOID_KINDS


def classify(question: str) -> str:
    """The kind of answer a question asks for."""
    q = " ".join(question.lower().split())
    for kind, pattern in _RULES:
        if pattern.search(q):
            return kind
    return "other"


def analyse(question: str, standalone: str | None = None) -> Intent:
    """An Intent for ``question``; terms of ``standalone`` not in the question count as conversational context."""
    kind = classify(question)
    if kind == "other" and standalone and standalone != question:
        # "And the trade representative?" takes its kind from the conversation it continues.
        parts = standalone.split(" | ")
        inherited = classify(parts[1]) if len(parts) > 1 else "other"
        kind = inherited if inherited != "other" else kind
    focus = terms(question)
    context = [t for t in terms(standalone or "") if t not in focus]
    without_dates = _QUESTION_DATE.sub(" ", question)
    anchors = []
    for i, word in enumerate(re.findall(r"[A-Za-z][\w'-]*|\d+", without_dates)):
        bare = word.lower().removesuffix("'s")
        if word.isdigit():
            if len(word) >= 3:
                anchors.append(word)
        elif i > 0 and word[0].isupper() and bare not in _GENERIC_CAPS:
            anchors.append(word.removesuffix("'s"))
    numbers = re.findall(r"\d+(?:\.\d+)?", question)
    counted = re.search(r"\bhow many ((?:[a-z-]+ ){0,1}[a-z-]+)", question.lower())
    return Intent(counted=terms(counted.group(1)) if counted and kind == "count" else [], kind=kind, text=question, focus_terms=focus, context_terms=context, anchors=anchors, numbers=numbers)
