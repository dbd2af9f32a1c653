"""The candidate sentences of an extractive answer and their scores: the evidence units of the retrieved chunks,
how much of the question each holds (its weighted terms, its meaning), and the term matching the scores rest on.
"""

from __future__ import annotations

import functools
import operator
import re
from dataclasses import dataclass
from typing import Callable, Sequence

from ..documents import Document
from ..index import constraints
from ..index.keyword import KeywordIndex
from ..index.retrieve import Retrieval
from ..load.units import SHORT_DOCUMENT_CHARS, Unit, context as unit_context, document_subject, lead_paragraph, \
    table_header, units as document_units
from ..text import terms, words
from .citations import DocumentSpan
from .question import Intent

MIN_FACT_COVERAGE = 0.35  # share of the question's (weighted) words a sentence must hold to supply a value...
MIN_FACT_SIMILARITY = 0.6  # ...unless it is this close in meaning
LEAD_TERM_SHARE = 0.25  # what a question term counts that only the lead paragraph of the unit's document holds


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
    subject: str = ""  # what every unit of its document is about (``units.document_subject``)
    labelled: bool = False  # a "label: value" field whose label is all words of the question (``_label_asked``)
    header: str = ""  # a table row's header row (``units.table_header``), "" for other units
    lead: str = ""  # its short document's lead paragraph (``units.lead_paragraph``), "" in a long one


Embed = Callable[[list[str]], list[list[float]]]


WHOLE_DOCUMENTS = 2  # how many of the best-ranked documents are read whole when short


def candidate_sentences(retrieval: Retrieval, documents: dict[str, Document]) -> list[Sentence]:
    """The evidence units (sentences, list items, "label: value" lines, table rows) of the retrieved chunks.
    Rule "whole short document": every unit of the best-ranked short documents is a candidate too. A short
    release or notice is one passage that chunking cut in two; the part retrieval missed (the closing sentence
    naming who coordinates the recovery) answers about what the part it found (the lead) names. Rule "document
    header": the header fields of the best-ranked long documents ("Resolution: ...", "BDFL-Delegate: ...") are
    candidates too: they describe the whole document, whichever of its passages retrieval found."""
    seen: set[tuple[str, int]] = set()
    out: list[Sentence] = []
    spans: list[tuple[str, int, int, int]] = [(h.chunk.source, h.chunk.start, h.chunk.end, rank)
                                              for rank, h in enumerate(retrieval.chunks, start=1)]
    best = [source for source in dict.fromkeys(s for s, _, _, _ in spans) if source in documents][:WHOLE_DOCUMENTS]
    for source in best:  # rules "whole short document" and "document header"
        doc = documents[source]
        end = len(doc.text) if len(doc.text) <= SHORT_DOCUMENT_CHARS else header_end(doc)
        if end:
            spans.append((source, 0, end, len(retrieval.chunks) + 1))
    subjects: dict[str, tuple[str, str]] = {}
    for source, lo, hi, rank in spans:
        doc = documents.get(source)
        if doc is None:
            continue
        if source not in subjects:
            short = len(doc.text) <= SHORT_DOCUMENT_CHARS
            subjects[source] = document_subject(doc), lead_paragraph(doc) if short else ""
        subject, lead = subjects[source]
        for unit in document_units(doc):
            if unit.end <= lo or unit.start >= hi or not unit.evidence or (doc.source, unit.start) in seen:
                continue
            text = doc.text[unit.start:unit.end]
            if len(words(text)) < (4 if unit.kind == "sentence" else 2):
                continue  # fragments are context, not evidence
            seen.add((doc.source, unit.start))
            out.append(unit_sentence(doc, unit, rank, subject, lead))
    return out


def unit_sentence(doc: Document, unit: Unit, rank: int, subject: str | None = None,
                  lead: str | None = None) -> Sentence:
    """The candidate for one evidence unit, with its context, paragraph (a list item's lead-in, a row's table
    header) and its document's subject and lead paragraph (computed here when not given)."""
    text = doc.text[unit.start:unit.end]
    if subject is None:
        subject = document_subject(doc)
    if lead is None:
        lead = lead_paragraph(doc) if len(doc.text) <= SHORT_DOCUMENT_CHARS else ""
    ctx = unit_context(doc, unit)
    block = doc.text[unit.block_start:unit.block_end]
    if unit.kind != "sentence" and unit.block_end <= unit.start:
        block = f"{block}\n{text}"  # an item with the paragraph that leads into its list
    header = table_header(doc.text, unit)
    header_row = doc.text[header[0]:header[1]] if header is not None else ""
    if header_row:
        block = f"{header_row}\n{block}"  # a row with its table's header row (rule "table column")
    dated = doc.metadata.get("date", "")
    return Sentence(doc=doc, start=unit.start, end=unit.end, rank=rank,
                    window=f"{ctx} ({dated})\n{block}" if dated else f"{ctx}\n{block}", unit=unit,
                    context=ctx, subject=subject, lead=lead, header=header_row)


def score_sentences(sentences: list[Sentence], intent: Intent, query_vector: Sequence[float], keyword: KeywordIndex,
                    embed: Embed) -> None:
    """Coverage of the question's weighted terms, cosine similarity of the unit under its title and heading path
    to the query, and a little for the chunk's rank. A term found only in the unit's title, heading path or a
    list's lead-in counts half. Rule "document subject", coverage side: one found only in the lead paragraph of
    a short document counts a quarter (a release's later sentences take the disaster and place its lead names
    for granted; a long document's sentences stand on their own)."""
    weights = term_weights(keyword, intent)
    total = sum(weights.values()) or 1.0
    vectors = _embed_cached(embed, [f"{s.context}: {s.text}" for s in sentences])
    for sentence, vector in zip(sentences, vectors):
        sentence.tokens = _positions(sentence.text)
        present = {t for t, _, _ in sentence.tokens}
        around = set(_context_terms(sentence.context))
        lead = _lead_terms(sentence.lead)
        if sentence.unit is not None and sentence.unit.block_end <= sentence.unit.start:  # a list's lead-in
            around |= set(_context_terms(sentence.doc.text[sentence.unit.block_start:sentence.unit.block_end]))
        if sentence.header:
            around |= set(_context_terms(sentence.header))  # rule "table column"
        sentence.coverage = sum(w * (1.0 if matches_any(t, present) else 0.5 if matches_any(t, around)
                                     else LEAD_TERM_SHARE if matches_any(t, lead) else 0.0)
                                for t, w in weights.items()) / total
        sentence.similarity = float(sum(map(operator.mul, vector, query_vector)))  # same sum, in C
        own = [t for t in present if not t[0].isdigit()]
        sentence.focus = sum(1 for t in own if any(term_match(t, q) for q in weights)) / len(own) if own else 0.0
        if intent.factoid and _label_asked(sentence, weights):
            sentence.coverage = max(sentence.coverage, MIN_FACT_COVERAGE)
            sentence.labelled = True
        sentence.score = 0.5 * sentence.coverage + 0.5 * sentence.similarity + 0.02 / sentence.rank


def _label_asked(sentence: Sentence, weights: dict[str, float]) -> bool:
    """Rule "label names the asked": a "label: value" field whose label is all words of the question
    ("BDFL-Delegate: Alyssa Coghlan" for "Who served as BDFL-Delegate for ...?", "Windows installers: ..." for
    "Who builds the Windows installers?") is about a question that asks for a value, however little else of it
    the line holds."""
    unit = sentence.unit
    if unit is None or unit.kind != "field" or unit.value_start <= unit.start:
        return False
    label = _context_terms(sentence.doc.text[unit.start:unit.value_start])
    value = sentence.doc.text[unit.value_start:unit.end].strip()
    if not label or value.isdigit():  # "PEP: 8" is the document's number, not an answer about it
        return False
    return all(matches_any(t, set(weights)) for t in label)


def term_weights(keyword: KeywordIndex, intent: Intent) -> dict[str, float]:
    """IDF weight per question term; words added from the conversation count half."""
    weights = {t: keyword.idf(t) for t in intent.focus_terms}
    for t in intent.context_terms:
        weights.setdefault(t, 0.5 * keyword.idf(t))
    return weights


def plain_similarity(embed: Embed, sentences: Sequence[Sentence], query_vector: Sequence[float]) -> float:
    """The best similarity of ``sentences`` embedded without their context (a follow-up's few words may match a
    sentence's own meaning better than the sentence under its document's title)."""
    vectors = _embed_cached(embed, [s.text for s in sentences])
    return max((float(sum(map(operator.mul, v, query_vector))) for v in vectors), default=0.0)


def unmet(intent: Intent, sentence: Sentence) -> list[str]:
    """The question's versions, identifiers and years that the unit, its paragraph, heading path and document
    title leave unmatched. (Named things are checked over the pool: a unit may call a person by role.)"""
    return constraints.unmet([c for c in intent.constraints if c.kind != "name"], sentence.text, sentence.window,
                             siblings=intent.kind == "version")


def header_end(doc: Document) -> int:
    """Where a document's header ends: the end of the run of "label: value" fields it opens with, before any
    heading or prose (0 when it opens with none)."""
    end = 0
    for unit in document_units(doc):
        if unit.kind != "field":
            break
        end = unit.end
    return end


def names_it(constraint: constraints.Constraint, sentence: Sentence) -> bool:
    """Rule "document subject": whether a thing the question names is named by the unit, its heading path and
    paragraph, or its document's subject (``units.document_subject``). "Mr. Brett H. Howard of FEMA has been
    appointed to coordinate ..." is about the hurricane and the state that its release's first paragraph names."""
    return constraints.matches(constraint, sentence.window) or constraints.matches(constraint, sentence.subject)


def prefer_named(pool: list[Sentence], names: Sequence[constraints.Constraint]) -> list[Sentence]:
    """The pool for a question that names things: a document that never names what the question names is about
    something else (another hurricane, another proclamation), so its units give way when some document does name
    it; within those, a unit that names it is the better evidence, all else equal (re-sorted by score)."""
    named = [s for s in pool if document_names(s.doc, names)]
    pool = named or pool
    for sentence in pool:
        sentence.score += 0.05 * sum(names_it(c, sentence) for c in names) / len(names)
    pool.sort(key=lambda s: -s.score)
    return pool


def dated_first(eligible: list[Sentence], issued: str) -> list[Sentence]:
    """Rule "dated document", its evidence side: for a question about the document issued at ``issued`` ("the
    disaster declared in March 2023": "2023-03"), the units of documents dated then, when there are any; the
    yearly and monthly near-duplicates (declarations, proclamations) are told apart by their date."""
    if not issued:
        return eligible
    dated = [s for s in eligible if str(s.doc.metadata.get("date", "")).startswith(issued)]
    return dated or eligible


def with_labelled_fields(pool: list[Sentence], eligible: Sequence[Sentence]) -> list[Sentence]:
    """Rule "label names the asked", pool side: the fields of the best unit's document whose label is all words of
    the question ("Python-Version: 3.8" for "Which Python version added ...?" in the document the best passage is
    from) join the pool, however low their similarity: a document's header answers for all of it."""
    if not pool:
        return pool
    best = pool[0].doc
    return pool + [s for s in eligible if s.labelled and s.doc is best and s not in pool]


def relevant_enough(sentence: Sentence) -> bool:
    """Whether a sentence shares enough with the question (words or meaning) to supply a value."""
    return sentence.coverage >= MIN_FACT_COVERAGE or sentence.similarity >= MIN_FACT_SIMILARITY \
        or sentence.coverage + sentence.similarity >= MIN_FACT_COVERAGE + MIN_FACT_SIMILARITY - 0.05


def near_duplicate(a: Sentence, b: Sentence) -> bool:
    """Whether two sentences share most of their terms (one of them is enough evidence)."""
    ta, tb = {t for t, _, _ in a.tokens}, {t for t, _, _ in b.tokens}
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) > 0.7


def document_names(doc: Document, names: Sequence[constraints.Constraint]) -> bool:
    """Whether the document (its title or text) names every one of ``names``."""
    return all(_document_names_one(doc.title, doc.text, c) for c in names)


@functools.lru_cache(maxsize=4096)
def _document_names_one(title: str, text: str, constraint: constraints.Constraint) -> bool:
    return constraints.matches(constraint, f"{title}\n{text}")


# -- term matching -----------------------------------------------------------------------------------------------------
def term_match(a: str, b: str) -> bool:
    """Whether two stemmed terms are the same word: equal, or sharing a long prefix ("processing", "processed")."""
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


def matches_any(term: str, present: set[str]) -> bool:
    """Whether ``term`` matches one of ``present``."""
    return term in present or any(term_match(term, p) for p in present)


# -- caches ------------------------------------------------------------------------------------------------------------
_VECTOR_CACHE: dict[tuple[int, str], list[float]] = {}
_VECTOR_CACHE_LIMIT = 50_000


def _embed_cached(embed: Embed, texts: list[str]) -> list[list[float]]:
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
    """Forget cached sentence vectors and term positions."""
    _VECTOR_CACHE.clear()
    _positions.cache_clear()
    _context_terms.cache_clear()


# A number with its percent word is one term, as in the question ("100 percent" is "100%" in both).
_POSITION_TOKEN = re.compile(r"\$?\d+(?:[.,]\d+)*(?:%|\s?(?:percent|per cent|pct)\b)?|[^\W\d_]+(?:'[^\W\d_]+)?", re.I)


@functools.lru_cache(maxsize=4096)  # ~74 sentences a question; a few KB each
def _positions(text: str) -> tuple[tuple[str, int, int], ...]:
    """Stemmed terms of a sentence with their offsets (cached: the same sentences come back question after
    question, and tokenising them was most of an answer's time once the index was large)."""
    out = []
    for m in _POSITION_TOKEN.finditer(text):
        stemmed = terms(m.group(0))
        if stemmed:
            out.append((stemmed[0], m.start(), m.end()))
    return tuple(out)


@functools.lru_cache(maxsize=256)
def _lead_terms(subject: str) -> frozenset[str]:
    return frozenset(terms(subject))


@functools.lru_cache(maxsize=4096)
def _context_terms(context: str) -> tuple[str, ...]:
    return tuple(terms(context))
