"""Corrections win, and are never cited for the error they correct.

Documents carry a kind (front matter ``kind``: ``fact-check``, ``primary-summary``, ``background-brief``, ``news``;
none given counts as news). A fact-check or primary document that reports another document's claim ("The article
calls the trade representative "X"") and states another value for the same thing in the same paragraph corrects
that claim. Three questions are answered here, with general cues only (attribution verbs, negation and correction
words, value comparison):

- ``reports(text, value)``: does the sentence hold the value as someone else's claim rather than assert it?
- ``contradicts(quote, claim)``: is the quote no support for the claim because it says the claim is wrong, negates
  it, or states another value of the same kind for the same thing?
- ``resolve(kind, statements, focus)``: among the values an answerer found, is one a claim another document
  corrects? Then the answer leads with the corrected value and notes the other version, citing both.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from . import facts
from .citations import DocumentSpan, Draft, Quote, Segment
from ..documents import Document
from .facts import Value
from ..text import sentence_spans, terms

# How much a document's word weighs when sources disagree; a folder's own kinds count as their nearest.
AUTHORITY_FILE = Path(__file__).with_name("authority.json")  # the default; ASSISTANT_SOURCE_AUTHORITY names another


@lru_cache(maxsize=1)
def authority_table() -> dict[str, int]:
    """How much each document kind's word weighs (data a user edits: a JSON object of kind to 0-3), read once per
    process from ``Settings.source_authority`` or the packaged ``authority.json``."""
    from ..settings import Settings

    path = Settings().source_authority or AUTHORITY_FILE
    try:
        table = json.loads(Path(path).read_text(encoding="utf-8"))
        return {str(k).strip().lower(): int(v) for k, v in table.items()}
    except (OSError, ValueError, AttributeError) as exc:
        raise ValueError(f"source authority table {path}: {exc}") from exc


CORRECTING = 2  # kinds at or above this may correct a claim of a document below them

# "the article says/calls/names/gives", "some sources give", "according to the report", "X was reported as"
_ATTRIBUTION = re.compile(
    r"\b(?:(?:the|this|that|an?|its|their|one|some|other|several|many|a few)\s+(?:\w+\s+){0,2}?"
    r"(?:article|report|story|piece|post|text|claim|source|author|outlet|statement|caption|headline|summary|"
    r"translation|version|account|reporting|sources|reports|articles|outlets)s?|it)\b[^.;]{0,60}?\b"
    r"(?:says?|said|calls?|called|names?|named|gives?|gave|puts?|claims?|claimed|states?|stated|reports?|reported|"
    r"describes?|described|lists?|listed|credits?|credited|writes?|wrote|attributes?|attributed|presents?|"
    r"places?|ties?|refers?|quotes?|quoted|spells?|spelled|dates?|dated|counts?|uses?)\b"
    r"|\baccording to (?:the|this|that|an?|some) (?:\w+\s+)?(?:article|report|story|text|caption)\b"
    r"|\b(?:was|were|is|are) (?:reported|described|given|named|called|misreported|misnamed) as\b", re.I)
# words that say a claim is wrong (or denied), and words that say it is right
_WRONG = re.compile(
    r"\b(?:wrong|incorrect|erroneous(?:ly)?|mistaken(?:ly)?|in error|inaccurate(?:ly)?|false(?:ly)?|untrue|"
    r"misstat\w*|misnam\w*|misidentif\w*|misattribut\w*|misreport\w*|contradict\w*|rather than|instead of|"
    r"in fact|actually|not correct|not right|no longer|should (?:say|read|be)|has been corrected|correction|"
    r"(?:does|do|did|is|are|was|were|has|have|had) not|doesn't|don't|didn't|isn't|aren't|wasn't|weren't|never|"
    r"the official|the correct|the actual|the real)\b", re.I)
_RIGHT = re.compile(r"\b(?:is|are|was|were) (?:correct|right|accurate|fair)\b|\b(?:correctly|rightly|accurately)\b|"
                    r"\bfair wording\b|\b(?:match(?:es)?|consistent with|confirm(?:s|ed)?)\b", re.I)
# "The White House says", "Reuters reported": a sentence that passes on someone's word is not the document's own
_REPORTED_SPEECH = re.compile(r"\b(?:says|said|reports|reported|states|stated|gives|gave|puts|claims|claimed|"
                              r"writes|wrote|told)\b", re.I)
_NEGATION = re.compile(r"\b(?:not|no|never|neither|nor|none|without|n't)\b|\bn't\b", re.I)
_QUOTED = re.compile(r"[\"\u201c\u2018']([^\"\u201d\u2019']{1,120})[\"\u201d\u2019']")


def kind(doc: Document) -> str:
    """The document's kind from its metadata (front matter ``kind``), lower-case; ``news`` when none is given."""
    value = str(doc.metadata.get("kind") or "news").strip().lower().replace(" ", "-").replace("_", "-")
    return value or "news"


def authority(doc: Document) -> int:
    """How much the document's word weighs: 3 for fact-checks and primary texts, 2 for briefs, 1 for news (and any
    kind this module does not know)."""
    k = kind(doc)
    table = authority_table()
    if k in table:
        return table[k]
    if "primary" in k or "fact" in k or "official" in k:
        return 3
    return 1


def reports(text: str, value: Value | str) -> bool:
    """Whether ``text`` holds ``value`` as another document's claim ("The article calls the U.S. Trade
    Representative "Jacquelyn Gries"", "Some sources give January 15"), not as its own statement."""
    surface = value.surface if isinstance(value, Value) else value
    at = _find(text, surface)
    if at < 0:
        return False
    before = text[:at]
    cue = None
    for cue in _ATTRIBUTION.finditer(before):
        pass
    if cue is None:
        return False
    # "The article says Treasury Secretary "Mnuchin" convened ...": the attribution governs the value after it,
    # unless a clause of the document's own voice starts in between ("...; the Secretary is X")
    between = before[cue.end():]
    return not re.search(r";|(?<!\b[A-Z])\.\s|\bbut\b|\bwhile\b|\bwhereas\b", between)


def judged_wrong(paragraph: str) -> bool:
    """Whether a paragraph that reports a claim says it is wrong (or states its own version) rather than right."""
    return bool(_WRONG.search(paragraph)) or not _RIGHT.search(paragraph)


def contradicts(quote: str, claim: str) -> bool:
    """Whether ``quote`` is no support for ``claim``: it reports the claim's value as another document's version,
    says it is wrong, negates the claim, or states another value of the same kind for the same thing."""
    claim_values = _all_values(claim)
    shared = _shared_share(quote, claim)
    for v in claim_values:
        if _find(quote, v.surface) >= 0 and reports(quote, v) and not _ATTRIBUTION.search(claim):
            return True  # "The article calls X ..." supports "the article calls X", never "X"
    closest = _closest_sentence(quote, claim)
    if shared >= 0.5 and _WRONG.search(closest) and _negation_disagrees(closest, claim):
        return True  # "Proclamation 11001 does not set price floors" against "Proclamation 11001 set price floors"
    if shared >= 0.4 and re.search(r"\b(?:wrong|incorrect|erroneous|mistaken|inaccurate|false|untrue)\b", quote, re.I) \
            and not re.search(r"\b(?:wrong|incorrect|erroneous|mistaken|inaccurate|false|untrue)\b", claim, re.I):
        return True  # "Saying the proclamation "set" price floors would be wrong."
    for v in claim_values:  # another value of the same kind, for the same thing, and not the claim's
        if v.kind not in ("date", "percent", "money", "count", "duration", "name", "year"):
            continue
        theirs = facts.values(v.kind, quote)
        if theirs and not any(facts.same_value(t, v) for t in theirs) and shared >= 0.5:
            return True
    return False


@dataclass(frozen=True)
class Stated(DocumentSpan):
    """A value an answerer found in a sentence of a document."""

    doc: Document
    start: int
    end: int
    value: Value  # offsets relative to the sentence


def correction_of(error: Stated, focus: Sequence[str] = ()) -> Stated | None:
    """The corrected value when ``error``'s sentence reports its value as another document's claim, in a document
    that may correct it, in a paragraph that judges it wrong and states another value of the same kind (from a
    sentence of the document's own voice that does not repeat the claim). None otherwise."""
    doc = error.doc
    if authority(doc) < CORRECTING or not reports(error.text, error.value):
        return None
    para_start, para_end = paragraph(doc, error.start)
    if not judged_wrong(doc.text[para_start:para_end]):
        return None
    for a, b in _spans(doc.text[para_start:error.start]):  # the paragraph already states the value itself: the
        text = doc.text[para_start + a:para_start + b]     # report that follows supports it ("the caption credits X")
        if _mentions(text, error.value) and not reports(text, error.value):
            return None
    published = facts.parse_date(doc.metadata.get("date"))
    wanted = set(focus) | set(terms(error.text))
    best: tuple[float, Stated] | None = None
    for a, b in _spans(doc.text[para_start:para_end]):
        start, end = para_start + a, para_start + b
        if start == error.start:
            continue
        text = doc.text[start:end]
        if _mentions(text, error.value) or _ATTRIBUTION.search(text) or _REPORTED_SPEECH.search(text):
            continue  # about the claim (or another source's word), not the document's own version
        for v in facts.values(error.value.kind if error.value.kind != "month" else "date", text, published):
            if facts.same_value(v, error.value):
                continue
            overlap = len(set(terms(text)) & wanted) / (len(wanted) or 1)
            score = overlap - 0.01 * (start - error.start) / 100  # the nearest statement wins a tie
            if best is None or score > best[0]:
                best = (score, Stated(doc, start, end, v))
    return best[1] if best else None


def resolve(kind_asked: str, statements: Sequence[Stated], focus: Sequence[str] = (),
            documents: Iterable[Document] = ()) -> Draft | None:
    """A Draft that leads with the corrected value when one of ``statements`` (the answerer's candidate values,
    best first) is a claim another document corrects: "Jamieson Greer [1]. "The article" names Jacquelyn Gries
    [2], which "the fact-check" corrects [3]." None when no candidate is a corrected claim."""
    documents = list(documents)
    asked = set(focus)
    lead_overlap = len(set(terms(statements[0].text)) & asked) if statements else 0
    for i, candidate in enumerate(statements):
        # the chosen value, or a rival about as close to the question: a correction elsewhere answers another one
        if i and len(set(terms(candidate.text)) & asked) < max(1, lead_overlap / 2):
            continue
        report = report_of(candidate, documents)
        fixed = correction_of(report, focus) if report is not None else None
        if report is None or fixed is None:
            continue
        if asked and not asked & (set(terms(report.text)) | set(terms(fixed.text))):
            continue  # neither the report nor the correction speaks of what was asked
        if i and not facts.same_value(fixed.value, statements[0].value):
            continue  # a rival's correction only annotates the chosen value; it never replaces it
        claimed = [s for s in statements if facts.same_value(s.value, report.value)
                   and authority(s.doc) < authority(report.doc)
                   and not reports(s.text, s.value)]
        if not claimed:  # the claim's own sentence may sit outside the candidates: find it in the documents
            claimed = _claims_in(documents, report)
        # the correcting paragraph's other words on the claim ("X served in 2017-2021") go with the correction
        para_start, para_end = paragraph(report.doc, report.start)
        context = [Quote(report.doc.source, para_start + a, para_start + b)
                   for a, b in _spans(report.doc.text[para_start:para_end])
                   if para_start + a not in (report.start, fixed.start)
                   and _mentions(report.doc.text[para_start + a:para_start + b], report.value)
                   and not _ATTRIBUTION.search(report.doc.text[para_start + a:para_start + b])][:1]
        # the answerer's own sentence for the value, when it is the corrected one, stays its first support
        first = [s.quote for s in statements if facts.same_value(s.value, fixed.value) and not reports(s.text, s.value)]
        first = first[:1] + [q for q in first[1:] if q.source != first[0].source][:1]  # and one other document's
        lead = [Segment(fixed.value.display, list(dict.fromkeys(first + [fixed.quote]))), Segment(". ")]
        if claimed:
            lead += [Segment(f"{_label(claimed[0].doc)} gives {report.value.display}", [claimed[0].quote]),
                     Segment(f", which {_label(report.doc)} corrects", [report.quote] + context), Segment(".")]
        else:
            lead += [Segment(f"{_label(report.doc)} notes that another source gives {report.value.display}",
                             [report.quote] + context), Segment(".")]
        evidence = first + [fixed.quote] + [c.quote for c in claimed[:1]] + [report.quote] + context
        return Draft(lead=lead, evidence=list(dict.fromkeys(evidence)), conflict=True)
    return reported_disagreement(statements[0]) if statements else None


def reported_disagreement(stated: Stated) -> Draft | None:
    """When the value's sentence passes on one party's figure ("The Australian statement says at least US$1
    billion ...") and a sentence of the same paragraph passes on another party's different figure of the same
    kind ("The White House says more than $3 billion ..."), both sides with all their figures, each cited. None
    otherwise."""
    mine = _speaker(stated.text)
    if mine is None or stated.value.kind not in ("money", "count", "percent", "date", "duration", "name"):
        return None
    para_start, para_end = paragraph(stated.doc, stated.start)
    published = facts.parse_date(stated.doc.metadata.get("date"))
    kind = "date" if stated.value.kind == "month" else stated.value.kind
    own = facts.values(kind, stated.text, published)
    for a, b in _spans(stated.doc.text[para_start:para_end]):
        start, end = para_start + a, para_start + b
        if start <= stated.start < end:
            continue
        text = stated.doc.text[start:end]
        theirs_speaker = _speaker(text)
        theirs = facts.values(kind, text, published)
        if theirs_speaker is None or theirs_speaker.lower() == mine.lower() or not theirs:
            continue
        if any(facts.same_value(t, o) for t in theirs for o in own):
            continue  # the same figure from both: no disagreement
        other = Quote(stated.doc.source, start, end)
        lead = [Segment("The sources differ. "),
                Segment(f"{mine} gives {_and([v.display for v in own])}", [stated.quote]),
                Segment(f"; {_lower_first(theirs_speaker)} gives {_and([v.display for v in theirs])}", [other]),
                Segment(".")]
        return Draft(lead=lead, evidence=[stated.quote, other], conflict=True)
    return None


_SPEAKER = re.compile(r"^\s*(?:According to\s+(?P<by>[^,]{3,60}),|(?P<who>(?:[A-Z][\w'\u2019-]*|the|The)(?:\s+[\w'\u2019-]+){0,4}?)"
                      r"\s+(?:says|said|states|stated|reports|reported|gives|gave|puts|announced|estimates|estimated)\b)")


def _speaker(text: str) -> str | None:
    """Who a sentence passes on ("The White House" in "The White House says ..."), or None for the document's own
    voice."""
    m = _SPEAKER.match(text)
    if not m:
        return None
    return (m.group("by") or m.group("who")).strip()


def _and(items: Sequence[str]) -> str:
    items = list(dict.fromkeys(items))
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:] if text.startswith(("The ", "A ", "An ")) else text


def report_of(stated: Stated, documents: Iterable[Document] = ()) -> Stated | None:
    """The sentence of a correcting document that reports ``stated``'s value as another document's claim:
    ``stated`` itself, a sentence of its paragraph ("The article says Treasury Secretary "Mnuchin" ..." beside
    "Steven Mnuchin was Treasury Secretary in ..."), or, for a claim in a document that cannot correct, the report
    of it in a document that can (the one sharing most words with the claim)."""
    if reports(stated.text, stated.value):
        return stated if authority(stated.doc) >= CORRECTING else None
    if authority(stated.doc) >= CORRECTING:
        where = [stated.doc]
        para = paragraph(stated.doc, stated.start)
    else:
        where = [d for d in documents if authority(d) >= CORRECTING]
        para = None
    wanted = set(terms(stated.text))
    best: tuple[int, Stated] | None = None
    for doc in where:
        start, end = para if para is not None else (0, len(doc.text))
        for a, b in _spans(doc.text[start:end]):
            text = doc.text[start + a:start + b]
            if not _mentions(text, stated.value):
                continue
            found = [v for v in facts.values(stated.value.kind, text) if facts.same_value(v, stated.value)]
            if not found and stated.value.kind == "name":  # a quoted surname alone: 'says Secretary "X" did'
                m = re.search(rf"\b{re.escape(stated.value.norm)}\b", text, re.I)
                found = [Value("name", m.start(), m.end(), m.group(0), stated.value.norm, stated.value.display)] \
                    if m else []
            for v in found:
                if reports(text, v):
                    overlap = len(set(terms(text)) & wanted)
                    if best is None or overlap > best[0]:
                        best = (overlap, Stated(doc, start + a, start + b, v))
    return best[1] if best else None


def amend(draft: Draft, documents: Mapping[str, Document], focus: Sequence[str] = ()) -> Draft:
    """A passage answer (no short lead) whose quoted evidence includes a claim another document corrects, or a
    document's report of such a claim: the correcting sentence is put first and named in the lead ("... corrects
    ..."), so the claim is never the answer's only word."""
    if draft.abstained or draft.lead:
        return draft
    for quote in draft.evidence:
        doc = documents.get(quote.source)
        if doc is not None and authority(doc) < CORRECTING:
            found = quoted_claim_corrected(doc, quote, documents.values(), focus)
            if found is not None:  # the quote's own words, which another document reports and corrects
                report, own, corrector = found
                lead = [Segment(f"{_label(corrector)} corrects {_label(doc)} here", [own]), Segment(":")]
                evidence = [own] + list(draft.evidence) + [report]
                return Draft(lead=lead, evidence=list(dict.fromkeys(evidence)), conflict=True)
        if doc is None or authority(doc) < CORRECTING:
            continue
        text = doc.text[quote.start:quote.end]
        claimed = [v for k in ("name", "date", "count", "percent", "money") for v in facts.values(k, text)
                   if reports(text, v)]
        quoted = [m.group(1) for m in _QUOTED.finditer(text) if reports(text, m.group(1))]
        if not claimed and not quoted:
            continue
        fixed = None
        for v in claimed:
            fixed = correction_of(Stated(doc, quote.start, quote.end, v), focus)
            if fixed is not None:
                break
        own = fixed.quote if fixed is not None else _own_version(doc, quote)
        if own is None:
            continue
        if fixed is not None:  # "29 [1]; “the brief” notes that another source gives 28 [2]."
            lead = [Segment(fixed.value.display, [own]),
                    Segment(f"; {_label(doc)} notes that another source gives {v.display}", [quote]), Segment(".")]
        else:
            lead = [Segment(f"{_label(doc)} corrects another source here", [own]), Segment(":")]
        evidence = [own] + [q for q in draft.evidence if q != own]
        return Draft(lead=lead, evidence=evidence, conflict=True)
    return draft


MIN_QUOTED_TERMS = 3  # a quotation this long is a claim of its own (a name, a title), not a scare-quoted word


def quoted_claim_corrected(doc: Document, quote: Quote, documents: Iterable[Document],
                           focus: Sequence[str] = ()) -> tuple[Quote, Quote, Document] | None:
    """When ``quote`` (a sentence of a document that cannot correct) holds a quotation of some length (a title, a
    statement's words) that a correcting document reports as another document's version, in a paragraph that
    judges it wrong, and goes on to state its own version: (the report, the own version, the correcting document).
    A report that calls the quotation right ("which is accurate") corrects nothing, and one whose own words
    (outside the quotation) say nothing of the question's ``focus`` terms ("gives the name of the bridge as" for a
    question on its cost) is about another part of the quote. None otherwise."""
    text = doc.text[quote.start:quote.end]
    quoted = [q for m in _QUOTED.finditer(text) if len(q := terms(m.group(1))) >= MIN_QUOTED_TERMS]
    if not quoted:
        return None
    for other in documents:
        if other.source == doc.source or authority(other) < max(CORRECTING, authority(doc) + 1):
            continue
        for a, b in _spans(other.text):
            sentence = other.text[a:b]
            said = [m.group(1) for m in _QUOTED.finditer(sentence) if terms(m.group(1)) in quoted]
            if not said or not reports(sentence, said[0]) or _RIGHT.search(sentence):
                continue
            if focus and not set(focus) & set(terms(_QUOTED.sub(" ", sentence))):
                continue
            para_start, para_end = paragraph(other, a)
            if not judged_wrong(other.text[para_start:para_end]):
                continue
            own = _own_version(other, Quote(other.source, a, b))
            if own is not None:
                return Quote(other.source, a, b), own, other
    return None


# -- helpers ------------------------------------------------------------------------------------------------------
def _spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` read across hard wraps (a single line break is a space; offsets unchanged)."""
    return sentence_spans(re.sub(r"(?<![\n])\n(?![\n#\s*-])", " ", text))


def paragraph(doc: Document, at: int) -> tuple[int, int]:
    """The paragraph (between blank lines, or the line for one-paragraph-a-line text) holding offset ``at``."""
    text = doc.text
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    end = len(text) if end < 0 else end
    if text[start:end].strip() and not text[start:end].lstrip().startswith("#"):
        # hard-wrapped text: grow the line into its paragraph
        while start > 1 and text[start - 2] != "\n" and not text[text.rfind("\n", 0, start - 1) + 1:start]. \
                lstrip().startswith("#"):
            start = text.rfind("\n", 0, start - 1) + 1
        while end < len(text) and text[end:end + 2] != "\n\n" and not text[end + 1:end + 2] == "#":
            nxt = text.find("\n", end + 1)
            end = len(text) if nxt < 0 else nxt
    return start, end


def _own_version(doc: Document, quote: Quote) -> Quote | None:
    """The first sentence after ``quote`` in its paragraph that speaks in the document's own voice and says the
    claim is wrong or gives the fact ("In fact ...", "The official title is ...", "Reuters reported discussions
    only")."""
    para_start, para_end = paragraph(doc, quote.start)
    for a, b in _spans(doc.text[para_start:para_end]):
        start, end = para_start + a, para_start + b
        if start <= quote.start:
            continue
        text = doc.text[start:end]
        if _WRONG.search(text) and not _ATTRIBUTION.search(text[:_WRONG.search(text).start()]):
            return Quote(doc.source, start, end)  # "In fact ...", "... not an automatic measure"
    return None


def _claims_in(documents: Iterable[Document], stated: Stated) -> list[Stated]:
    """Sentences of lower-authority documents that assert ``stated``'s value (the claim a correction is about)."""
    out = []
    for doc in documents:
        if authority(doc) >= authority(stated.doc):
            continue
        for a, b in _spans(doc.text):
            text = doc.text[a:b]
            if _mentions(text, stated.value) and not reports(text, stated.value):
                v = next((x for x in facts.values(stated.value.kind, text) if facts.same_value(x, stated.value)), None)
                if v is not None:
                    out.append(Stated(doc, a, b, v))
    wanted = set(terms(stated.text))
    return sorted(out, key=lambda s: -len(set(terms(s.text)) & wanted))


def _label(doc: Document) -> str:
    title = doc.title if len(doc.title) <= 70 else doc.title[:67].rstrip() + "..."
    return f"\u201c{title}\u201d"


def _find(text: str, surface: str) -> int:
    m = re.search(rf"(?<!\w){re.escape(surface)}(?!\w)", text)
    return m.start() if m else -1


def _mentions(text: str, value: Value) -> bool:
    if value.kind == "name":
        return re.search(rf"\b{re.escape(value.norm)}\b", text, re.I) is not None
    return any(facts.same_value(v, value) for v in facts.values(value.kind, text)) or _find(text, value.surface) >= 0


def _all_values(text: str) -> list[Value]:
    found: list[Value] = []
    for k in ("date", "percent", "money", "duration", "name", "count"):
        for v in facts.values(k, text):
            if not any(f.start < v.end and v.start < f.end for f in found):
                found.append(v)
    return found


def _shared_share(quote: str, claim: str) -> float:
    """The share of the claim's words (values left out) that the quote holds."""
    blanked = claim
    for v in _all_values(claim):
        blanked = blanked[:v.start] + " " * (v.end - v.start) + blanked[v.end:]
    wanted = set(terms(blanked))
    return len(wanted & set(terms(quote))) / len(wanted) if wanted else 0.0


def _polarity(text: str) -> bool:
    return bool(_NEGATION.search(text))


def _closest_sentence(quote: str, claim: str) -> str:
    """The sentence of ``quote`` that shares the most words with ``claim`` (the whole quote when it is one): what a
    claim taken from one sentence of a long unit is compared with."""
    spans = sentence_spans(quote)
    if len(spans) < 2:
        return quote
    wanted = set(terms(claim))
    return max((quote[a:b] for a, b in spans), key=lambda s: len(wanted & set(terms(s))))


def _negated_terms(text: str) -> set[str]:
    """The words a negation in ``text`` governs: the next three content words after each "not", "no", "never"."""
    return {t for m in _NEGATION.finditer(text) for t in terms(text[m.end():])[:3]}


def _negation_disagrees(sentence: str, claim: str) -> bool:
    """Whether one of the two negates what the other affirms: their polarity differs and a word the negation
    governs is stated by the other ("does not set price floors" against "set price floors"). A claim that does not
    state the negated words ("ores and concentrates", answering what a rule "did not impose tariffs on") is no
    contradiction of it."""
    if _polarity(sentence) == _polarity(claim):
        return False
    negated, other = (sentence, claim) if _polarity(sentence) else (claim, sentence)
    return bool(_negated_terms(negated) & set(terms(other)))


__all__ = ["AUTHORITY_FILE", "Stated", "amend", "authority", "authority_table", "contradicts", "correction_of",
           "judged_wrong", "kind", "paragraph", "quoted_claim_corrected", "report_of", "reported_disagreement",
           "reports", "resolve"]
