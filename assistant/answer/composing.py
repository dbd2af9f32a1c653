"""The reply of the extractive answerer: the lead (the short answer, or the disagreement of the sources) and the
quoted evidence, for questions that ask for a value and for those answered by passages (explanations, lists).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

from ..documents import Document
from ..index.keyword import KeywordIndex
from ..load.units import Unit, units as document_units
from ..text import terms
from . import corrections, facts
from .abstention import abstain, quote_list, said_unknown
from .candidates import Sentence, matches_any, names_it, near_duplicate, relevant_enough, unmet
from .citations import Draft, Quote, Segment
from .facts import Value
from .picking import Pick, both_asked, office_holders, pick_rank, pick_value, sentence_values
from .question import KIND_PHRASES, Intent

_CONDITIONAL_QUESTION = re.compile(r"\bwhat (happens|would happen|will happen)\b.*\b(if|when|unless)\b", re.I)
_CONDITIONAL = re.compile(r"\b(if|unless|otherwise|fail\w*)\b", re.I)
LIST_LIMIT = 15  # items of one list quoted as the answer to a list question
LEAD_IN_REACH = 3  # a list question's answer may be the list a unit this high in the pool introduces


def factoid(intent: Intent, pool: list[Sentence], ranked: list[Sentence], keyword: KeywordIndex) -> Draft:
    """The reply to a question that asks for a value: the best-placed value of the asked kind, with the sentences
    that state it, or the disagreement of the sources, or a correction another document makes."""
    # A value in a sentence that shares little with the question answers another question
    # ("34% counter-tariff" is no answer to "what tariff rate will be imposed if talks fail").
    picks = [p for p in (pick_value(intent, s, keyword) for s in pool if relevant_enough(s)) if p is not None]
    named = [c for c in intent.constraints if c.kind == "name"]
    no_person_with_names = False
    if intent.kind == "name" and named and picks:
        # "Which Indonesian minister ...": the person asked for is named where the question's names are
        picks = [p for p in picks if all(names_it(c, p.sentence) for c in named)]
        no_person_with_names = not picks  # unless an office holds the role there (below)
    picks = _stating_predicate(intent, picks)
    if intent.asked and picks:
        picks = [p for p in picks if _speaks_of_asked(intent, p.sentence)]
        if not picks:
            shown = [w for w in intent.text.split() if terms(w) and terms(w)[0] in intent.asked] or intent.asked
            return abstain(f"The sources don't say: no passage that gives {KIND_PHRASES[intent.kind]} speaks of "
                           f"{quote_list([' '.join(shown)])}.", partial=pool[:1])
    if not picks and intent.kind == "name":
        for sentence in (s for s in pool if relevant_enough(s)):
            span = office_holders(intent, sentence)
            if span is not None:
                office = sentence.text[span[0]:span[1]]
                what = "offices, not people" if len(facts.offices(office)) > 1 else "an office, not a person"
                lead = [Segment(f"The sources name {what}: the {office}", [sentence.quote]), Segment(".")]
                return Draft(lead=lead, evidence=[sentence.quote])
    if no_person_with_names:
        return abstain(f"The sources don't say: no passage names a person together with "
                       f"{quote_list([c.surface for c in named], 'and')}.", partial=pool[:1])
    if not picks and intent.kind == "place":
        return passages(intent, pool, ranked)  # "Where can I apply?": the passage says it, with no place name
    if not picks:
        what = KIND_PHRASES[intent.dimension or intent.kind]
        return abstain(f"The sources don't give {what} for this.", partial=pool[:1])
    chosen = _most_precise(max(picks, key=pick_rank), picks)
    if (unknown := said_unknown(chosen.sentence, [p.sentence for p in picks])) is not None:
        return unknown
    # issue 14: a value another document corrects is never the answer (corrections.py decides). The chosen
    # value may be a corrected claim; a rival may be one whose correction is the chosen value (then the answer
    # notes it); a rival corrected to some third value says nothing about this answer.
    documents_seen = {s.doc.source: s.doc for s in ranked}.values()

    def stated(p: Pick) -> corrections.Stated:
        return corrections.Stated(p.sentence.doc, p.sentence.start, p.sentence.end, p.value)

    same = [chosen] + [p for p in picks if p is not chosen and facts.same_value(p.value, chosen.value)]
    corrected = corrections.resolve(intent.kind, [stated(p) for p in same], intent.focus_terms, documents_seen)
    if corrected is None:
        for rival in (p for p in picks if not facts.same_value(p.value, chosen.value)):
            draft = corrections.resolve(intent.kind, [stated(rival)] + [stated(p) for p in same], intent.focus_terms,
                                        documents_seen)  # the chosen sentences stay the support
            if draft is not None and draft.lead and draft.lead[0].text == chosen.value.display:
                corrected = draft
                break
    if corrected is not None:
        return corrected
    agree, disagree = [], []
    for pick in picks:
        if pick.sentence is chosen.sentence or pick.sentence.score < 0.6 * chosen.sentence.score:
            continue
        if any(facts.same_value(v, chosen.value) for v in pick.values):
            agree.append(pick)
        elif (pick.sentence.score >= 0.8 * chosen.sentence.score or intent.kind == "name") \
                and pick.strength >= 0.8 * chosen.strength and _comparable(intent, pick, chosen):
            disagree.append(pick)
    in_pool = {id(p.sentence) for p in picks}
    for sentence in ranked[:40]:  # support may sit below the pool: any sentence with the same value counts
        if id(sentence) in in_pool or sentence.score < 0.4 * chosen.sentence.score:
            continue
        if unmet(intent, sentence):
            continue
        if any(facts.same_value(v, chosen.value) for v in sentence_values(intent, sentence)):
            agree.append(Pick(sentence, chosen.value, 0.0))
    agreeing_docs = {p.sentence.doc.source for p in agree} | {chosen.sentence.doc.source}
    # Sources disagree when another document gives another value; two values in one document answer two things.
    disagree = [p for p in disagree if p.sentence.doc.source not in agreeing_docs]
    disagree.sort(key=lambda p: (p.sentence.doc.source == chosen.sentence.doc.source, -p.sentence.score))
    # Prefer support from another document, and one that writes the value out in full.
    agree.sort(key=lambda p: (p.sentence.doc.source == chosen.sentence.doc.source, -p.sentence.score))
    support = [chosen.sentence] + [p.sentence for p in agree[:1]]
    if disagree:
        other = disagree[0]
        lead = [Segment("The sources differ. "),
                Segment(f"{_label(chosen.sentence.doc)} says {display(chosen.value, chosen.sentence.doc)}",
                        [chosen.sentence.quote]),
                Segment(f"; {_label(other.sentence.doc)} says {display(other.value, other.sentence.doc)}",
                        [other.sentence.quote]),
                Segment(".")]
        return Draft(lead=lead, evidence=[s.quote for s in [chosen.sentence, other.sentence] + support[1:]],
                     conflict=True)
    said = display(chosen.value, chosen.sentence.doc)
    both = both_asked(intent, chosen)
    if both is not None:
        said = f"{display(both[0], chosen.sentence.doc)} and {display(both[1], chosen.sentence.doc)}"
    second = _second_value(intent, support)
    if second is not None:
        said = f"{said}; {display(second, chosen.sentence.doc)}"
    lead = [Segment(said, [s.quote for s in support]), Segment(".")]
    return Draft(lead=lead, evidence=[s.quote for s in support])


PRECISE_SCORE = 0.8  # a more precise date replaces the chosen month from a unit scoring at least this share


def _most_precise(chosen: Pick, picks: list[Pick]) -> Pick:
    """Rule "more precise date": a month chosen as the answer ("December 2018", from a poll's name) gives way to
    a day of that month that a unit about as good states ("from December 1st, 2018 to December 16th"): the
    same answer, said precisely. The question's words still pick the day among several."""
    if chosen.value.kind != "month":
        return chosen
    days = [p for p in picks if p.value.kind == "date" and p.value.norm.startswith(chosen.value.norm + "-")
            and p.sentence.score >= PRECISE_SCORE * chosen.sentence.score]
    return max(days, key=pick_rank) if days else chosen


def _speaks_of_asked(intent: Intent, sentence: Sentence) -> bool:
    """Rule "asked thing", its evidence side: whether a unit, its heading path or its paragraph speaks of the
    thing a "what <thing>" question asks after (``intent.asked``), every word of it; a value beside other things
    ("60% of world demand") is no answer to "what carbon tax rate", nor a limit on lines to "what maximum
    function length"."""
    around = {t for t, _, _ in sentence.tokens} | set(terms(sentence.window))
    return all(matches_any(t, around) for t in intent.asked)


def _stating_predicate(intent: Intent, picks: list[Pick]) -> list[Pick]:
    """The picks of a "who" question whose unit (or its heading path) states what the question asks the person
    did or is (``intent.predicate``: "appointed" in "Who was appointed to coordinate ..."), when any does; a name
    in a sentence about something else ("the President declared a disaster") answers another question, and when
    none does, the names a document's title already gives (its background) are no answer either. Rule "asked
    role": for "who is the <role>", a pick must state the role (below); none that does means no answer."""
    if not intent.predicate:
        return picks
    if intent.role:
        return [p for p in picks if states_role(intent.role, p.sentence)]
    stating = [p for p in picks if matches_any(intent.predicate, {t for t, _, _ in p.sentence.tokens}
                                               | set(terms(p.sentence.context)))]
    # a name the document's title gives is its background (who signs it); unless its unit states what is asked,
    # it answers nothing
    return stating or [p for p in picks if p.value.surface not in p.sentence.doc.title]


def states_role(role: Sequence[str], sentence: Sentence) -> bool:
    """Rule "asked role", its evidence side: whether a unit (or its heading path) states the role a "who is the
    <role>" question asks about: its head word ("Release Manager: ..."), or more than half its words ("appointed
    to coordinate Federal recovery" for the Federal Coordinating Officer). A governor is not named by a sentence
    about who coordinates the recovery."""
    present = {t for t, _, _ in sentence.tokens} | set(terms(sentence.context))
    held = [t for t in role if matches_any(t, present)]
    return role[-1] in held or len(held) > len(role) / 2


def _second_value(intent: Intent, support: list[Sentence]) -> Value | None:
    """For a question that asks for a second value ("Who ..., and on what date?", ``intent.also``): that value as
    the quotes supporting the first one state it, the first quote first; None when they do not state one."""
    if not intent.also:
        return None
    probe = replace(intent, kind=intent.also, also="")
    for sentence in support:
        found = sentence_values(probe, sentence)
        if intent.also == "date":
            found = [v for v in found if v.kind == "date"] or found
        if found:
            return found[0]
    return None


def passages(intent: Intent, pool: list[Sentence], ranked: list[Sentence]) -> Draft:
    """The reply to an explanation, a list or any other question: the best sentences quoted (a whole list when
    the best unit is one of its items), each with the sentence that finishes its thought."""
    if not pool:
        return abstain("The sources don't say anything about this: no passage matches the question.")
    if _CONDITIONAL_QUESTION.search(intent.text):
        # "What happens if ...?" is answered by a conditional sentence ("If no agreement is reached, ...").
        for sentence in ranked:
            if _CONDITIONAL.search(sentence.text):
                sentence.score += 0.1
        pool = sorted(pool, key=lambda s: -s.score)
    best = pool[0]
    if (unknown := said_unknown(best, pool)) is not None:
        return unknown
    section = _section_list(intent, pool) if intent.kind == "list" else []
    if section:
        return Draft(lead=[], evidence=[Quote(doc.source, u.start, u.end) for doc, u in section])
    listed = _list_unit(pool, best) if intent.kind == "list" else None
    if listed is not None:
        return Draft(lead=[], evidence=[Quote(listed.doc.source, u.start, u.end) for u in _siblings(listed)])
    for lead_in in ([best] + [s for s in pool[1:LEAD_IN_REACH] if s.score >= 0.8 * best.score]
                    if intent.kind == "list" else []):
        introduced = _introduced_list(lead_in)
        if introduced:
            return Draft(lead=[], evidence=[lead_in.quote] + [Quote(lead_in.doc.source, u.start, u.end)
                                                              for u in introduced])
    if intent.kind == "list":
        best = _naming_list_first(pool, best)
    limit = 3 if intent.kind in ("list", "explain") else 2
    chosen = [best]
    for s in pool[1:]:
        if len(chosen) >= limit:
            break
        if s.score >= 0.8 * best.score and not any(near_duplicate(s, c) for c in chosen):
            chosen.append(s)
    if intent.kind in ("explain", "list", "other"):
        # The sentence right after a chosen one often finishes the thought (same paragraph or line run).
        for sentence in list(chosen):
            nxt = next((s for s in ranked if s.doc is sentence.doc and s.start > sentence.end
                        and len(s.doc.text[sentence.end:s.start]) < 4), None)
            if nxt is not None and nxt not in chosen and nxt.score >= 0.5 * best.score:
                chosen.insert(chosen.index(sentence) + 1, nxt)
    # issue 14: a quoted claim that another document corrects comes with the correction, first
    return corrections.amend(Draft(lead=[], evidence=[s.quote for s in chosen[:4]]),
                             {s.doc.source: s.doc for s in ranked}, intent.focus_terms)


def display(value: Value, doc: Document) -> str:
    """How a value is said in the lead; a relative date resolved against the document's date says so."""
    if value.resolved_from and value.resolved_from != value.display:
        date = doc.metadata.get("date")
        when = f" in a text dated {date}" if date else ""
        return f"{value.display} (written \u201c{value.resolved_from}\u201d{when})"
    return value.display


NAMED_ITEMS = 3  # the capitalised items an inline enumeration needs to be a list of names
_ITEM_SPLIT = re.compile(r",\s*(?:and\s+|or\s+)?|;\s*|\s+and\s+")


def _naming_list_first(pool: list[Sentence], best: Sentence) -> Sentence:
    """Rule "a list of names answers a list question": among the units nearly as good as the best (85% of its
    score), the one that enumerates the most named things inline ("representatives of the Department of
    Defense, the Department of Justice, CISA, the NSA, and the FBI"), at least three, leads; a list of clauses
    ("(i) identified gaps ..., (ii) the Board's proposed mission ...") names nothing."""
    near = [s for s in pool[:6] if s.score >= 0.85 * best.score]
    counted = [(_named_items(s.text), s) for s in near]
    top = max(counted, key=lambda c: c[0], default=(0, best))
    return top[1] if top[0] >= NAMED_ITEMS and top[0] > _named_items(best.text) else best


def _named_items(text: str) -> int:
    """How many comma-, semicolon- or "and"-separated items of ``text`` open with a capitalised word or an
    acronym (after "the")."""
    count = 0
    for item in _ITEM_SPLIT.split(text):
        words = [w for w in item.split() if w.lower() not in ("the", "a", "an")]
        if words and words[0][:1].isupper() and not re.match(r"\(?[ivxIVX]+\)|\(?[a-z]\)", words[0]):
            count += 1
    return count


def _list_unit(pool: list[Sentence], best: Sentence) -> Sentence | None:
    """Rule "a list answers a list question": the unit whose list answers it, the best unit when it is a list
    item or table row, else the best item or row nearly as good (four fifths of its score), a lead-in ("... shall
    consist of the following members:") first among them; None when no list is about the question."""
    items = [s for s in pool if s.unit is not None and s.unit.kind in ("item", "row") and s.score >= 0.8 * best.score]
    if not items:
        return None
    if items[0] is best:
        return best
    return next((s for s in items if s.text.rstrip().endswith(":")), items[0])


SECTION_REACH = 3  # documents of the pool's first units whose sections may hold the asked list


def _section_list(intent: Intent, pool: list[Sentence]) -> list[tuple[Document, Unit]]:
    """Rule "heading names the asked": for a list question, the list right under a heading of one of the pool's
    first documents whose words are all the question's, one of them beyond its versions, identifiers, years and
    names ("Features for 3.1" for "What features were planned for Python 3.1?", "Members" for "Who are the
    members of the Board?"); the items, however short ("importlib"), at most ``LIST_LIMIT``; [] when no heading
    names the asked."""
    pinned = {t for c in intent.constraints for t in terms(c.surface)}
    asked = set(intent.focus_terms)
    for doc in list({s.doc.source: s.doc for s in pool}.values())[:SECTION_REACH]:
        units = document_units(doc)
        for i, unit in enumerate(units):
            if unit.kind != "heading":
                continue
            words = terms(doc.text[unit.start:unit.end])
            if not words or not all(matches_any(t, asked) for t in words) or all(t in pinned for t in words):
                continue
            items: list[tuple[Document, Unit]] = []
            for nxt in units[i + 1:i + 3 + LIST_LIMIT]:
                if nxt.kind not in ("item", "row"):
                    if items or nxt.kind == "heading" or nxt.start - unit.end > 400:
                        break
                    continue  # a lead-in sentence or two between the heading and its list
                items.append((doc, nxt))
            if items:
                return items[:LIST_LIMIT]
    return []


def _introduced_list(sentence: Sentence) -> list[Unit]:
    """Rule "a lead-in brings its list": when a unit (the best, or one of the next nearly as good) introduces a
    list ("There are three kinds of proposal:", "The following counties are included:"), the items (or rows)
    right after it, at most ``LIST_LIMIT``; [] when it introduces none."""
    if not sentence.text.rstrip().endswith(":"):
        return []
    units = [u for u in document_units(sentence.doc) if u.kind != "code"]
    at = next((i for i, u in enumerate(units) if u.start == sentence.start), None)
    if at is None or at + 1 >= len(units) or units[at + 1].kind not in ("item", "row"):
        return []
    kind, path = units[at + 1].kind, units[at + 1].path
    out: list[Unit] = []
    for unit in units[at + 1:at + 1 + LIST_LIMIT]:
        if unit.path != path or unit.kind != kind:
            break
        out.append(unit)
    return out


def _siblings(sentence: Sentence) -> list[Unit]:
    """The items (or rows) of the list that ``sentence``'s unit belongs to: the run of units of its kind under the
    same heading with nothing else between them, at most ``LIST_LIMIT`` around it (after it, for a lead-in)."""
    units = [u for u in document_units(sentence.doc) if u.kind != "code"]
    at = next(i for i, u in enumerate(units) if u.start == sentence.start)
    kind, path = units[at].kind, units[at].path
    lo = at
    while lo > 0 and units[lo - 1].kind == kind and units[lo - 1].path == path:
        lo -= 1
    hi = at
    while hi + 1 < len(units) and units[hi + 1].kind == kind and units[hi + 1].path == path:
        hi += 1
    lo = at if sentence.text.rstrip().endswith(":") else max(lo, min(at, hi + 1 - LIST_LIMIT))  # a lead-in opens it
    return units[lo:min(hi + 1, lo + LIST_LIMIT)]


def _comparable(intent: Intent, pick: Pick, chosen: Pick) -> bool:
    """Only values that answer the same question conflict: for names, both must sit beside the asked role."""
    if intent.kind == "name":
        return pick.strength >= 0.6 and chosen.strength >= 0.6
    if intent.kind == "date":
        return pick.value.kind == chosen.value.kind == "date"
    return True


def _label(doc: Document) -> str:
    title = doc.title if len(doc.title) <= 70 else doc.title[:67].rstrip() + "..."
    return f"\u201c{title}\u201d"
