"""What a question asks for: the kind of answer (a date, a number, a name, ...), its terms and its anchors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import facts
from .facts import Value
from .instructions import strip_instructions
from .text import terms

FACTOID_KINDS = ("date", "year", "percent", "money", "count", "duration", "name")
KIND_PHRASES = {
    "date": "a date", "year": "a year", "percent": "a percentage", "money": "a money amount", "count": "a number",
    "duration": "a length of time", "name": "a name", "list": "a list", "explain": "an explanation", "other": "that",
}
_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("explain", re.compile(r"^(why|how (do|does|did|will|would|can|could)|explain|describe)\b|\bwhat (happens|would happen|will happen|happened)\b|\bwhat (did|does|do) .{0,80}\b(say|said|claim|boast|report|state|mean)\b|\bwhat kind\b|^did\b|^does\b|^is\b|^was\b|^were\b|^are\b|^has\b")),
    ("money", re.compile(r"\bhow (big|large) (was |is )?(the |that |this )?(loan|stake|investment|deal|fund\w*|pipeline)\b|\bhow much (money|funding|investment)\b|\bhow much .{0,60}\b(spend|spent|cost|pay|paid|worth|invest\w*|commit\w*|fund\w*)\b|\bdollars?\b|\$|\bamount of money\b|\bwhat (minimum |maximum )?price\b|\bprice (floor )?level\b|\bdollar price\b")),
    ("duration", re.compile(r"\bhow much time\b|\bhow long\b|\bhow many (days|weeks|months|years)\b")),
    ("count", re.compile(r"\bwhat (was|is) (the )?(total |world |global |annual )?[a-z ]{0,30}\b(output|production)\b(?! share)|\bhow many\b|\bhow much\b(?! of\b)|\bwhat (is the )?number\b|\bpage\b|\bvote\b")),
    ("percent", re.compile(r"\b(percent|percentage|share|proportion|fraction|portion)\b|%|\brate\b")),
    ("year", re.compile(r"\b(what|which) year\b")),
    ("list", re.compile(r"\b(which|what)( \w+){0,3} (countries|sectors|minerals|elements|rare earths|parties|ministers|plans|deadlines|measures|steps|companies|nations|items|products|examples|projects|figures|commodities|others|rest)\b|\blist\b|\bother countries\b")),
    ("name", re.compile(r"^who\b|\bwho\b|\bwhose\b|\bwhat is (his|her|their) (actual |real |full )?name\b|\bname of the\b|^which (\w+ ){0,3}(secretary|spokesperson|spokesman|minister|official|representative|person|president|chair)\b")),
    ("date", re.compile(r"^when\b|\bwhen (was|did|is|were|does|do|will|are)\b|\b(what|which) (date|day)\b|\bdeadline\b|\buntil when\b|\bby when\b|\bexact date\b|\bcut-?off date\b")),
]
# Capitalised words that describe roles and institutions rather than pin a question to one entity.
_GENERIC_CAPS = frozenset("""
secretary commerce trade representative president department treasury foreign ministry federal register section
proclamation executive order united states us usa u.s. u.s the a an what which who when where why how did does do is
was were are in on of for and or to by with according article sources source trump defense g7 critical minerals
mineral rare earth earths i america american americans chinese washington beijing
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
    premises: list[Value] = field(default_factory=list)  # dates, months, percentages, durations, amounts it asserts

    @property
    def factoid(self) -> bool:
        return self.kind in FACTOID_KINDS


_BARE_MONTH = re.compile(r"(?<!\d\s)\b(January|February|March|April|June|July|August|September|October|November|"
                         r"December)\b(?!\s+\d)")


def premises(question: str) -> list[Value]:
    """Values the question takes for granted: dates and month names, percentages, durations, money amounts.
    "Why did the US set a December deadline?" assumes "December"; the answerer checks it against the evidence."""
    found = [v for v in facts.dates(question) if v.kind in ("date", "month")]
    for m in _BARE_MONTH.finditer(question):
        if not any(v.start <= m.start() < v.end for v in found):
            month = facts.MONTHS[m.group(1).lower()]
            found.append(Value("month", m.start(), m.end(), m.group(0), f"*-{month:02d}", m.group(0)))
    found += facts.percents(question) + facts.durations(question) + facts.money(question)
    return sorted(found, key=lambda v: v.start)


def classify(question: str) -> str:
    """The kind of answer a question asks for."""
    q = " ".join(question.lower().split())
    for kind, pattern in _RULES:
        if pattern.search(q):
            return kind
    return "other"


def analyse(question: str, standalone: str | None = None, previous: str | None = None) -> Intent:
    """An Intent for ``question``; terms of ``standalone`` not in the question count as conversational context;
    ``previous``: the earlier question a follow-up continues."""
    question = strip_instructions(question)
    kind = classify(question)
    if kind == "other" and previous:
        # "And the trade representative?" takes its kind from the conversation it continues.
        kind = classify(previous)
    focus = terms(question)
    context = [t for t in terms(standalone or "") if t not in focus]
    assumed = premises(question)
    blanked = question
    for v in assumed:  # values the question assumes are checked as premises, not required as anchors
        blanked = blanked[:v.start] + " " * (v.end - v.start) + blanked[v.end:]
    without_dates = _QUESTION_DATE.sub(" ", blanked)
    anchors = []
    tokens = [part for token in re.findall(r"[A-Za-z][\w'-]*|\d+", without_dates) for part in token.split("-") if part]
    for i, word in enumerate(tokens):  # "US-Australia": each part is checked on its own
        bare = word.lower().removesuffix("'s")
        if word.isdigit():
            if len(word) >= 3:
                anchors.append(word)
        elif i > 0 and word[0].isupper() and bare not in _GENERIC_CAPS:
            anchors.append(word.removesuffix("'s"))
    numbers = re.findall(r"\d+(?:\.\d+)?", question)
    counted = re.search(r"\bhow many ((?:[a-z-]+ ){0,1}[a-z-]+)", question.lower())
    return Intent(counted=terms(counted.group(1)) if counted and kind == "count" else [], kind=kind, text=question, focus_terms=focus, context_terms=context, anchors=anchors, numbers=numbers,
                  premises=assumed)
