"""What a question asks for: the kind of answer (a date, a number, a name, ...), its terms and its constraints."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..index import constraints
from . import facts
from ..index.constraints import Constraint
from .facts import Value
from .instructions import strip_instructions
from ..text import terms

FACTOID_KINDS = ("date", "year", "percent", "money", "count", "duration", "name", "place", "term", "version", "office")
KIND_PHRASES = {
    "date": "a date", "year": "a year", "percent": "a percentage", "money": "a money amount", "count": "a number",
    "duration": "a length of time", "name": "a name", "place": "a place", "list": "a list",
    "explain": "an explanation", "other": "that", "length": "a length or distance", "mass": "a weight",
    "speed": "a speed", "area": "an area", "term": "a name or term",
    "version": "a version", "office": "an office or job title",
}
# The kind of answer, by the question's form. Each pattern is about how questions are asked, never about a corpus.
_AUX = r"(?:are|were|is|was|do|does|did|have|has|had|will|would|can|could|should|must|may|might)"
# "Which Thursday did the proclamation name?", "What date ...": a weekday asked for is a date.
_WEEKDAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
# Nouns that name a person by what they are ("Which FEMA official ...", "Which minister ...").
_PERSON_NOUNS = (r"secretary|spokesperson|spokesman|minister|official|representative|person|president|chair|manager|"
                 r"author|director|administrator|officer|member")
# "Which <thing> release", "In what version": the form of a version question (rule "version questions"), with
# the thing it names captured (rule "version of the named thing", ``versioned_thing``)
_VERSION_ASKED = r"^(?:in |from |since |as of |by )?(?:which|what) ((?:[\w.+-]+ ){0,2}?)(?:release|version)s?"
_RULES: list[tuple[str, re.Pattern[str]]] = [
    # a question that opens with "when" asks for a date, whatever values it mentions ("the 200 percent tariff")
    ("date", re.compile(r"^(?:(?:until|by|since|from|starting|beginning|as of) )?when\b|^(?:on |by |until )?(what|which) "
                        rf"(date|day|{_WEEKDAYS})\b|^(?:the )?(?:[\w-]+ ){{0,2}}?(?:date|day)s? (?:of|for)\b")),
    ("explain", re.compile(r"^(why|how (do|does|did|will|would|can|could|should|is|are)|explain|describe)\b|\bwhat (happens|would happen|will happen|happened)\b|\bwhat (did|does|do) .{0,80}\b(say|said|claim|boast|report|state|mean|recommend|propose|require|do)\b|\bwhat kind\b(?!s)|\bwhat is the (purpose|goal|aim|point|reason|rationale|meaning)\b|^(did|does|do|is|was|were|are|has|have|can|could|should|will|would)\b")),
    ("money", re.compile(r"\bhow much (money|funding|investment)\b|\bhow much .{0,60}\b(spend|spent|cost|pay|paid|worth|invest\w*|commit\w*|fund\w*|raise\w*|budget\w*)\b|\bdollars?\b|\$|\bamount of (money|funding)\b|\bwhat (minimum |maximum )?price\b|\bhow (big|large) (was |is )?(the |that |this )?(loan|investment|grant|budget|fund\w*)\b")),
    ("duration", re.compile(r"\bhow much time\b|\bhow long\b|\bhow many (days|weeks|months|years|hours|minutes)\b")),
    ("count", re.compile(rf"\bhow many\b|\bhow much\b(?! of\b)|\b(what|which) (is|was|are|were) (the )?(\w+ ){{0,4}}(number|count|total|maximum|minimum|max|min|limit|size|length|amount|population|age|height|width|capacity|output|production|vote|tally|margin|score)\b|\bwhat (number|limit)\b|\b(?:up to|at most|at least|no more than) (?:what|which)\b")),
    ("percent", re.compile(r"\b(percent|percentage|share|proportion|fraction|portion)s?\b|%|\brates?\b")),
    ("year", re.compile(r"\b(what|which|in what) year\b")),
    # "Where was it published in the Federal Register?" asks where in a publication it names, not for a place
    ("other", re.compile(r"^where (is|was|are|were|did|does|do|will|has|have|had)\b.*\b(?:published|printed|listed|"
                         r"appeared|appears|cited|codified|recorded|posted)\s+(?:in|on)\s+(?:the\s+)?\w+")),
    # "Where did ...", "In which city ...": a place (rule "place questions"); "Where can I apply?" asks how
    ("place", re.compile(r"^where (is|was|are|were|did|does|do|will|has|have|had)\b|\b(in|at|to|from|near) "
                         r"(what|which) (city|country|state|town|place|location|venue|region|province|capital|island|"
                         r"site)\b|^(what|which) (city|country|town|place|location|venue|capital|site|county|parish|borough|district|"
                         r"province|region|territory|island|state|municipality)\b(?! of\b)")),
    # rule "office questions": "What job did X hold at Y?", "What position does X have?", "What is X's title?"
    ("office", re.compile(r"^(?:what|which) (?:[\w-]+ ){0,1}?(?:job|position|post|office|title)s? (?:did|does|do|"
                          r"is|was|has|had|will|would)\b(?! (?:the )?(?:bill|act|order|law|report|proclamation|"
                          r"document|proposal|paper|book|article)\b)|^what (?:is|was) (?:[\w.'\u2019-]+ ){1,4}?(?:job|position|"
                          r"post)\b")),
    # rule "version questions": "Which Python release first got ...?", "In what version was it added?"; not
    # "Which release manager ..." nor "What release schedule ..."
    ("version", re.compile(_VERSION_ASKED + r" (?!(?:manager|schedule|date|notes|cycle|process|team|candidate|"
                           r"blocker)s?\b)")),
    # rule "called term": "What informal name did the operator pick up?", "What is the program called?"
    ("term", re.compile(r"^(?:what|which) (?:[\w-]+ ){0,2}?(?:name|nickname|term|moniker|label)s? (?:did|does|do|is|was|"
                        r"has|have|had|were|are)\b(?! (?:his|her|their)\b)|^what (?:is|was|are|were) (?:[\w:=-]+ ){1,6}?"
                        r"(?:called|known as|referred to as|dubbed|nicknamed)\b")),
    ("list", re.compile(rf"\b(?:what|which) (?:kinds|types|sorts) of\b|^(which|what) (\w+ ){{0,2}}?(?!{_AUX}\b|this\b|its\b|his\b)\w+(ies|[^su'\s]s)\b ({_AUX}|\w+ed)\b|^which (?:\w+ ){{0,2}}?(?!{_AUX}\b|this\b|its\b|his\b)\w+(?:ies|[^su'\s]s) (?!(?:of|in|on|to|for|at|by|from|with|is|was|does|did|has|had|the|a|an|this|that|these|those|its|their|his|her|our)\b)[a-z]+\b|\blist\b|\benumerate\b|^name (all|some|every|the (\w+ ){{0,2}}\w+(ies|[^su'\s]s))\b|^who (sits?|serves?|served|is|are|was|were) (on|in) the\b|^who (are|were) the (\w+ ){{0,2}}(members|people|participants|candidates)\b|\bwho (?:are|were) (?:they|these|those|them)\b")),
    ("name", re.compile(rf"^who\b|^name the\b|\bwho\b|\bwhose\b|\bwhat is (his|her|their) (actual |real |full )?name\b|\bname of the\b|^which (\w+ ){{0,3}}({_PERSON_NOUNS})\b")),
    ("date", re.compile(rf"^when\b|\bwhen (was|did|is|were|does|do|will|are)\b|\b(what|which) (date|day|{_WEEKDAYS})\b|\b(what|which) (is|was|were|are) the (\w+ ){{0,3}}(date|day)\b|\bdeadline\b|\buntil when\b|\bby when\b|\bexact date\b|\bcut-?off date\b|\bon what date\b")),
]


# Rule "measured dimension", its question side: how a question asks for a measure of length, mass, speed or area.
_DIMENSIONS: list[tuple[str, re.Pattern[str]]] = [
    ("length", re.compile(r"\bhow (?:far|tall|deep|wide)\b|\b(?:distance|height|depth|width|altitude|"
                          r"elevation)\b", re.I)),  # not "how high": a rate or a price is high too
    ("mass", re.compile(r"\bweigh(?:s|ed|t|ts)?\b|\bhow heavy\b|\bmass of\b", re.I)),
    ("speed", re.compile(r"\bhow fast\b|\b(?:speed|velocity)\b", re.I)),
    ("area", re.compile(r"\b(?:acres?|acreage|hectares?|square (?:miles?|kilometers?|kilometres?|feet|meters?|"
                        r"metres?))\b", re.I)),  # "How big is the monument, in acres?"
]


_VERSIONED = re.compile(_VERSION_ASKED + r"\b(?: of (?:the )?([\w.+-]+))?", re.I)


def versioned_thing(question: str) -> list[str]:
    """Rule "version of the named thing", its question side: the terms of what a version question asks the version
    of ("Which tomli release ...": tomli; "Which version of Sphinx ...": sphinx); [] when it names nothing."""
    m = _VERSIONED.search(question.strip())
    return terms(f"{m.group(1)} {m.group(2) or ''}") if m else []


def measured_dimension(question: str) -> str:
    """The dimension a question asks a measure of ("How far did it fly?": "length", "How much did it weigh?":
    "mass", "How fast ...": "speed", "... in acres?": "area"); "" when it asks for none."""
    return next((name for name, pattern in _DIMENSIONS if pattern.search(question)), "")


@dataclass(frozen=True)
class Intent:
    """The kind of answer wanted, the weighted terms to look for, and the constraints the evidence must meet."""

    kind: str
    text: str  # the question as typed
    focus_terms: list[str]  # terms of the question as typed
    context_terms: list[str] = field(default_factory=list)  # terms added from the conversation
    constraints: tuple[Constraint, ...] = ()  # versions, identifiers, years, named things the evidence must match
    numbers: list[str] = field(default_factory=list)  # numbers written in the question (never "the answer")
    counted: list[str] = field(default_factory=list)  # for "how many X": the terms of X
    premises: list[Value] = field(default_factory=list)  # dates, months, percentages, durations, amounts it asserts
    side: int = 0  # where the answer sits relative to the question's verb in the evidence: +1 after, -1 before
    negated: list[str] = field(default_factory=list)  # terms the question rules out ("final, not a candidate")
    also: str = ""  # the kind of a second value asked for ("Who ..., and on what date?")
    predicate: str = ""  # for "who" questions, the term of what the person did or is ("appoint", "release")
    role: tuple[str, ...] = ()  # for "who is the <role>" questions, the role's terms ("federal", "coordin", "officer")
    pair: tuple[str, ...] = ()  # the two coordinated terms of "the share of refining and magnet manufacturing"
    asked: list[str] = field(default_factory=list)  # terms of the thing asked after ("what carbon tax rate")
    issued: str = ""  # when the document asked about was issued: "2023-03" for "the disaster declared in March 2023"
    part: list[str] = field(default_factory=list)  # "how many of the X were written down": written, down
    dimension: str = ""  # what a measure asked for is of: length, mass, speed, area (rule "measured dimension")

    @property
    def factoid(self) -> bool:
        return self.kind in FACTOID_KINDS


_BARE_MONTH = re.compile(r"(?<!\d\s)\b(January|February|March|April|June|July|August|September|October|November|"
                         r"December)\b(?!\s+\d)")


def premises(question: str) -> list[Value]:
    """Values the question takes for granted: dates and month names, percentages, durations, money amounts.
    "Why did the US set a December deadline?" assumes "December"; the answerer checks it against the evidence."""
    found = [v for v in facts.dates(question) if v.kind in ("date", "month") and not v.norm.startswith("*")]
    for m in _BARE_MONTH.finditer(question):
        if not any(v.start <= m.start() < v.end for v in found):
            month = facts.MONTHS[m.group(1).lower()]
            found.append(Value("month", m.start(), m.end(), m.group(0), f"*-{month:02d}", m.group(0)))
    found += facts.percents(question) + facts.durations(question) + facts.money(question)
    return sorted(found, key=lambda v: v.start)


# Which side of its verb the asked-for thing stands on. "Who did the envoy succeed?" asks for the object (the name
# after "succeeded" in "... and succeeded Ada Quill"); "Who signed the order?" asks for the subject (the name
# before "signed"). Copulas and passives ("Who is ...", "Who was named ...") say nothing about the side.
_OBJECT_QUESTION = re.compile(r"^\s*(?:who|whom|what|which\s+\w+)\s+(?:did|does|do|will|would|has|have|had|can|could|"
                              r"should|might|must)\s+(?!not\b)", re.I)
_SUBJECT_QUESTION = re.compile(r"^\s*who\s+(?!(?:is|was|are|were|did|does|do|will|would|has|have|had|can|could|should|"
                               r"might|must|else)\b)[a-z]+(?:ed|s)\b", re.I)


# "(final, not a candidate)", "other than the fund's director", "excluding the chair": what the question rules out.
_NEGATED = re.compile(r"\b(?:not\s+(?:a|an|the|any)|(?:excluding|except|other than|rather than|besides|apart from)"
                      r"(?:\s+(?:a|an|the|any))?)\s+((?:[\w.-]+\s+){0,2}[\w.-]+)", re.I)


def negated_terms(question: str) -> list[str]:
    """The terms of what the question rules out (up to three words after "not", "excluding", "other than")."""
    out: list[str] = []
    for m in _NEGATED.finditer(question):
        phrase = re.split(r"[,;:?!)(]", m.group(1))[0]
        out += [t for t in terms(phrase) if t not in out]
    return out


# "..., and on what date?", "... and when?", "... and how many ...?": a second value asked for after the first.
_SECOND_ASK: list[tuple[str, re.Pattern[str]]] = [
    ("date", re.compile(r"\band\s+(?:on\s+|by\s+)?(?:what|which)\s+(?:date|day)\b|\band\s+when\b", re.I)),
    ("count", re.compile(r"\band\s+how\s+many\b", re.I)),
    ("percent", re.compile(r"\band\s+(?:at\s+)?(?:what|which)\s+(?:rate|percentage|share)\b", re.I)),
    ("name", re.compile(r"\band\s+(?:by\s+)?(?:who|whom)\b", re.I)),
]


def second_ask(question: str, kind: str) -> str:
    """Rule "second ask": the kind of a second value a question asks for after its first ("Which spokesperson
    commented, and on what date?" asks for a name and a date); "" when it asks for one kind only."""
    for also, pattern in _SECOND_ASK:
        if also != kind and kind in FACTOID_KINDS and pattern.search(question):
            return also
    return ""


_WHO_PREDICATE = re.compile(rf"\bwho\s+(?:{_AUX}\s+|been\s+|being\s+)*(.+)", re.I)


_WHO_IS_THE = re.compile(r"\bwho\s+(?:is|was|are|were)\s+(?:the|its|their)\s+((?:[\w-]+\s+){0,3}?[\w-]+)"
                         r"(?=\s+(?:of|for|in|at|on|to|from|who|that)\b|\s*[?,.]|\s*$)", re.I)


_WHICH_PERSON = re.compile(rf"^which\s+(?:[\w.-]+\s+){{0,3}}?(?:{_PERSON_NOUNS})s?\s+(?:{_AUX}\s+|been\s+)*(.+)", re.I)


def asked_predicate(question: str) -> str:
    """Rule "asked predicate": the term of what a "who" question asks the person did or is, its first content
    word after "who" and any auxiliaries ("Who was appointed to coordinate ..." -> "appoint"), for "which
    <person noun> <verb>" the verb ("Which agency official coordinates ..." -> "coordin"), or for "who is the
    <role>" the role's head ("Who is the release manager for 4.2?" -> "manager"); "" for other questions.
    (In "Who did the envoy succeed?" the word after "who did" is the subject; the analysis leaves the predicate
    out for such questions.)"""
    role = _copula_role(question)
    if role is not None:  # "Who is the Federal Coordinating Officer for ...": the office's head says what one is
        return role[-1] if role and not role[-1][0].isdigit() else ""
    m = _WHO_PREDICATE.search(question) or _WHICH_PERSON.match(" ".join(question.split()))
    found = terms(m.group(1)) if m else []
    return found[0] if found and not found[0][0].isdigit() else ""


def asked_role(question: str) -> tuple[str, ...]:
    """Rule "asked role", its question side: the terms of the role a "who is the <role>" question asks the holder
    of ("Who was the governor of ...?" -> ("governor",)); () for other questions."""
    role = _copula_role(question)
    return tuple(t for t in role if not t[0].isdigit()) if role else ()


def _copula_role(question: str) -> list[str] | None:
    """The terms of the role in "who is the <role>" (None when the question is not of that form)."""
    copula = _WHO_IS_THE.search(question)
    return terms(copula.group(1)) if copula else None


_COORDINATED = re.compile(r"([A-Za-z][\w-]*)\s+and\s+([A-Za-z][\w-]*)")


def coordinated_pair(question: str, kind: str) -> tuple[str, ...]:
    """Rule "both asked", its question side: for a question after a percentage, number or amount of two things
    joined by "and" ("China's share of refining and magnet manufacturing"), the terms of the two words "and"
    joins; () otherwise."""
    if kind not in ("percent", "count", "money"):
        return ()
    for m in _COORDINATED.finditer(question):
        left, right = terms(m.group(1)), terms(m.group(2))
        if left and right and left[0] != right[0] and not any(t[0].isdigit() for t in left + right):
            return left[0], right[0]
    return ()


_ASKED_THING = re.compile(rf"^(?:what|which|how much)\s+(?:(?:is|was|are|were)\s+)?(?:the\s+|its\s+|their\s+)?"
                          rf"((?:[\w-]+\s+){{1,4}}?)(?:(?:{_AUX}|of|for|in|on|at|to|that|which|per)\b"
                          rf"|(?-i:(?=[A-Z0-9])))", re.I)
# Words that name a measure, not what is measured ("what share of X", "what is the number of Y"), and words that
# name a kind of answerer ("which organization is the source of the 92% figure" asks for a name).
_MEASURE_WORDS = frozenset(terms("number amount percentage percent share proportion fraction portion total figure "
                                 "value level date day year time rate count size organization organisation agency "
                                 "body institution person people group company country official source money "
                                 "cash dollar more less vote tally margin score length limit maximum "
                                 "minimum max min average"))


def asked_thing(question: str) -> list[str]:
    """Rule "asked thing", its question side: the terms of what a "what/which/how much <thing>" question asks
    after, the words between the question word and its verb or preposition ("What carbon tax rate did ..." -> carbon,
    tax), leaving out words that only name a measure ("share", "number", "rate"). The analysis keeps them for
    questions after a quantity (a percentage, an amount, a number), where the thing measured decides."""
    m = _ASKED_THING.match(" ".join(question.split()))
    return [t for t in terms(m.group(1)) if t not in _MEASURE_WORDS and not t[0].isdigit()] if m else []


_ISSUED = re.compile(r"\b(?:declared|issued|signed|published|approved|amended|dated|proclaimed|announced|released|"
                     r"written|posted)\s+(?:in|on)\s+(.{4,30})", re.I)


def issued_when(question: str) -> str:
    """Rule "dated document", its question side: the month ("2023-03") or date a question says the document it
    asks about was issued in ("the disaster declared in March 2023", "the order signed on May 2, 2031"); ""
    when it names none. A year alone names too many documents to choose by."""
    m = _ISSUED.search(question)
    found = [v for v in facts.dates(m.group(1)) if v.kind in ("date", "month") and v.start == 0
             and not v.norm.startswith("*")] if m else []
    return found[0].norm if found else ""


_DEMONYM = re.compile(r"\b(?i:how many)\s+[A-Z][a-z]+(?:ans|ese)\b")  # "How many Americans", "How many Japanese"


def counted_terms(question: str, counted: str) -> list[str]:
    """The terms of what "how many X" counts; rule "demonyms count people": a people's name ("How many Americans
    died ...") counts people, so "2,403 service members and civilians" answers it."""
    found = terms(counted)
    return found + ["people"] if _DEMONYM.search(question) else found


_PARTITIVE = re.compile(rf"\bhow many of (?:the |these |those |its |their |his |her )?.+? {_AUX}\s+(.+)", re.I)


def partitive(question: str) -> list[str]:
    """Rule "partitive count", its question side: for "how many of the X <predicate>" ("How many of the
    aphorisms were written down?"), the terms of the predicate, which tell the part asked for from the whole
    ("20 aphorisms, only 19 of which have been written down"); [] for other questions."""
    m = _PARTITIVE.search(" ".join(question.split()))
    return [t for t in terms(m.group(1)) if not t[0].isdigit()] if m else []


def answer_side(question: str) -> int:
    """+1 when the question asks for the object of its verb, -1 for the subject, 0 when its form does not say."""
    if _OBJECT_QUESTION.match(question):
        return 1
    if _SUBJECT_QUESTION.match(question):
        return -1
    return 0


# "According to the fact sheet, which ...": who says it is no part of the question's form.
# Rule "attribution prefix" and its sibling "exception prefix": "According to X," and "Apart from X," open a
# question without being its form.
_ATTRIBUTION = re.compile(r"^(?:according to|per|as (?:reported|stated|said) (?:by|in)|in the words of|apart from|"
                          r"aside from|besides|other than|except for|in addition to)\s+[^,?]{1,80},\s*")


def classify(question: str) -> str:
    """The kind of answer a question asks for. Rules "attribution prefix" and "exception prefix": a leading
    "According to X," or "Apart from X," is set aside, so the question's own form ("which parties ...") decides."""
    q = re.sub(r"\b(what|who|when|where|which|how)(?:'|\u2019)s\b", r"\1 is", " ".join(question.lower().split()))
    q = _ATTRIBUTION.sub("", q)
    for kind, pattern in _RULES:
        if pattern.search(q):
            return kind
    return "other"


def analyse(question: str, standalone: str | None = None, previous: str | None = None) -> Intent:
    """An Intent for ``question``; terms of ``standalone`` not in the question count as conversational context;
    ``previous``: the earlier question a follow-up continues."""
    question = strip_instructions(question)
    kind = classify(question)
    dimension = measured_dimension(question) if kind in ("count", "other", "explain") else ""
    if dimension and not question.lower().startswith(("why", "how did", "how does", "how do", "how is", "how was")):
        kind = "count"  # "How far did the flyer go?" asks for a number of feet or miles
    else:
        dimension = ""
    if kind == "other" and previous:
        # "And the trade representative?" takes its kind from the conversation it continues.
        kind = classify(previous)
    negated = negated_terms(question)
    focus = [t for t in terms(question) if t not in negated]
    context = [t for t in terms(standalone or "") if t not in focus and t not in negated]
    assumed = premises(question)
    blanked = question
    for v in assumed:  # values the question assumes are checked as premises, not required as anchors
        blanked = blanked[:v.start] + " " * (v.end - v.start) + blanked[v.end:]
    pinned = constraints.of_question(blanked)
    numbers = re.findall(r"\d+(?:\.\d+)?", question)
    counted = re.search(r"\bhow many (?!of\b)((?:[a-z-]+ ){0,1}[a-z-]+)", question.lower())
    part = partitive(question) if kind == "count" else []
    return Intent(counted=counted_terms(question, counted.group(1)) if counted and kind == "count" else [],
                  part=part,
                  kind=kind, text=question, focus_terms=focus, context_terms=context, constraints=pinned,
                  numbers=numbers,
                  premises=assumed, side=answer_side(question), negated=negated, also=second_ask(question, kind),
                  predicate=asked_predicate(question) if kind == "name" and answer_side(question) <= 0 else "",
                  role=asked_role(question) if kind == "name" else (),
                  pair=coordinated_pair(question, kind),
                  asked=asked_thing(question) if kind in ("percent", "money", "count") else [],
                  issued=issued_when(question), dimension=dimension)
