"""Which value in a sentence answers the question: the values of the asked kind a sentence holds, the one its
question words surround most closely (by clause, by distance, by a role word or a "label: value" label), and how
a value and its sentence rank as the answer.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, replace
from typing import Sequence

from ..index import constraints
from ..index.keyword import KeywordIndex
from ..text import STOPWORDS, terms
from ..load.units import cells, table_header
from . import facts
from .candidates import Sentence, matches_any, term_match, term_weights
from .facts import Value
from .places import is_country, is_place
from .question import Intent, asked_thing, versioned_thing

_IDENTIFIER_QUESTION = re.compile(r"\b(number|no\.?) of (the|this|that)\b(?!.*\bhow many\b)", re.I)
_ROLE_TERMS = frozenset(t for word in facts.OFFICE_WORDS for t in terms(word))  # "Secretary", "Manager", ...


@dataclass(frozen=True)
class Pick:
    """A value chosen from a sentence as the answer, with how strongly the question's terms surround it."""

    sentence: Sentence
    value: Value
    strength: float
    values: tuple[Value, ...] = ()  # every value of the asked kind in the sentence


def sentence_values(intent: Intent, sentence: Sentence) -> list[Value]:
    """The values of the asked kind in ``sentence``, leaving out those the question itself states."""
    kind = "month" if intent.kind == "date" else intent.kind
    published = facts.parse_date(sentence.doc.metadata.get("date"))
    if intent.dimension:  # rule "measured dimension": "how far" is answered in feet or miles, nothing else
        found = facts.measures(sentence.text, intent.dimension)
    elif intent.kind == "count" and _IDENTIFIER_QUESTION.search(intent.text):
        found = facts.counts(sentence.text, identifiers=True)  # "what is the number of the proclamation?"
    elif kind == "name":
        found = [v for v in facts.names(sentence.text, _document_lower_words(sentence.doc.text))
                 if not is_place(v.surface)]  # "South Korea" is no person
    elif intent.kind == "count" and _HOW_MUCH.search(intent.text):
        found = _amounts(sentence.text, published)
    else:
        found = facts.values(kind, sentence.text, published)
    if intent.kind == "count" and not found and not intent.dimension:
        # "how much faster": "40% faster"; "how many days": "180 days"
        found = facts.values("duration", sentence.text, published) or facts.values("percent", sentence.text)
    elif intent.kind == "duration" and not found:  # "how long may lines be": "72 characters"
        found = _with_units(facts.values("count", sentence.text, published), sentence.text)
    elif intent.kind == "place":
        found = _asked_places(intent, found)
    elif intent.kind == "version":
        found = _versions_of_asked(intent, sentence, found)
    elif intent.kind == "office":  # "chosen for the HSA": the Director of the Harbour Safety Agency is given
        found = [v for v in found if not _spelled_by_acronym(v.surface, intent.text)]
    asked = {v.norm for v in facts.values(kind, intent.text, published)}
    if intent.kind == "count":
        asked |= set(intent.numbers)
    # a year-less "October 9" is the question's own "October 9, 2025" ("the October 9 measures")
    asked |= {"*" + norm[4:] for norm in asked if re.fullmatch(r"\d{4}-\d\d-\d\d", norm)}
    return [v for v in found if v.norm not in asked and not _is_question_name(v, intent)]


_TOWN_QUESTION = re.compile(r"\b(?:city|town|village|capital|county|site|venue)\b", re.I)


def _asked_places(intent: Intent, found: list[Value]) -> list[Value]:
    """Rule "place questions": the places that can answer a where-question: not the places the question names
    itself ("Where in Eastmoor ...": not "the State of Eastmoor"), and for a city, town or county never a
    country."""
    named = [c for c in intent.constraints if c.kind == "name"]
    found = [v for v in found if not any(constraints.matches(c, v.surface) for c in named)]
    if _TOWN_QUESTION.search(intent.text):
        found = [v for v in found if not is_country(v.surface)]
    return found


def pick_value(intent: Intent, sentence: Sentence, keyword: KeywordIndex) -> Pick | None:
    """The value of the asked kind in ``sentence`` that sits closest to the question's terms."""
    candidates = sentence_values(intent, sentence)
    if not candidates:
        return None
    label_end = _label_end(sentence)
    column = _asked_column(intent, sentence)
    if label_end > 0:  # "Windows installers: Steve Dower": the value side holds the answer
        # a row's label is its first cell and the header of the asked column ("One thread" under "AMD Zen 3")
        label = sentence.text[:label_end] + (f" {column[2]}" if column is not None else "")
        if _label_contradicts(label, intent.text):
            return None  # "3.8.0 alpha 3: ..." answers no question about alpha 5
        label_terms = terms(sentence.text[:label_end])
        if any(term_match(n, t) for n in intent.negated for t in label_terms):
            return None  # "3.6.0 candidate 2" for "(final, not a candidate)"
        candidates = [v for v in candidates if v.start >= label_end] or candidates
    if column is not None:  # "on AMD Zen 3": the value in that column of the row
        candidates = [v for v in candidates if column[0] <= v.start < column[1]] or candidates
    paired = _respective(intent, sentence, candidates)
    if paired is not None:
        candidates = [paired]
    weights = term_weights(keyword, intent)
    if any(matches_any(t, {x for x, _, _ in sentence.tokens}) for t in intent.focus_terms if not t[0].isdigit()):
        # the words of the question as typed decide between values; the conversation's only break ties
        weights.update({t: 0.25 * w for t, w in weights.items() if t not in intent.focus_terms})
    present = {t for t, _, _ in sentence.tokens}
    words_here = [t for t in intent.focus_terms if not t[0].isdigit() and matches_any(t, present)]
    part = [t for t in intent.part if matches_any(t, present)]
    if part and len(candidates) > 1:
        candidates = _stating_part(sentence, candidates, part) or candidates
    if words_here:  # the most specific word of the question decides between values of one sentence
        key = max(words_here, key=lambda t: weights.get(t, 0.0))
        weights[key] = weights[key] * 3.0
    clauses = _clauses(sentence.text) if len(candidates) > 1 else [(0, len(sentence.text))]
    _discount_shared(weights, sentence, candidates, clauses)
    total = sum(weights.values()) or 1.0
    best: Pick | None = None
    for value in candidates:
        strength = 0.0
        clause = next(((a, b) for a, b in clauses if a <= value.start < b), (0, len(sentence.text)))
        for term, weight in weights.items():
            occurrences = [(s, e) for t, s, e in sentence.tokens if term_match(term, t)]
            if not occurrences:
                continue
            # "China accounted for 60% of production, and its control over processing accounted for 92%":
            # a question word speaks for the values of its own clause.
            if not any(clause[0] <= s < clause[1] for s, e in occurrences):
                weight *= 0.25
            mine = min(_distance(value, s, e) for s, e in occurrences)
            # Each occurrence of a question term speaks for the value nearest to it; a term that sits
            # closer to another value of the sentence says little about this one.
            rivals = [min(_distance(other, s, e) for s, e in occurrences) for other in candidates
                      if other is not value]
            share = 1.0 if not rivals or mine <= min(rivals) else 0.25
            strength += weight * share * math.exp(-mine / 3.0)
        strength /= total
        if intent.kind == "name":
            strength += _role_adjacency(value, sentence, weights)
        if intent.kind == "date" and value.kind == "date":
            strength += 0.1
        if label_end > 0 and value.start >= label_end:
            strength += _label_fit(sentence, label_end, weights)
        if intent.side and label_end < 0 and _on_answer_side(value, sentence, intent):
            strength += 0.2
        if intent.counted:
            if not _counted_noun(value, sentence, intent.counted):
                continue  # "how many staff": a number of something else is no answer
            strength += 0.3
        if best is None or strength > best.strength:
            best = Pick(sentence, value, strength, tuple(candidates))
    return _range_end(intent, best) if best is not None else None


_END_QUESTION = re.compile(r"\b(?:deadline|until when|by when|end|ends|ended|ending|close[sd]?|closing|expir\w*|"
                           r"last day|conclud\w*|finish\w*|due)\b", re.I)
_RANGE_JOIN = re.compile(r"\s*(?:through|thru|to|until|till|[\u2013\u2014-])\s*$", re.I)


def _range_end(intent: Intent, chosen: Pick) -> Pick:
    """Rule "range end": a question after an end ("What is the deadline for nominations?", "When did the incident
    period end?") is answered by the last date of a range the chosen date opens ("November 10, 2025 through
    November 24, 2025", "from July 9 to July 11, 2024"), not its first."""
    if intent.kind != "date" or not _END_QUESTION.search(intent.text):
        return chosen
    text = chosen.sentence.text
    later = [v for v in chosen.values if v.start >= chosen.value.end and v.kind == chosen.value.kind]
    if later and _RANGE_JOIN.match(text[chosen.value.end:later[0].start]):
        return replace(chosen, value=later[0])
    return chosen


_EVIDENCE_KINDS = ("percent", "money", "date", "duration")


def evidence_kind(intent: Intent, pool: Sequence[Sentence]) -> str:
    """Rule "kind from the evidence": the kind of value a "what <thing>" question of no particular kind asks for
    ("which <thing>" picks one of the things and asks for none),
    read from how the passages about it state the thing: when most mentions of it in the best passages sit next
    to values of one kind ("a 10 percent surcharge", "surcharges of 25 percent"), the question asks for a
    value of that kind (at least two such mentions, two thirds of those with any value beside them); "" when
    they do not agree or the question names no thing."""
    thing = asked_thing(intent.text)
    if intent.kind != "other" or not thing or not re.match(r"\s*what\b", intent.text, re.I):
        return ""  # "Which release was ...?" picks one of the things, it asks for no value of them
    seen: dict[str, int] = {}
    mentions = 0
    for sentence in pool[:10]:
        spots = [(a, e) for t, a, e in sentence.tokens if any(term_match(t, q) for q in thing)]
        found = [v for k in _EVIDENCE_KINDS for v in facts.values(k, sentence.text)]
        if not spots and _introduced_as(sentence, thing):  # a row or item of a list introduced as the thing
            spots = [(v.start, v.end) for v in found[:1]]
        for a, e in spots:
            near = {v.kind for v in found if _distance(v, a, e) <= 4}
            mentions += bool(near)
            for kind in near:
                seen[kind] = seen.get(kind, 0) + 1
    if not seen:
        return ""
    kind, count = max(seen.items(), key=lambda item: item[1])
    return kind if count >= 2 and count >= 2 / 3 * mentions else ""


def _introduced_as(sentence: Sentence, thing: Sequence[str]) -> bool:
    """Whether ``sentence`` is a list item or table row whose lead-in paragraph speaks of ``thing`` ("the table
    below reports execution overhead ...": each row's values are overheads)."""
    unit = sentence.unit
    if unit is None or unit.kind not in ("item", "row") or unit.block_end > unit.start:
        return False
    lead_in = terms(sentence.doc.text[unit.block_start:unit.block_end])
    return all(any(term_match(t, q) for t in lead_in) for q in thing)


def pick_rank(pick: Pick) -> float:
    """How a value and its unit rank as the answer: the unit's score, how closely the question's words surround
    the value, and how much of the unit is about the question (a focused unit, "The council is a 5-person
    committee", answers better than one that goes on about something else)."""
    rank = pick.sentence.score + 0.3 * min(pick.strength, 1.0) + 0.3 * pick.sentence.focus
    if pick.value.kind == "name" and pick.value.surface in pick.sentence.doc.title:
        rank -= 0.15  # the person a document's title already names is its background, rarely what is asked
    return rank


def clear_caches() -> None:
    """Forget the cached lower-case words of documents."""
    _document_lower_words.cache_clear()


@functools.lru_cache(maxsize=256)
def _document_lower_words(text: str) -> frozenset[str]:
    return facts.lower_words(text)


def both_asked(intent: Intent, chosen: Pick) -> tuple[Value, Value] | None:
    """Rule "both asked", its evidence side: when the question asks after two coordinated things
    (``intent.pair``: "refining" and "magnet") and the chosen sentence gives each its own value, the nearest
    value after each one's word ("refining at about 91% and of permanent magnet manufacturing at about 94%"):
    both values, in the question's order. None when one value serves both or a word is missing."""
    if len(intent.pair) != 2 or len(chosen.values) < 2:
        return None
    found = []
    for term in intent.pair:
        spots = [e for t, _, e in chosen.sentence.tokens if term_match(term, t)]
        after = [(v.start - e, v) for e in spots for v in chosen.values if v.start >= e]
        if not after:
            return None
        found.append(min(after, key=lambda pair: pair[0])[1])
    return (found[0], found[1]) if found[0] is not found[1] else None


_OFFICE_SERIES_GAP = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+)(?:the\s+)?$", re.I)
_SUBJECT_OF = re.compile(r"\s*(?:,\s*who\s+)?(?:shall|will|would|must|is|are|was|were|has|have|had|serves?|served)\b")


def office_holders(intent: Intent, sentence: Sentence) -> tuple[int, int] | None:
    """Rule "office as answer": for a "who" question, the offices (one, or a series "A, B, and the C") that are
    the subject of a sentence whose predicate holds a word of the question ("The Assistant to the Mayor for
    Housing Policy ... shall serve as Co-Chair"; "the Regional Water Coordinator, who shall serve as Co-Chair"):
    their span in the sentence. Documents that assign a duty to an office name no person; the office is what they
    say. None when no office is the subject of what is asked, or the office is one the question rules out."""
    text = sentence.text
    named = {t for c in intent.constraints for t in terms(c.surface)}
    asked = [t for t in intent.focus_terms if t not in named and not t[0].isdigit()]
    found = facts.offices(text)
    for i, office in enumerate(found):
        last = i
        while last + 1 < len(found) and _OFFICE_SERIES_GAP.match(text[found[last].end:found[last + 1].start]):
            last += 1
        end = found[last].end
        subject = _SUBJECT_OF.match(text, end)
        if subject is None:
            continue
        if any(term_match(n, t) for n in intent.negated for t in terms(text[office.start:end])):
            continue  # "Besides the fund's director, who ...": not the one ruled out
        predicate = re.split(r"[;:]|\.\s", text[subject.end():])[0]
        if _APPOINTS.match(predicate):
            continue  # "The Secretary shall designate a Chair": who appoints the chair does not hold it
        if any(matches_any(t, set(terms(predicate))) for t in asked):
            return office.start, end
    return None


# The predicate of an office that appoints someone else to what is asked (rule "office as answer").
_APPOINTS = re.compile(r"\s*(?:\w+ly\s+)?(?:also\s+)?(?:designate|appoint|name|select|choose|nominate|hire|elect|"
                       r"invite)s?\b", re.I)


_SERIES_GAP = re.compile(r"\s*(?:,\s*(?:and\s+)?|and\s+)$")  # what separates the members of "A, B and C"


def _series(spans: Sequence[Value], text: str) -> list[list[Value]]:
    """Runs of two or more values written as one coordination: "A and B", "A, B, and C"."""
    runs: list[list[Value]] = []
    for value in spans:
        if runs and _SERIES_GAP.match(text[runs[-1][-1].end:value.start]):
            runs[-1].append(value)
        else:
            runs.append([value])
    return [run for run in runs if len(run) >= 2]


def _respective(intent: Intent, sentence: Sentence, candidates: list[Value]) -> Value | None:
    """Rule "respective pairs": when a sentence pairs a series of names with a series of as many values ("A and B
    advance with 313 and 249 stars", "A, B and C received $2, $3 and $4 million"), the value in the place of the
    one name the question asks about answers it. None when the sentence pairs nothing the question names."""
    named = [c for c in intent.constraints if c.kind == "name"]
    if not named or len(candidates) < 2:
        return None
    text = sentence.text
    values = _series(candidates, text)
    if not values:
        return None
    people = _series(facts.names(text, _document_lower_words(sentence.doc.text)), text)
    for run in people:
        asked = [i for i, v in enumerate(run) if any(constraints.matches(c, v.surface) for c in named)]
        if len(asked) != 1:
            continue
        for series in values:
            if len(series) == len(run):
                return series[asked[0]]
    return None


def _stating_part(sentence: Sentence, candidates: list[Value], part: Sequence[str]) -> list[Value]:
    """Rule "partitive count", its evidence side: for "how many of the X <predicate>", the values followed (before
    the next value) by the predicate's words: "into 20 aphorisms, only 19 of which have been written down"
    answers "how many of the aphorisms were written down" with 19, the part, not 20, the whole."""
    ordered = sorted(candidates, key=lambda v: v.start)
    out = []
    for i, value in enumerate(ordered):
        stop = ordered[i + 1].start if i + 1 < len(ordered) else len(sentence.text)
        after = {t for t, s, _ in sentence.tokens if value.end <= s < stop}
        if any(matches_any(t, after) for t in part):
            out.append(value)
    return out


_HOW_MUCH = re.compile(r"\bhow much\b(?!.*\bhow many\b)", re.I)


def _amounts(text: str, published) -> list[Value]:
    """Rule "how much is an amount": what answers "how much" is an amount, money, a percentage, a length of time
    or a number of some unit ("$850 million", "23 percent", "45,000 tonnes"); never a bare count ("how much did
    they ask for": not the "400" of "nearly 400 related actions" beside it)."""
    found = facts.values("money", text) + facts.values("percent", text) + facts.values("duration", text, published)
    found += [v for v in _with_units(facts.values("count", text, published), text)
              if not any(o.start <= v.start < o.end for o in found)]
    return sorted(found, key=lambda v: v.start)


_UNIT_AFTER = re.compile(r"\s+[a-z]+s\b")  # "72 characters", "30 days"
_NOTHING_AFTER = re.compile(r"\s*(?:[).,;:]|$|(?:and|or|but)\b)")  # "... and comments to 72)."


def _with_units(counts: list[Value], text: str) -> list[Value]:
    """Rule "elided unit": the numbers of some unit in a sentence ("72 characters"), not bare ones; a bare number
    after one with a unit is of the same unit, the way a parallel clause leaves the unit out ("lines to 79
    characters (and comments to 72)", "a first period of 30 days and a second of 60")."""
    measured = [v for v in counts if _UNIT_AFTER.match(text, v.end)]
    if not measured:
        return []
    first = measured[0].start
    return [v for v in counts if v in measured or (v.start > first and _NOTHING_AFTER.match(text, v.end))]


_CLAUSE_BREAK = re.compile(r",\s+(?:and|but|while|whereas|with)\b|;\s+|\s+[\u2013\u2014-]\s+|\s+\(|\)(?=[\s,;.])")


def _clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) of the clauses of a sentence, split at ", and", ", but", ";", dashes and parentheses."""
    cuts = [0] + [m.start() for m in _CLAUSE_BREAK.finditer(text)] + [len(text)]
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def _discount_shared(weights: dict[str, float], sentence: Sentence, candidates: list[Value],
                     clauses: list[tuple[int, int]]) -> None:
    """When a sentence's values sit in different clauses, the question words that speak for all of them say
    nothing about which one is asked for: the words of a leading phrase ("According to the IEA, in 2023, China
    had 60% of production, and its control over processing accounted for 92%") and words found in every clause
    ("rare earth") count a quarter, so the words of one clause ("processing") decide."""
    holding = {next((i for i, (a, b) in enumerate(clauses) if a <= v.start < b), 0) for v in candidates}
    if len(holding) < 2:
        return
    first = min(v.start for v in candidates)
    lead_end = sentence.text.rfind(",", 0, first)  # "According to the IEA, in 2023, China ... 60%": up to "2023,"
    for term in weights:
        spans = [(a, e) for t, a, e in sentence.tokens if term_match(term, t)]
        if not spans:
            continue
        leading = all(e <= lead_end for _, e in spans)
        everywhere = all(any(a <= st < b for st, _ in spans) for a, b in clauses)
        if leading or everywhere:
            weights[term] *= 0.25


def _distance(value: Value, start: int, end: int) -> int:
    """Rough distance in words between a value and a term occurrence (by characters / 6)."""
    if end <= value.start:
        return (value.start - end) // 6
    if start >= value.end:
        return (start - value.end) // 6
    return 0


def _role_adjacency(value: Value, sentence: Sentence, weights: dict[str, float]) -> float:
    """A name right after a role word of the question ("Secretary of Labor Ivo Brandt") or right before it
    ("Ada Quill, the Release Manager") is the one asked about."""
    text = sentence.text
    before = terms(text[max(0, value.start - 40):value.start])[-3:]
    after_text = text[value.end:value.end + 45]
    after = terms(after_text)[:4] if re.match(r"\s*(,|\(|is\b|was\b|as\b|who\b|the\b)", after_text) else []
    role_hits = [t for t in before + after if t in _ROLE_TERMS and any(term_match(t, q) for q in weights)]
    return 0.6 if role_hits else 0.0


# Nouns that count people: "a 5-person committee" answers "how many members".
_PEOPLE_NOUNS = frozenset(terms("person people member individual seat staff employee official delegate participant"))


def _counted_noun(value: Value, sentence: Sentence, counted: Sequence[str]) -> bool:
    """Whether the noun a number counts (the words right after it, or the label of a "label: value" unit) is the
    one the question counts ("how many members" — "five members", "a 5-person committee", "Members: 5")."""
    following = terms(sentence.text[value.end:value.end + 30])[:2]
    label_end = _label_end(sentence)
    label = terms(sentence.text[:label_end]) if 0 < label_end <= value.start else []
    return any(term_match(t, q) or (t in _PEOPLE_NOUNS and q in _PEOPLE_NOUNS)
               for t in following + label for q in counted)


def _on_answer_side(value: Value, sentence: Sentence, intent: Intent) -> bool:
    """Whether ``value`` stands on the side of the question's verb that the question asks for (``intent.side``):
    the verb is the nearest occurrence of a question word that is not one of its named things."""
    named = {t for c in intent.constraints for t in terms(c.surface)}
    verbs = [(s, e) for t, s, e in sentence.tokens
             if any(term_match(q, t) for q in intent.focus_terms if q not in named and not q[0].isdigit())]
    if not verbs:
        return False
    s, e = min(verbs, key=lambda span: _distance(value, *span))
    return value.start >= e if intent.side > 0 else value.end <= s


def _asked_column(intent: Intent, sentence: Sentence) -> tuple[int, int, str] | None:
    """Rule "table column": the cell of a table row (offsets relative to the unit, and the header's text) under
    the column whose header the question names with all its words ("on AMD Zen 3" in a table of overhead by
    processor, "the 2024 budget" in a table of budgets by year), or None when the unit is no row under a header
    or the question names no column (or two equally)."""
    unit, text = sentence.unit, sentence.doc.text
    header = table_header(text, unit) if unit is not None else None
    if header is None:
        return None
    asked = set(intent.focus_terms)
    heads = cells(text, *header)
    named = sorted((len(words), k) for k, (a, b) in enumerate(heads) if k
                   and (words := terms(text[a:b])) and all(matches_any(t, asked) for t in words))
    if not named or (len(named) > 1 and named[-1][0] == named[-2][0]):
        return None
    k = named[-1][1]
    a, b = cells(text, unit.start, unit.end)[k]
    return a - sentence.start, b - sentence.start, text[heads[k][0]:heads[k][1]]


def _spelled_by_acronym(office: str, question: str) -> bool:
    """Rule "acronym of the question": whether the capitalised words of ``office`` have a run whose initials are
    an acronym the question writes ("National Cancer Institute" for "NCI", "Federal Emergency Management Agency"
    for "FEMA"): the question names that office already, so it is no answer to what else the person is."""
    acronyms = set(re.findall(r"\b[A-Z]{2,6}\b", question))
    if not acronyms:
        return False
    initials = "".join(w[0] for w in re.findall(r"[A-Z][\w'\u2019-]*", office))
    return any(a in initials for a in acronyms)


def _versions_of_asked(intent: Intent, sentence: Sentence, found: list[Value]) -> list[Value]:
    """Rule "version of the named thing": for "Which tomli release ...?", the versions written right after the
    thing's name ("tomli 1.2.0", "Python 3.8"), before "of" and its name ("2.0 of the Harbour Framework") or in a
    field whose label names it ("Python-Version: 3.8"); a version of something else ("supports TOML 1.0.0") is
    no answer. A question naming nothing takes any."""
    thing = versioned_thing(intent.text)
    if not thing:
        return found
    label_end = _label_end(sentence)
    label = set(terms(sentence.text[:label_end])) if label_end > 0 else set()
    out = []
    for value in found:
        named = set(terms(sentence.text[max(0, value.start - 30):value.start])[-2:])
        after = sentence.text[value.end:value.end + 60]
        if re.match(r"\s+of\s", after):  # "version 2.0 of the Harbour Framework"
            named |= set(terms(after)[:3])
        if value.start >= label_end > 0:
            named |= label
        if all(matches_any(t, named) for t in thing):
            out.append(value)
    return out


def _label_end(sentence: Sentence) -> int:
    """Where the value of a "label: value" unit begins, relative to the unit (-1 for other units)."""
    unit = sentence.unit
    return unit.value_start - sentence.start if unit is not None and unit.value_start >= 0 else -1


def _label_fit(sentence: Sentence, label_end: int, weights: dict[str, float]) -> float:
    """How well the label of a "label: value" unit names what the question asks: the share of the question's
    weighted words it holds ("Windows installers" over "Mac installers" for "who builds the Windows installers")
    and the share of its own words the question holds ("3.6.0 final" over "3.6.0 candidate 2")."""
    label = set(terms(sentence.text[:label_end]))
    if not label:
        return 0.0
    total = sum(weights.values()) or 1.0
    coverage = sum(w for t, w in weights.items() if matches_any(t, label)) / total
    precision = sum(1 for t in label if any(term_match(t, q) for q in weights)) / len(label)
    return 0.6 * coverage + 0.3 * precision


_ORDINALS = {w: str(i) for i, w in enumerate("zeroth first second third fourth fifth sixth seventh eighth ninth tenth "
                                             "eleventh twelfth".split())}
_NUMBERED = re.compile(r"\b([A-Za-z]{2,})\s?(\d+)\b(?![.,]\d)")
_ORDINAL_NAMED = re.compile(r"\b(" + "|".join(_ORDINALS) + r")\s+([A-Za-z]{2,})\b", re.I)


def _numbered_words(text: str) -> dict[str, str]:
    """Words with a number after them ("alpha 3", "candidate 2", "rc1") or an ordinal before them ("first beta")."""
    found = {m.group(1).lower(): m.group(2) for m in _NUMBERED.finditer(text) if m.group(1).lower() not in STOPWORDS}
    found.update({m.group(2).lower(): _ORDINALS[m.group(1).lower()] for m in _ORDINAL_NAMED.finditer(text)
                  if not _verb_after_ordinal(m.group(2))})
    return found


# "first got", "first became": "first" as an adverb before a verb in the past, not an ordinal of a noun
_IRREGULAR_PAST = frozenset("got became came went made took gave began ran saw had did was were brought built "
                            "found held led left met put read set sent spoke stood won wrote".split())


def _verb_after_ordinal(word: str) -> bool:
    """Whether the word after "first"/"second" is a verb in the past ("first got", "first introduced", "first
    appeared"), so the ordinal numbers no noun ("the first beta" does)."""
    lower = word.lower()
    return lower in _IRREGULAR_PAST or lower in STOPWORDS or (lower.endswith("ed") and len(lower) > 4)


def _label_contradicts(label: str, question: str) -> bool:
    """Whether a label numbers a word differently than the question does: "alpha 3" against "alpha 5", "beta 4"
    against "the first beta". A list of siblings is told apart by exactly these numbers."""
    asked, own = _numbered_words(question), _numbered_words(label)
    # an identifier ("PEP 8", "Proclamation 9704") names the document or act, not one of a list's siblings
    named = {c.key.split()[0] for c in constraints.of_question(question) if c.kind == "identifier"}
    if any(own.get(word) != number for word, number in asked.items() if word not in named):
        return True  # "alpha 3", "beta 4" and "final" answer nothing about "alpha 5"
    # a label naming only the release line ("3.16 development begins") says nothing of one release ("3.16.2")
    return any(constraints.version_coarser(c.key, label) for c in constraints.of_question(question)
               if c.kind == "version")


def _is_question_name(value: Value, intent: Intent) -> bool:
    return value.kind == "name" and any(term_match(value.norm, t) for t in intent.focus_terms)
