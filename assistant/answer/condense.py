"""Turn a follow-up question into a standalone query, using the conversation (rule-based, no model).

A follow-up keeps the conversation's subject, not its last answer: the standalone query is the new question plus the
subject of the earlier user questions (the event, document, people and period under discussion), without the thing
the previous question asked for when the follow-up asks for something else ("Which Treasury Secretary convened the
meeting?" → "And who is the trade representative?" carries "convened the meeting", not "Treasury Secretary") and never
the previous answer's text, so an earlier answer's value can never become evidence for the next one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping, Sequence

from . import facts
from ..index import constraints
from .instructions import split_instructions
from .question import classify
from ..text import terms, words

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

_FOLLOW_UP = re.compile(r"^\s*(and|but|also|so|then|what about|how about|and what about|what of|same for|and how about)"
                        r"\b", re.I)
# "And the trade representative, ...", "What about India?": the follow-up names its own thing after the marker
_NAMES_ITS_OWN = re.compile(r"^\s*(?:and|but|also|so|then)?\s*(?:what|how) about\s+(?!(?:it|him|her|them|that|this|"
                            r"those|these|the other|the rest|others)\b)\w|^\s*(?:and|but|also|same for)\s+(?:the\s+)?"
                            r"(?!(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|did|does|do|it|he|she|"
                            r"they|that|this|other|the other|rest|others|one)\b)[A-Za-z]", re.I)
# "And for footnotes?", "And in 2031?", "What about for small farms?": the same question, over another scope. The
# follow-up names where or for what, not a new thing asked for: the previous question's asked-for thing is kept.
_RESCOPES = re.compile(r"^\s*(?:(?:and|but|also|so|then)\s+)?(?:(?:what|how) about\s+)?(?:for|in|on|at|during|under|"
                       r"among|within|inside|outside|before|after|since)\s+(?!(?:it|him|her|them|that|this|those|these|"
                       r"which|what|whom|when)\b)\w", re.I)
_PRONOUNS = frozenset("it they them this that these those he him she there rest others other one".split())
_POSSESSIVES = frozenset("its their theirs his her hers".split())
_PERSONAL = frozenset("he him his she her hers".split())
_WH = re.compile(r"^\s*(?:(?:and|but|so|then|also)\s+)?(?:for|in|on|at|by|from|to|of|with|since|until)?\s*"
                 r"(?P<wh>who|whom|whose|what|which|when|where|why|how)\b\s*(?P<rest>.*)$", re.I | re.S)
_AUX = frozenset("is are was were did does do has have had will would can could should may might be been".split())
_PREPOSITIONS = frozenset("of in for on to with by from at under about between during as into over than".split())
_TOKEN = re.compile(r"\$?\d[\d,.]*%?|[A-Za-z][\w'\u2019.-]*[\w]|[A-Za-z]")
MAX_SUBJECT = 8  # phrases carried from the conversation
_MARKERS = re.compile(r"\s*\[\d+\]")
_ABSTAINED = re.compile(r"^the sources don'?t\b", re.I)  # only for history messages that lack an "abstained" key


@dataclass(frozen=True)
class Question:
    """A question as the pipeline sees it.

    ``text``: as typed (cleaned); ``asked``: the plain question, instructions removed; ``query``: the standalone
    search text (``Answer.query``, shown to the user); ``subject``: phrases carried from the conversation;
    ``previous``: the earlier user question a follow-up continues (its kind is inherited when the follow-up's own
    kind is unclear); ``ignored``: instructions removed from the question; ``referent``: what a pronoun stands for
    (a name of the previous answer's first line); ``resolved``: the question with the pronoun or ellipsis resolved
    ("Who did Jamieson Greer succeed?", "Who is the Commerce Secretary?")."""

    text: str
    asked: str
    query: str
    subject: tuple[str, ...] = ()
    previous: str = ""
    ignored: tuple[str, ...] = field(default=())
    referent: tuple[str, ...] = ()
    resolved: str = ""  # the question with its pronoun or ellipsis resolved: what the answer's terms are read from

    def __post_init__(self) -> None:
        if not self.resolved:
            object.__setattr__(self, "resolved", self.asked)

    @property
    def follow_up(self) -> bool:
        return bool(self.previous)

    @property
    def kind_from(self) -> str | None:
        """The earlier question whose kind an elliptical follow-up takes ("And the trade representative?"), or None
        when the follow-up has its own question word ("Which release was its last?")."""
        own = re.match(r"\s*(?:(?:and|but|so|then|also)\s+)?(?:which|who|whom|whose|when|where|why|how)\b", self.asked,
                       re.I)
        return None if own or not self.previous else self.previous

    @classmethod
    def plain(cls, text: str) -> "Question":
        """A question outside any conversation (instructions removed)."""
        split = split_instructions(text)
        return cls(text=text, asked=split.plain, query=split.plain, ignored=split.removed)


def is_follow_up(question: str) -> bool:
    """Short, pronoun-led or elliptical questions lean on the conversation."""
    tokens = words(question)
    return bool(_FOLLOW_UP.match(question)) or any(t in _PRONOUNS | _POSSESSIVES for t in tokens) \
        or len(terms(question)) <= 1 or bool(re.search(r"\b(?:by|until|till|since) then\b", question, re.I))


def condense(question: str, history: Sequence[Mapping[str, object]] | None) -> Question:
    """The question with its standalone query: for a follow-up, the question followed by the conversation's
    subject (from the earlier user questions, never from the answers' text)."""
    base = Question.plain(question.strip())
    if not history or not base.asked or not is_follow_up(base.asked):
        return base
    turns = [(str(m.get("role", "")), str(m.get("content", ""))) for m in history if m.get("content")]
    last_user = next((i for i in range(len(turns) - 1, -1, -1) if turns[i][0] == "user"), None)
    if last_user is None:
        return base
    earlier = condense(turns[last_user][1], [{"role": r, "content": c} for r, c in turns[:last_user]])
    previous = earlier.asked
    if not previous:
        return base
    rescoped = rescopes(base.asked)
    keep_asked_for = rescoped or _refers_back(base.asked)
    carried = list(earlier.subject) + _subject(previous, keep_asked_for=keep_asked_for)
    answer = next((m for m in history[[i for i, m in enumerate(history) if m.get("content")][last_user] + 1:]
                   if m.get("role") == "assistant"), None) if keep_asked_for and not rescoped else None
    kind = classify(previous)
    names_a_thing = kind == "name" or bool(_asked_for(previous) and _WH.match(previous)
                                                           and _WH.match(previous).group("wh").lower() in ("what", "which"))
    referent = _referent(answer, kind) if answer is not None and names_a_thing else []
    own = set(terms(base.asked))
    subject: list[str] = []
    for phrase in carried:  # latest last; drop what the new question already says and repeats
        phrase_terms = terms(phrase)
        if not phrase_terms or set(phrase_terms) <= own or any(terms(p) == phrase_terms for p in subject):
            continue
        subject.append(phrase)
    subject = subject[-MAX_SUBJECT:]
    if rescoped:  # "And in 2031?": the new year, version or number replaces the old one, never joins it
        scope = {c.kind for c in constraints.of_question(base.asked) if c.kind != "name"}
        subject = [p for p in subject if not scope & {c.kind for c in constraints.of_question(p)}]
    referent = [r for r in referent if not set(terms(r)) <= own and not any(terms(r) == terms(p) for p in subject)]
    resolved = _substitute(base.asked, referent[0]) if referent else base.asked
    thing = _thing(earlier.resolved, keep_asked_for) if keep_asked_for and not referent else ""
    if thing and _PRONOUN_AT.search(base.asked) and _PRONOUN_AT.search(base.asked).group("p").lower() in (
            "it", "its", "they", "them", "their"):
        resolved = _substitute(base.asked, thing)  # "What happens if it is missed?" → "... if deadline is missed?"
        if len(thing.split()) >= 2 and thing[0].isupper():  # a named thing now in the question is its subject
            subject = [p for p in subject if p in earlier.subject]
    if referent:  # the person or thing now named is the subject: how the last question found it is not
        subject = [p for p in subject if p in earlier.subject]
    swapped = _swapped(base.asked, previous, [c for r, c in turns[:last_user + 1] if r == "user"])
    if swapped:  # "What about the harbour ordinance?": the previous question, of the other ordinance
        return Question(text=base.text, asked=base.asked, query=swapped, previous=previous, ignored=base.ignored,
                        resolved=swapped)
    replaced = _replace_asked_for(previous, base.asked)
    if replaced:  # "Who is the U.S. Trade Representative?" → "And the Commerce Secretary?": ask the same of it
        return Question(text=base.text, asked=base.asked, query=replaced, subject=tuple(subject), previous=previous,
                        ignored=base.ignored, resolved=replaced)
    query = f"{resolved} ({'; '.join(subject)})" if subject else resolved
    return Question(text=base.text, asked=base.asked, query=query, subject=tuple(subject), previous=previous,
                    ignored=base.ignored, referent=tuple(referent), resolved=resolved)


_WHAT_ABOUT = re.compile(r"^\s*(?:(?:and|but|so|then)\s+)?(?:what|how)\s+about\s+(?P<np>[^?]+?)\s*\??\s*$", re.I)
# the phrase a question names a thing with: an article, up to three words, the head noun and its "on/of the <Name>"
_NUMBER_AFTER = re.compile(r"(?:\s+\d[\w.]*)?")  # "Release 4.2"
_NAMED_COMPLEMENT = re.compile(r"(?:\s+(?:on|of|for)\s+(?:the\s+)?[A-Z0-9][\w.'\u2019-]*(?:\s+(?:of\s+)?"
                               r"[A-Z0-9][\w.'\u2019-]*)*)?")


def _swapped(follow_up: str, previous: str, questions: Sequence[str]) -> str:
    """For "What about X?" where X is another thing of the kind the conversation is about (its head noun is a
    word of an earlier question, its other words are new: "the harbour ordinance" after questions on "the
    ordinance on the Quarry Lane Market"): the previous question asked of X, with X in place of the pronoun that
    stood for the other thing ("Who are its trustees?" → "Who are the harbour ordinance's trustees?") or of the
    phrase that named it ("Who was the editor for Release 4.2?" → "What about Release 4.3?" → "Who was the editor
    for Release 4.3?"). Nothing of the other thing's subject is carried. "" when the follow-up is no such swap
    ("What about Eastmoor?" names no kind the conversation spoke of)."""
    m = _WHAT_ABOUT.match(follow_up)
    if not m or _refers_back(follow_up):
        return ""
    np = m.group("np").strip()
    np_terms = terms(np)
    # the head noun: the last word, or the name a number follows ("Release" in "Release 4.3", "Rule" in "Rule 8")
    numbered = len(np_terms) >= 2 and np_terms[-1][0].isdigit()
    head_term = np_terms[-2] if numbered else np_terms[-1] if np_terms else ""
    earlier = set(terms(" ".join(questions)))
    if len(np_terms) < 2 or head_term not in earlier or set(np_terms) <= earlier:
        return ""
    if _PRONOUN_AT.search(previous):
        return _substitute(previous, np)
    head = next((w for w in _TOKEN.findall(np) if terms(w) == [head_term]), "")
    for hit in re.finditer(rf"\b{re.escape(head)}\b", previous, re.I) if head else ():
        before = previous[:hit.start()]
        article = list(re.finditer(r"\b(?:the|a|an|this|that)\s+(?:(?!(?:of|for|on|in|to|by|with|from|at)\b)\S+\s+)"
                                   r"{0,3}$", before, re.I))
        start = article[-1].start() if article else hit.start()
        end = _NAMED_COMPLEMENT.match(previous, _NUMBER_AFTER.match(previous, hit.end()).end()).end()
        if end == hit.end() and re.match(r"\s+(?:on|of|for)\b", previous[end:]):
            return ""  # "the ordinance on parking passed": where its lower-case complement ends is not known
        return previous[:start] + np + previous[end:]
    return ""


def rescopes(question: str) -> bool:
    """Whether a follow-up asks the previous question again over another scope ("And for footnotes?" after "What
    maximum page width does the style guide allow?", "And in 2031?", "What about for small farms?"): it starts with
    a preposition, so what it names is where or for what, not a new thing asked for. The previous question's
    asked-for thing ("maximum page width") stays in the query, the scope it had ("in 2030") gives way to the new one
    when they are of one kind (a year, a version, a numbered thing), and no pronoun is resolved (the previous answer
    is for the other scope)."""
    return bool(_RESCOPES.match(question))


def _refers_back(question: str) -> bool:
    """Whether a follow-up points back at what the previous question asked for ("When was it signed?", "When was
    he confirmed?") rather than naming a new thing of its own ("And the trade representative?", "What about India?",
    "How big was the loan in that deal?")."""
    if _NAMES_ITS_OWN.match(question):
        return False
    tokens = [t.lower() for t in _TOKEN.findall(question)]
    for i, tok in enumerate(tokens):
        if tok in ("it", "they", "them", "he", "him", "she", "rest", "others", "one", "there"):
            return True
        if tok == "then" and i and tokens[i - 1] in ("by", "until", "till", "since", "before", "after"):
            return True  # "by then": the time the previous question asked about
        if tok in _POSSESSIVES or tok in ("this", "that", "these", "those", "other"):
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            # "his confirmation", "its share": the possessed thing is the previous one's; "that deal" names its own
            if tok in _POSSESSIVES or not nxt or nxt in _AUX or not terms(nxt):
                return True
    return False


_NAME_RUN = re.compile(r"[A-Z\u00c0-\u00de\u0100-\u017f][\w'\u2019.-]*(?:\s+(?:(?:of|the|for|and)\s+)?(?:[A-Z\u00c0-\u00de\u0100-\u017f][\w'\u2019.-]*|\d{1,4}\b,?))*")
_FIGURE_RUN = re.compile(r"[$\u20ac\u00a3]?\d[\d,.]*(?:%|/\w+|\s+(?:days?|weeks?|months?|years?|percent|million|billion|"
                         r"trillion))?")


_ELLIPSIS = re.compile(r"^\s*(?i:and|but|also|what about|how about|and what about|same for)\s+(?i:the\s+)?"
                       r"(?P<np>(?:[A-Z][\w'.\u2019-]*\s*){1,4})\??\s*$")


def _replace_asked_for(previous: str, follow_up: str) -> str:
    """For an elliptical follow-up that names a new title or role in place of the one asked about ("And the
    Commerce Secretary?" after "Who is the U.S. Trade Representative?"): the previous question with it put in."""
    m = _ELLIPSIS.match(follow_up)
    positions = sorted(_asked_for(previous))
    if not m or not positions:
        return ""
    tokens = list(_TOKEN.finditer(previous))
    first, last = tokens[positions[0]], tokens[positions[-1]]
    if not all(tokens[i].group(0)[0].isupper() for i in positions):
        return ""  # only a named title or role is replaced by another one
    return previous[:first.start()] + m.group("np").strip() + previous[last.end():]


_PRONOUN_AT = re.compile(r"\b(?P<p>he|him|she|his|hers|her|it|its|they|them|their)\b", re.I)


def _substitute(question: str, referent: str) -> str:
    """The question with its first pronoun replaced by what it refers to ("Who did he succeed?" → "Who did Jamieson
    Greer succeed?", "the vote on his confirmation" → "the vote on Jamieson Greer's confirmation"); the question
    with the referent after it when no pronoun stands for it."""
    m = _PRONOUN_AT.search(question)
    if not m:
        return f"{question} ({referent})"
    word = m.group("p").lower()
    possessive = word in ("his", "hers", "its", "their") or (word == "her" and re.match(
        r"\s+(?!to\b|in\b|on\b|by\b|at\b|for\b|with\b|from\b|as\b)[a-z]", question[m.end():]) is not None)
    return question[:m.start()] + referent + ("'s" if possessive else "") + question[m.end():]


def _referent(answer: Mapping[str, object], kind: str) -> list[str]:
    """What a follow-up's pronoun refers to when it points back at what the previous question asked for ("Who
    hosted it?" → "Scott Bessent" → "When was he confirmed?"): the names and figures of the previous answer's
    first line, nothing else of it. It resolves the pronoun (the names become anchors the evidence must mention);
    it is no evidence, and the answer is verified against the documents as always. Only a person or thing (a name,
    a length of time, a named body) is referred to: after "When was it signed?" → "April 15, 2025", "it" is still
    the order, not the date. An abstention refers to nothing."""
    if answer.get("abstained") is True:
        return []
    lead = _MARKERS.sub("", str(answer.get("content", "")).strip().split("\n", 1)[0]).strip()
    if not lead or (answer.get("abstained") is None and _ABSTAINED.match(lead)):
        return []
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for m in _NAME_RUN.finditer(lead):
        run = m.group(0).rstrip(" ,.;")
        words_ = run.split()
        while words_ and not terms(words_[0]):  # "The", "According": a capital that only starts the sentence
            words_ = words_[1:]
        if words_:
            found.append((m.start(), " ".join(words_)))
            taken.append((m.start(), m.end()))
    for m in _FIGURE_RUN.finditer(lead):
        if not any(a <= m.start() < b for a, b in taken):
            found.append((m.start(), m.group(0).rstrip(" ,.;")))
    if kind == "name":  # a person: the name itself, without the role words around it ("Secretary Scott Bessent")
        people = [(at + v.start, v.surface) for at, run in found for v in facts.names(run)]
        found = people or found
    if kind not in ("name", "duration"):  # a thing: only a name of two words or more ("the Steering Council")
        found = [(at, text) for at, text in found if len(text.split()) >= 2 and text[0].isupper()]
    return list(dict.fromkeys(text for _, text in sorted(found)))[:4]


def _asked_for(question: str) -> set[int]:
    """Token positions of what a question asks for: "share" in "What share of ... did China have?", "Treasury
    Secretary" in "Which Treasury Secretary convened ...?", "Commerce Secretary" in "Who is the Commerce Secretary
    negotiating ...?". "How many X" asks for a number of X: X is the subject, not the thing asked for."""
    tokens = list(_TOKEN.finditer(question))
    m = _WH.match(question)
    if not m:
        return set()
    wh = m.group("wh").lower()
    start = next((i for i, t in enumerate(tokens) if t.start() >= m.start("rest")), len(tokens))
    out: set[int] = set()
    i = start
    if wh in ("who", "what", "which"):
        # "who is the X", "what is the exact title of": skip the copula and the article
        while i < len(tokens) and tokens[i].group(0).lower() in ("is", "was", "are", "were", "the", "a", "an"):
            i += 1
        if wh == "who" and i == start:
            return out  # "Who hosted the meeting?": the person is asked for, the rest is the subject
        for j in range(i, min(i + 4, len(tokens))):
            word = tokens[j].group(0)
            low = word.lower()
            if low in _AUX or low in _PREPOSITIONS or (j > i and not word[0].isupper()
                                                           and low.endswith(("ed", "ing"))):
                break
            out.add(j)
    elif wh == "how" and i < len(tokens):
        out.add(i)  # "how long", "how big"; "how many X" asks for a number of X: X stays the subject
    return out


def _thing(question: str, keep_asked_for: bool) -> str:
    """The first thing a question is about ("deadline" in "When is the deadline for the negotiations?", "minerals
    agreement" in "What minerals agreement did the US sign?"), without a trailing verb: what "it" stands for."""
    phrases = _subject(question, keep_asked_for)
    named = []
    for phrase in phrases:  # a name of two words or more ("PEP 572", "Executive Order 14272") is what "it" names
        lead = []
        for word in phrase.split():
            if not (word[0].isupper() or word[0].isdigit()):
                break
            lead.append(word)
        if len(lead) >= 2:
            named.append(" ".join(lead))
    if named:
        return named[0]
    if not phrases:
        return ""
    words_ = phrases[0].split()
    while len(words_) > 1 and words_[-1].islower() and words_[-1].endswith(("ed", "ing")):
        words_ = words_[:-1]
    return " ".join(words_)


def _subject(question: str, keep_asked_for: bool) -> list[str]:
    """The phrases of ``question`` that name what it is about: runs of content words, without the wh-phrase's
    thing asked for unless the follow-up refers back to it."""
    tokens = list(_TOKEN.finditer(question))
    skip = _asked_for(question)
    after = max(skip) + 1 if skip else 0
    # "What is the number of the proclamation ...": the number is the proclamation's, and "it" is the proclamation
    of_phrase = after < len(tokens) and tokens[after].group(0).lower() in ("of", "for", "on", "in")
    if keep_asked_for and not of_phrase:
        wh = _WH.match(question)
        skip = skip if wh and wh.group("wh").lower() == "how" else set()  # "how long" never names a thing
    phrases: list[str] = []
    run: list[str] = []
    for i, tok in enumerate(tokens):
        word = tok.group(0)
        content = i not in skip and bool(terms(word)) and word.lower() not in _AUX
        gap = question[tokens[i - 1].end():tok.start()] if i else ""
        if content and run and re.fullmatch(r"[\s,]*", gap) and "," not in gap:
            run.append(word)
        elif content:
            if run:
                phrases.append(" ".join(run))
            run = [word]
        else:
            if run:
                phrases.append(" ".join(run))
            run = []
    if run:
        phrases.append(" ".join(run))
    return phrases


_REWRITE_SYSTEM = ("Rewrite the user's last question as one standalone search question that can be understood "
                   "without the conversation. Keep its meaning; name what pronouns refer to. Reply with the "
                   "question only.")


def condense_with_model(question: str, history: Sequence[Mapping[str, object]] | None, model: "BaseChatModel",
                        max_chars: int = 300) -> Question:
    """The follow-up rewritten by a chat model into a standalone query; the rule-based ``condense`` when the
    question is no follow-up or the rewrite is unusable (empty, too long, or unrelated to the conversation).
    Only the user's questions are shown to the model (an earlier answer's values must not steer the rewrite).
    Errors of the model propagate (they are the caller's to report)."""
    from langchain_core.messages import HumanMessage, SystemMessage

    rule_based = condense(question.strip(), history)
    if not history or not rule_based.follow_up:  # no follow-up: nothing for the model to resolve
        return rule_based
    turns = [m for m in (history or []) if m.get("content") and m.get("role") == "user"][-3:]
    conversation = "\n".join(f"user: {split_instructions(str(m['content'])).plain[:300]}" for m in turns)
    reply = model.invoke([SystemMessage(content=_REWRITE_SYSTEM),
                          HumanMessage(content=f"Conversation:\n{conversation}\n\nLast question: "
                                               f"{rule_based.asked}\n\nStandalone question:")], max_tokens=60)
    text = reply.content if isinstance(reply.content, str) else ""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    rewrite = lines[0].strip().strip("\"'\u201c\u201d").removeprefix("Standalone question:").strip() if lines else ""
    asked = set(terms(rule_based.asked))
    context = set(terms(" ".join(str(m["content"]) for m in turns))) - asked
    said = set(terms(rewrite))
    # usable: not empty or rambling, carries something of the conversation (an echo of the follow-up resolves
    # nothing), and adds at most three words that neither the question nor the conversation holds
    if not rewrite or len(rewrite) > max_chars or not (said & context) or len(said - asked - context) > 3:
        return rule_based
    return Question(text=rule_based.text, asked=rule_based.asked, query=rewrite, subject=rule_based.subject,
                    previous=rule_based.previous, ignored=rule_based.ignored, referent=rule_based.referent,
                    resolved=rule_based.resolved)


__all__ = ["Question", "condense", "condense_with_model", "is_follow_up", "rescopes"]
