"""The smallest exact span of a cited unit that states what an answer sentence says.

A unit is a sentence, list item, "label: value" line or table record. A legal or report sentence runs to 400-900
characters, most of which says nothing about the value asked. The quote is cut to the shortest run of the unit's
clauses (split at ";", ",", ":", dashes and parentheses) that still holds every figure and name the answer sentence
takes from this unit, then widened to ``MIN_QUOTE_CHARS`` with its neighbouring clauses so it reads on its own.
A unit whose sentence states no figure or name of its own (an explanation) is quoted whole. The span is always a
slice of the stored text, so the citation check (``citations.verify``) holds it to its offsets like any other.
"""

from __future__ import annotations

import re

from .citations import Quote
from .facts import dates
from .grounding import _FIGURE, _WORD_FIGURE, blanked, names, unsupported_figures
from ..text import sentence_spans

MIN_QUOTE_CHARS = 60
_CLAUSE_END = re.compile(r"[;,:]\s+|\s+[\u2013\u2014-]\s+|\s*\(|\)\s*")


def clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) of each clause of ``text``: the spans between clause punctuation, each keeping its own
    punctuation, together covering the whole text."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _CLAUSE_END.finditer(text):
        if m.end() > start and m.start() > start:
            spans.append((start, m.end()))
            start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans or [(0, len(text))]


def _holds(sentence_values: list[str], sentence_names: list[str], span: str) -> bool:
    lowered = span.lower()
    return not unsupported_figures(" ".join(sentence_values), [span]) \
        and all(re.search(rf"(?<!\w){re.escape(n.lower())}", lowered) for n in sentence_names)


def tighten(text: str, quote: Quote, sentence: str) -> Quote:
    """The shortest clause run of ``text[quote.start:quote.end]`` holding every figure and name of ``sentence``
    that the whole unit holds (``quote`` unchanged when it states none of them, or is short already)."""
    unit = text[quote.start:quote.end]
    if len(unit) <= MIN_QUOTE_CHARS * 2:
        return quote
    copied = _copied_sentence(unit, sentence)
    if copied is not None:
        return Quote(quote.source, quote.start + copied[0], quote.start + copied[1])
    held_values = [v for v in _figures_of(sentence) if not unsupported_figures(v, [unit])]
    held_names = [n for n in names(sentence) if re.search(rf"(?<!\w){re.escape(n.lower())}", unit.lower())]
    if not held_values and not held_names:
        return quote
    spans = clauses(unit)
    best: tuple[int, int] | None = None
    for i in range(len(spans)):
        for j in range(i, len(spans)):
            a, b = spans[i][0], spans[j][1]
            if best is not None and b - a >= best[1] - best[0]:
                break
            if _holds(held_values, held_names, unit[a:b]):
                best = (a, b)
                break
    if best is None:
        return quote
    i = next(k for k, s in enumerate(spans) if s[0] == best[0])
    j = next(k for k, s in enumerate(spans) if s[1] == best[1])
    while best[1] - best[0] < MIN_QUOTE_CHARS and (i > 0 or j < len(spans) - 1):
        if j < len(spans) - 1:
            j += 1
        else:
            i -= 1
        best = (spans[i][0], spans[j][1])
    a, b = best
    while a < b and unit[a] in " \t\n(": a += 1
    while b > a and unit[b - 1] in " \t\n,;:(\u2013\u2014-": b -= 1
    if b - a >= len(unit.strip()) or b <= a:
        return quote
    return Quote(quote.source, quote.start + a, quote.start + b)


def _copied_sentence(unit: str, sentence: str) -> tuple[int, int] | None:
    """The span of the unit's sentence(s) that the answer sentence copies word for word (case and spacing aside),
    when it copies at least a few words; None otherwise."""
    words = re.findall(r"\w+", sentence)
    if len(words) < 4:
        return None
    m = re.search(r"\W+".join(re.escape(w) for w in words), unit, re.I)
    if not m:
        return None
    spans = sentence_spans(unit)
    a = max((s for s, _ in spans if s <= m.start()), default=0)
    b = min((e for _, e in spans if e >= m.end()), default=len(unit))
    return (a, b) if b - a < len(unit.strip()) else None


def _figures_of(sentence: str) -> list[str]:
    """The sentence's figures as written (dates, numbers, amounts), each checkable on its own; a date whole, as the
    gate reads it (its day is no number of its own)."""
    stated = dates(sentence)
    found = [v.surface for v in stated]
    sentence = blanked(sentence, stated)
    found += [m.group(0).strip() for m in _FIGURE.finditer(sentence) if m.group(0).strip()]
    found += [m.group(0) for m in _WORD_FIGURE.finditer(sentence)]
    return found
