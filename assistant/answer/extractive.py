"""The default answerer: no language model. It quotes the sentences that answer the question, leads with the
short answer when one is asked for, abstains when the evidence lacks the kind of thing asked, and reports
disagreements between sources.
"""

from __future__ import annotations

import functools
import math
import operator
import re
from dataclasses import dataclass, replace
from typing import Callable, Sequence

from ..index import constraints
from . import corrections, facts
from .citations import DocumentSpan, Draft, Quote, Segment
from ..documents import Document
from .facts import Value
from ..index.keyword import KeywordIndex
from .question import KIND_PHRASES, Intent
from ..index.retrieve import Retrieval
from ..text import STOPWORDS, terms, words
from .places import is_place
from ..load.units import Unit, context as unit_context, units as document_units

_NO_KNOWLEDGE = re.compile(
    r"\b(not (?:been )?(?:found|published|given|disclosed|specified|announced|confirmed|known)|could not be "
    r"(?:found|confirmed)|unverified|unconfirmed|no specific|were not announced|was not announced)\b", re.I)
MIN_FACT_COVERAGE = 0.35  # share of the question's (weighted) words a sentence must hold to supply a value...
MIN_FACT_SIMILARITY = 0.6  # ...unless it is this close in meaning
_CONDITIONAL_QUESTION = re.compile(r"\bwhat (happens|would happen|will happen)\b.*\b(if|when|unless)\b", re.I)
_CONDITIONAL = re.compile(r"\b(if|unless|otherwise|fail\w*)\b", re.I)
_IDENTIFIER_QUESTION = re.compile(r"\b(number|no\.?) of (the|this|that)\b(?!.*\bhow many\b)", re.I)
_ROLE_TERMS = frozenset(terms("secretary representative trade commerce treasury spokesperson spokesman minister "
                              "president chair chairman director governor ambassador commissioner prime foreign "
                              "ministry finance"))


@dataclass
class Sentence(DocumentSpan):
    """A candidate sentence of a retrieved chunk, with how well it matches the question."""

    doc: Document
    start: int
    end: int
    rank: int
    window: str  # its context (title › heading path) and paragraph: what the question's constraints are checked on
    coverage: float = 0.0
    similarity: float = 0.0
    score: float = 0.0
    tokens: tuple[tuple[str, int, int], ...] = ()  # stemmed term, start, end (relative)
    unit: Unit | None = None
    context: str = ""  # "Title › Heading › Subheading"
    focus: float = 0.0  # share of the unit's own words that are the question's


@dataclass(frozen=True)
class Pick:
    """A value chosen from a sentence as the answer, with how strongly the question's terms surround it."""

    sentence: Sentence
    value: Value
    strength: float
    values: tuple[Value, ...] = ()  # every value of the asked kind in the sentence


class ExtractiveAnswerer:
    """Answers from retrieved chunks by selecting and quoting sentences; every claim carries a citation."""

    def __init__(self, keyword: KeywordIndex, embed: Callable[[list[str]], list[list[float]]],
                 min_similarity: float) -> None:
        self.keyword = keyword
        self.embed = embed
        self.min_similarity = min_similarity

    # -- entry point ------------------------------------------------------------------------------------------------
    def answer(self, intent: Intent, retrieval: Retrieval, documents: dict[str, Document]) -> Draft:
        """A Draft answer (segments with quotes), or an abstention."""
        sentences = self._candidates(retrieval, documents)
        if not sentences:
            return _abstain("The sources don't say anything about this: no passage matches the question.")
        self._score(sentences, intent, retrieval.query_vector)
        ranked = sorted(sentences, key=lambda s: -s.score)
        best = ranked[0]
        unknown = [t for t in intent.focus_terms if not self.keyword.known(t) and len(t) > 2
                   and not t[0].isdigit()]
        if best.similarity < self.min_similarity and best.coverage < 0.5:
            return _abstain("The sources don't say anything about this: nothing in them matches the question.")
        if unknown and best.similarity < 0.45 and best.coverage < 0.5 \
                and self._plain_similarity(ranked[:5], retrieval.query_vector) < 0.45:
            shown = [w for w in words(intent.text) if terms(w) and terms(w)[0] in unknown] or unknown
            return _abstain(f"The sources don't say: they never mention {_quote_list(shown)}.")
        eligible = [s for s in ranked[:60] if not self._unmet(intent, s)]
        if not eligible:
            return self._uncovered(intent, ranked[:60], best)
        top = eligible[0]
        pool = [s for s in eligible[:15] if s.score >= 0.6 * top.score]
        names = [c for c in intent.constraints if c.kind == "name"]
        missing = [c.surface for c in names if not any(constraints.matches(c, s.window) for s in pool)]
        pinned = [c.surface for c in intent.constraints if c.kind != "name"]
        if missing and pinned and any(constraints.matches(c, s.window) for c in names if c.surface in missing
                                      for s in ranked[:60]):
            # named, but only where the question's years, versions or identifiers are not: not "never mention"
            return _abstain(f"The sources don't say: no passage about this mentions "
                            f"{_quote_list(missing + pinned, 'and')} together.", partial=[top])
        if missing:
            return _abstain(f"The sources don't say: the passages about this never mention {_quote_list(missing)}.",
                            partial=[top])
        if names:
            # A document that never names what the question names is about something else (another hurricane,
            # another proclamation): its units give way when some document does name it.
            named = [s for s in pool if _document_names(s.doc, names)]
            pool = named or pool
            # within those, a unit that names it is the better evidence, all else equal
            for sentence in pool:
                sentence.score += 0.05 * sum(constraints.matches(c, sentence.window) for c in names) / len(names)
            pool.sort(key=lambda s: -s.score)
        premise = self._premise(intent, pool)
        if isinstance(premise, Draft):
            return premise
        draft = self._factoid(intent, pool, ranked) if intent.factoid else self._passages(intent, pool, ranked)
        if premise is not None:  # a premise the sources never mention: say so before what they do say
            return replace(draft, lead=[premise] + ([Segment(" ")] if draft.lead else []) + list(draft.lead))
        return draft

    def _plain_similarity(self, sentences: Sequence[Sentence], query_vector: Sequence[float]) -> float:
        """The best similarity of ``sentences`` embedded without their context (a follow-up's few words may match a
        sentence's own meaning better than the sentence under its document's title)."""
        vectors = _embed_cached(self.embed, [s.text for s in sentences])
        return max((float(sum(map(operator.mul, v, query_vector))) for v in vectors), default=0.0)

    # -- false premises ------------------------------------------------------------------------------------------
    def _premise(self, intent: Intent, pool: list[Sentence]) -> Draft | Segment | None:
        """For a question that takes a value for granted ("Why did the US set a December deadline?") which no
        relevant passage holds: a correction citing the value the passages do give (a Draft), or a note that the
        sources never mention it (a Segment to put before the answer). None when every premise is supported."""
        relevant = [s for s in pool if _relevant_enough(s)] or pool[:3]
        for premise in intent.premises:
            if premise.kind in ("date", "month") and intent.kind != "explain":
                continue  # in "Until when are the October 9 controls suspended?" a date names an event
            holding = [s for s in relevant if _holds(premise, s)]
            probe = replace(intent, kind="date" if premise.kind in ("date", "month") else premise.kind)
            picks = [p for p in (self._pick(probe, s) for s in relevant) if p is not None]
            chosen = max(picks, key=_pick_rank) if picks else None
            # The premise stands when a passage about the question states it, unless a clearly better passage
            # gives another value of its kind ("95%" in a side remark, "92%" in the sentence on processing).
            if holding and (premise.kind in ("date", "month") or chosen is None or _holds(premise, chosen.sentence)
                            or max(s.score for s in holding) >= 0.9 * chosen.sentence.score):
                continue  # a date in a question names an event ("the October 9 controls"): its paragraph suffices
            if chosen is not None:
                lead = [Segment(f"The sources don't support \u201c{premise.surface}\u201d: they give "
                                f"{_display(chosen.value, chosen.sentence.doc)}", [chosen.sentence.quote]),
                        Segment(".")]
                return Draft(lead=lead, evidence=[chosen.sentence.quote])
            return Segment(f"The sources don't mention \u201c{premise.surface}\u201d.")
        return None

    # -- candidates and scoring -----------------------------------------------------------------------------------
    def _candidates(self, retrieval: Retrieval, documents: dict[str, Document]) -> list[Sentence]:
        """The evidence units (sentences, list items, "label: value" lines, table rows) of the retrieved chunks."""
        seen: set[tuple[str, int]] = set()
        out: list[Sentence] = []
        for rank, hit in enumerate(retrieval.chunks, start=1):
            doc = documents.get(hit.chunk.source)
            if doc is None:
                continue
            for unit in document_units(doc):
                if unit.end <= hit.chunk.start or unit.start >= hit.chunk.end or not unit.evidence \
                        or (doc.source, unit.start) in seen:
                    continue
                text = doc.text[unit.start:unit.end]
                if len(words(text)) < (4 if unit.kind == "sentence" else 2):
                    continue  # fragments are context, not evidence
                seen.add((doc.source, unit.start))
                ctx = unit_context(doc, unit)
                block = doc.text[unit.block_start:unit.block_end]
                if unit.kind != "sentence" and unit.block_end <= unit.start:
                    block = f"{block}\n{text}"  # an item with the paragraph that leads into its list
                dated = doc.metadata.get("date", "")
                out.append(Sentence(doc=doc, start=unit.start, end=unit.end, rank=rank,
                                    window=f"{ctx} ({dated})\n{block}" if dated else f"{ctx}\n{block}", unit=unit,
                                    context=ctx))
        return out

    def _score(self, sentences: list[Sentence], intent: Intent, query_vector: Sequence[float]) -> None:
        """Coverage of the question's weighted terms (a term found only in the unit's title, heading path or a
        list's lead-in counts half), cosine similarity of the unit under its title and heading path to the query,
        and a little for the chunk's rank."""
        weights = self._weights(intent)
        total = sum(weights.values()) or 1.0
        vectors = _embed_cached(self.embed, [f"{s.context}: {s.text}" for s in sentences])
        for sentence, vector in zip(sentences, vectors):
            sentence.tokens = _positions(sentence.text)
            present = {t for t, _, _ in sentence.tokens}
            around = set(_context_terms(sentence.context))
            if sentence.unit is not None and sentence.unit.block_end <= sentence.unit.start:  # a list's lead-in
                around |= set(_context_terms(sentence.doc.text[sentence.unit.block_start:sentence.unit.block_end]))
            sentence.coverage = sum(w * (1.0 if _matches_any(t, present) else 0.5 if _matches_any(t, around) else 0.0)
                                    for t, w in weights.items()) / total
            sentence.similarity = float(sum(map(operator.mul, vector, query_vector)))  # same sum, in C
            own = [t for t in present if not t[0].isdigit()]
            sentence.focus = sum(1 for t in own if any(_match(t, q) for q in weights)) / len(own) if own else 0.0
            sentence.score = 0.5 * sentence.coverage + 0.5 * sentence.similarity + 0.02 / sentence.rank

    def _weights(self, intent: Intent) -> dict[str, float]:
        """IDF weight per question term; words added from the conversation count half."""
        weights = {t: self.keyword.idf(t) for t in intent.focus_terms}
        for t in intent.context_terms:
            weights.setdefault(t, 0.5 * self.keyword.idf(t))
        return weights

    def _unmet(self, intent: Intent, sentence: Sentence) -> list[str]:
        """The question's versions, identifiers and years that the unit, its paragraph, heading path and document
        title leave unmatched. (Named things are checked over the pool: a unit may call a person by role.)"""
        return constraints.unmet([c for c in intent.constraints if c.kind != "name"], sentence.text, sentence.window)

    def _uncovered(self, intent: Intent, ranked: Sequence[Sentence], best: Sentence) -> Draft:
        """The abstention when no unit about the question meets all its constraints: name what is not covered."""
        hard = [c for c in intent.constraints if c.kind != "name"]
        missing = [c.surface for c in hard if not any(constraints.matches(c, f"{s.text}\n{s.window}") for s in ranked)]
        if missing:
            return _abstain(f"The sources don't say: the passages about this never mention {_quote_list(missing)}.",
                            partial=[best])
        together = [c.surface for c in hard]
        return _abstain(f"The sources don't say: no passage about this mentions {_quote_list(together, 'and')} "
                        "together.", partial=[best])

    # -- factoid questions -------------------------------------------------------------------------------------------
    def _factoid(self, intent: Intent, pool: list[Sentence], ranked: list[Sentence]) -> Draft:
        # A value in a sentence that shares little with the question answers another question
        # ("34% counter-tariff" is no answer to "what tariff rate will be imposed if talks fail").
        picks = [p for p in (self._pick(intent, s) for s in pool if _relevant_enough(s)) if p is not None]
        named = [c for c in intent.constraints if c.kind == "name"]
        if intent.kind == "name":
            # "Which Indonesian minister ...": the person asked for is named where the question's names are
            people = [p for p in picks if all(constraints.matches(c, p.sentence.window) for c in named)]
            if not people:  # no person named there: the office that holds the role answers "who"
                office = replace(intent, kind="office")
                people = [p for p in (self._pick(office, s) for s in pool if _relevant_enough(s)) if p is not None
                          and all(constraints.matches(c, p.sentence.window) for c in named)]
            if picks and not people and named:
                return _abstain(f"The sources don't say: no passage names a person together with "
                                f"{_quote_list([c.surface for c in named], 'and')}.", partial=pool[:1])
            picks = people
        if not picks:
            what = KIND_PHRASES[intent.kind]
            return _abstain(f"The sources don't give {what} for this.", partial=pool[:1])
        chosen = max(picks, key=_pick_rank)
        if _NO_KNOWLEDGE.search(chosen.sentence.text):
            return _abstain("The sources don't give it; they say it is not known.", partial=[chosen.sentence])
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
            if self._unmet(intent, sentence):
                continue
            if any(facts.same_value(v, chosen.value) for v in self._values(intent, sentence)):
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
                    Segment(f"{_label(chosen.sentence.doc)} says {_display(chosen.value, chosen.sentence.doc)}",
                            [chosen.sentence.quote]),
                    Segment(f"; {_label(other.sentence.doc)} says {_display(other.value, other.sentence.doc)}",
                            [other.sentence.quote]),
                    Segment(".")]
            return Draft(lead=lead, evidence=[s.quote for s in [chosen.sentence, other.sentence] + support[1:]],
                         conflict=True)
        lead = [Segment(_display(chosen.value, chosen.sentence.doc), [s.quote for s in support]), Segment(".")]
        return Draft(lead=lead, evidence=[s.quote for s in support])

    def _values(self, intent: Intent, sentence: Sentence) -> list[Value]:
        kind = "month" if intent.kind == "date" else intent.kind
        published = facts.parse_date(sentence.doc.metadata.get("date"))
        if intent.kind == "count" and _IDENTIFIER_QUESTION.search(intent.text):
            found = facts.counts(sentence.text, identifiers=True)  # "what is the number of the proclamation?"
        elif kind == "name":
            found = [v for v in facts.names(sentence.text, _document_lower_words(sentence.doc.text))
                     if not is_place(v.surface)]  # "South Korea" is no person
        elif kind == "office":
            found = [v for v in facts.offices(sentence.text) if not _is_question_office(v, intent)]
        else:
            found = facts.values(kind, sentence.text, published)
        if intent.kind == "count" and not found:  # "how much faster": "40% faster"; "how many days": "180 days"
            found = facts.values("duration", sentence.text, published) or facts.values("percent", sentence.text)
        elif intent.kind == "duration" and not found:  # "how long may lines be": "72 characters"
            found = [v for v in facts.values("count", sentence.text, published)
                     if re.match(r"\s+[a-z]+s\b", sentence.text[v.end:])]  # a number of some unit, not a bare one
        asked = {v.norm for v in facts.values(kind, intent.text, published)}
        if intent.kind == "count":
            asked |= set(intent.numbers)
        return [v for v in found if v.norm not in asked and not _is_question_name(v, intent)]

    def _pick(self, intent: Intent, sentence: Sentence) -> Pick | None:
        """The value of the asked kind in ``sentence`` that sits closest to the question's terms."""
        candidates = self._values(intent, sentence)
        if not candidates:
            return None
        label_end = _label_end(sentence)
        if label_end > 0:  # "Windows installers: Steve Dower": the value side holds the answer
            if _label_contradicts(sentence.text[:label_end], intent.text):
                return None  # "3.8.0 alpha 3: ..." answers no question about alpha 5
            label_terms = terms(sentence.text[:label_end])
            if any(_match(n, t) for n in intent.negated for t in label_terms):
                return None  # "3.6.0 candidate 2" for "(final, not a candidate)"
            candidates = [v for v in candidates if v.start >= label_end] or candidates
        weights = self._weights(intent)
        if any(_matches_any(t, {x for x, _, _ in sentence.tokens}) for t in intent.focus_terms if not t[0].isdigit()):
            # the words of the question as typed decide between values; the conversation's only break ties
            weights.update({t: 0.25 * w for t, w in weights.items() if t not in intent.focus_terms})
        present = {t for t, _, _ in sentence.tokens}
        words_here = [t for t in intent.focus_terms if not t[0].isdigit() and _matches_any(t, present)]
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
                occurrences = [(s, e) for t, s, e in sentence.tokens if _match(term, t)]
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
        return best

    # -- explanations, lists and the rest ----------------------------------------------------------------------------------
    def _passages(self, intent: Intent, pool: list[Sentence], ranked: list[Sentence]) -> Draft:
        if not pool:
            return _abstain("The sources don't say anything about this: no passage matches the question.")
        if _CONDITIONAL_QUESTION.search(intent.text):
            # "What happens if ...?" is answered by a conditional sentence ("If no agreement is reached, ...").
            for sentence in ranked:
                if _CONDITIONAL.search(sentence.text):
                    sentence.score += 0.1
            pool = sorted(pool, key=lambda s: -s.score)
        best = pool[0]
        if _NO_KNOWLEDGE.search(best.text):
            return _abstain("The sources don't give it; they say it is not known.", partial=[best])
        if intent.kind == "list" and best.unit is not None and best.unit.kind in ("item", "row"):
            return Draft(lead=[], evidence=[Quote(best.doc.source, u.start, u.end) for u in _siblings(best)])
        limit = 3 if intent.kind in ("list", "explain") else 2
        chosen = [best]
        for s in pool[1:]:
            if len(chosen) >= limit:
                break
            if s.score >= 0.8 * best.score and not any(_near_duplicate(s, c) for c in chosen):
                chosen.append(s)
        if intent.kind in ("explain", "list"):
            # The sentence right after a chosen one often finishes the thought (same paragraph or line run).
            for sentence in list(chosen):
                nxt = next((s for s in ranked if s.doc is sentence.doc and s.start > sentence.end
                            and len(s.doc.text[sentence.end:s.start]) < 4), None)
                if nxt is not None and nxt not in chosen and nxt.score >= 0.5 * best.score:
                    chosen.insert(chosen.index(sentence) + 1, nxt)
        # issue 14: a quoted claim that another document corrects comes with the correction, first
        return corrections.amend(Draft(lead=[], evidence=[s.quote for s in chosen[:4]]),
                                 {s.doc.source: s.doc for s in ranked}, intent.focus_terms)


# -- helpers ------------------------------------------------------------------------------------------------------------
_VECTOR_CACHE: dict[tuple[int, str], list[float]] = {}
_VECTOR_CACHE_LIMIT = 50_000


def _embed_cached(embed: Callable[[list[str]], list[list[float]]], texts: list[str]) -> list[list[float]]:
    """Sentence vectors, embedding only sentences not seen before by this encoder (the same corpus sentences come
    back question after question, and embedding them was most of the time of an answer)."""
    owner = id(getattr(embed, "__self__", embed))
    found = {t: v for t in texts if (v := _VECTOR_CACHE.get((owner, t))) is not None}
    missing = [t for t in dict.fromkeys(texts) if t not in found]
    if missing:
        if len(_VECTOR_CACHE) + len(missing) > _VECTOR_CACHE_LIMIT:
            _VECTOR_CACHE.clear()  # other threads keep what they already took (``found`` is theirs)
        for text, vector in zip(missing, embed(missing)):
            found[text] = _VECTOR_CACHE[(owner, text)] = list(vector)
    return [found[t] for t in texts]


def clear_caches() -> None:
    """Forget cached sentence vectors, sentence spans and term positions (for benchmarks of a first question)."""
    _VECTOR_CACHE.clear()
    _positions.cache_clear()
    _context_terms.cache_clear()
    _document_lower_words.cache_clear()


@functools.lru_cache(maxsize=4096)  # ~74 sentences a question; a few KB each
def _positions(text: str) -> tuple[tuple[str, int, int], ...]:
    """Stemmed terms of a sentence with their offsets (cached: the same sentences come back question after
    question, and tokenising them was most of an answer's time once the index was large)."""
    out = []
    for m in re.finditer(r"\$?\d+(?:[.,]\d+)*%?|[^\W\d_]+(?:'[^\W\d_]+)?", text):
        stemmed = terms(m.group(0))
        if stemmed:
            out.append((stemmed[0], m.start(), m.end()))
    return tuple(out)


@functools.lru_cache(maxsize=4096)
def _context_terms(context: str) -> tuple[str, ...]:
    return tuple(terms(context))


def _document_names(doc: Document, names: Sequence[constraints.Constraint]) -> bool:
    """Whether the document (its title or text) names every one of ``names``."""
    return all(_document_names_one(doc.title, doc.text, c) for c in names)


@functools.lru_cache(maxsize=4096)
def _document_names_one(title: str, text: str, constraint: constraints.Constraint) -> bool:
    return constraints.matches(constraint, f"{title}\n{text}")


@functools.lru_cache(maxsize=256)
def _document_lower_words(text: str) -> frozenset[str]:
    return facts.lower_words(text)


def _match(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or not (a[0].isalpha() and b[0].isalpha()):
        return False
    common = 0
    for x, y in zip(a, b):
        if x != y:
            break
        common += 1
    return common >= 5 and common >= 0.75 * min(len(a), len(b))


def _matches_any(term: str, present: set[str]) -> bool:
    return term in present or any(_match(term, p) for p in present)


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
        spans = [(a, e) for t, a, e in sentence.tokens if _match(term, t)]
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
    role_hits = [t for t in before + after if t in _ROLE_TERMS and any(_match(t, q) for q in weights)]
    return 0.6 if role_hits else 0.0


# Nouns that count people: "a 5-person committee" answers "how many members".
_PEOPLE_NOUNS = frozenset(terms("person people member individual seat staff employee official delegate participant"))


def _counted_noun(value: Value, sentence: Sentence, counted: Sequence[str]) -> bool:
    """Whether the noun a number counts (the words right after it, or the label of a "label: value" unit) is the
    one the question counts ("how many members" — "five members", "a 5-person committee", "Members: 5")."""
    following = terms(sentence.text[value.end:value.end + 30])[:2]
    label_end = _label_end(sentence)
    label = terms(sentence.text[:label_end]) if 0 < label_end <= value.start else []
    return any(_match(t, q) or (t in _PEOPLE_NOUNS and q in _PEOPLE_NOUNS) for t in following + label for q in counted)


LIST_LIMIT = 15  # items of one list quoted as the answer to a list question


def _siblings(sentence: Sentence) -> list[Unit]:
    """The items (or rows) of the list that ``sentence``'s unit belongs to: the run of units of its kind under the
    same heading with nothing else between them, at most ``LIST_LIMIT`` around it."""
    units = [u for u in document_units(sentence.doc) if u.kind != "code"]
    at = next(i for i, u in enumerate(units) if u.start == sentence.start)
    kind, path = units[at].kind, units[at].path
    lo = at
    while lo > 0 and units[lo - 1].kind == kind and units[lo - 1].path == path:
        lo -= 1
    hi = at
    while hi + 1 < len(units) and units[hi + 1].kind == kind and units[hi + 1].path == path:
        hi += 1
    lo = max(lo, min(at, hi + 1 - LIST_LIMIT))
    return units[lo:min(hi + 1, lo + LIST_LIMIT)]


def _on_answer_side(value: Value, sentence: Sentence, intent: Intent) -> bool:
    """Whether ``value`` stands on the side of the question's verb that the question asks for (``intent.side``):
    the verb is the nearest occurrence of a question word that is not one of its named things."""
    named = {t for c in intent.constraints for t in terms(c.surface)}
    verbs = [(s, e) for t, s, e in sentence.tokens
             if any(_match(q, t) for q in intent.focus_terms if q not in named and not q[0].isdigit())]
    if not verbs:
        return False
    s, e = min(verbs, key=lambda span: _distance(value, *span))
    return value.start >= e if intent.side > 0 else value.end <= s


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
    coverage = sum(w for t, w in weights.items() if _matches_any(t, label)) / total
    precision = sum(1 for t in label if any(_match(t, q) for q in weights)) / len(label)
    return 0.6 * coverage + 0.3 * precision


_ORDINALS = {w: str(i) for i, w in enumerate("zeroth first second third fourth fifth sixth seventh eighth ninth tenth "
                                             "eleventh twelfth".split())}
_NUMBERED = re.compile(r"\b([A-Za-z]{2,})\s?(\d+)\b(?![.,]\d)")
_ORDINAL_NAMED = re.compile(r"\b(" + "|".join(_ORDINALS) + r")\s+([A-Za-z]{2,})\b", re.I)


def _numbered_words(text: str) -> dict[str, str]:
    """Words with a number after them ("alpha 3", "candidate 2", "rc1") or an ordinal before them ("first beta")."""
    found = {m.group(1).lower(): m.group(2) for m in _NUMBERED.finditer(text) if m.group(1).lower() not in STOPWORDS}
    found.update({m.group(2).lower(): _ORDINALS[m.group(1).lower()] for m in _ORDINAL_NAMED.finditer(text)})
    return found


def _label_contradicts(label: str, question: str) -> bool:
    """Whether a label numbers a word differently than the question does: "alpha 3" against "alpha 5", "beta 4"
    against "the first beta". A list of siblings is told apart by exactly these numbers."""
    asked, own = _numbered_words(question), _numbered_words(label)
    if any(own.get(word) != number for word, number in asked.items()):
        return True  # "alpha 3", "beta 4" and "final" answer nothing about "alpha 5"
    # a label naming only the release line ("3.16 development begins") says nothing of one release ("3.16.2")
    return any(constraints.version_coarser(c.key, label) for c in constraints.of_question(question)
               if c.kind == "version")


def _is_question_name(value: Value, intent: Intent) -> bool:
    return value.kind == "name" and any(_match(value.norm, t) for t in intent.focus_terms)


def _is_question_office(value: Value, intent: Intent) -> bool:
    """An office the question names itself, so no answer to it: all its words, or all its titles, are the
    question's ("the Trustees", "Trustee of the Harbour Trust" for "who are its trustees": the role, not who holds
    it), or its title and one of its named things are ("Director of the Harbour Trust Authority" for "besides the
    HTA director, who ...", where the question rules it out)."""
    said = set(intent.focus_terms) | set(intent.negated)
    titles = terms(" ".join(facts.office_titles(value.surface)))
    if set(terms(value.surface)) <= set(intent.focus_terms) or (titles and set(titles) <= said):
        return True  # "Trustee of the Harbour Trust" for "who are its trustees": the role, not who holds it
    return any(t in said for t in titles) and any(constraints.matches(c, value.surface) for c in intent.constraints
                                                  if c.kind == "name")


def _holds(premise: Value, sentence: Sentence) -> bool:
    """Whether ``sentence`` states the premise's value (a bare month matches any date in that month)."""
    published = facts.parse_date(sentence.doc.metadata.get("date"))
    if premise.kind in ("date", "month"):  # dates are looked for in the paragraph, with or without the year
        text = sentence.window
        found = facts.values("month", text, published)
        if premise.norm.startswith("*-"):
            return any(v.norm[4:7] == premise.norm[1:] for v in found)
        if premise.kind == "date":
            month, day = facts.MONTH_NAMES[int(premise.norm[5:7])], int(premise.norm[8:10])
            if re.search(rf"\b{month}\s+{day}\b|\b{day}\s+{month}\b", text):
                return True
        return any(facts.same_value(v, premise) for v in found)
    return any(facts.same_value(v, premise) for v in facts.values(premise.kind, sentence.text, published))


def _comparable(intent: Intent, pick: Pick, chosen: Pick) -> bool:
    """Only values that answer the same question conflict: for names, both must sit beside the asked role."""
    if intent.kind == "name":
        return pick.strength >= 0.6 and chosen.strength >= 0.6
    if intent.kind == "date":
        return pick.value.kind == chosen.value.kind == "date"
    return True


def _pick_rank(pick: Pick) -> float:
    """How a value and its unit rank as the answer: the unit's score, how closely the question's words surround
    the value, and how much of the unit is about the question (a focused unit, "The council is a 5-person
    committee", answers better than one that goes on about something else)."""
    rank = pick.sentence.score + 0.3 * min(pick.strength, 1.0) + 0.3 * pick.sentence.focus
    if pick.value.kind == "name" and pick.value.surface in pick.sentence.doc.title:
        rank -= 0.15  # the person a document's title already names is its background, rarely what is asked
    return rank


def _relevant_enough(sentence: Sentence) -> bool:
    return sentence.coverage >= MIN_FACT_COVERAGE or sentence.similarity >= MIN_FACT_SIMILARITY \
        or sentence.coverage + sentence.similarity >= MIN_FACT_COVERAGE + MIN_FACT_SIMILARITY - 0.05


def _near_duplicate(a: Sentence, b: Sentence) -> bool:
    ta, tb = {t for t, _, _ in a.tokens}, {t for t, _, _ in b.tokens}
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) > 0.7


def _label(doc: Document) -> str:
    title = doc.title if len(doc.title) <= 70 else doc.title[:67].rstrip() + "..."
    return f"\u201c{title}\u201d"


def _display(value: Value, doc: Document) -> str:
    if value.resolved_from and value.resolved_from != value.display:
        date = doc.metadata.get("date")
        when = f" in a text dated {date}" if date else ""
        return f"{value.display} (written \u201c{value.resolved_from}\u201d{when})"
    return value.display


def _quote_list(items: Sequence[str], joiner: str = "or") -> str:
    shown = [f"\u201c{i}\u201d" for i in dict.fromkeys(items)]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + f" {joiner} " + shown[-1]


def _abstain(message: str, partial: Sequence[Sentence] = ()) -> Draft:
    return Draft(lead=[Segment(message)], evidence=[s.quote for s in partial], abstained=True)
