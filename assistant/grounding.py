"""The verification gate: a model's sentence reaches the user only if its quotes are in the sources it cites and
every number, percentage, money amount and date it states appears in those quotes.

Quotes are located in the cited passage after normalising whitespace and quote marks, and mapped back to exact
character offsets of the stored document, so a verified quote becomes a ``citations.Quote`` like any other.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from .citations import Quote
from .corrections import contradicts
from .facts import MONTH_NAMES, NUMBER_WORDS, TENS_WORDS
from .prompting import Claim, Source

log = logging.getLogger(__name__)

MIN_QUOTE_CHARS = 12
_QUOTE_MARKS = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
                              "\u2018": "'", "\u2019": "'", "\u201a": "'", "`": "'", "\u2032": "'",
                              "\u2013": "-", "\u2014": "-", "\u00a0": " "})
_MARKER = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
# A passage that addresses the model ("ignore your instructions", "you are now", "system:") is data about an attempt,
# never support for a claim: such a quote is refused.
INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|rules|prompts?|system|above|previous)\b"
    r"|\byou are now\b|\b(system|assistant)\s*:|\b(reply|respond|answer|write)\s+only\b"
    r"|\bdo not (cite|use json|follow)\b", re.I | re.S)


@dataclass(frozen=True)
class Verified:
    """A sentence that passed the gate, with the exact spans that support it."""

    text: str
    quotes: list[Quote]


@dataclass
class Verdict:
    """What the gate kept and what it dropped (with a reason per dropped sentence)."""

    kept: list[Verified] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    proposed: int = 0

    def take(self, claim: Claim, sources: dict[int, Source]) -> bool:
        """Run one claim through the gate (``sources`` by number); True when it was kept. Dropped claims are
        logged with their reason; a sentence already kept is dropped as a repeat."""
        self.proposed += 1
        kept, reason = check(claim, sources)
        if kept is not None and any(k.text.lower() == kept.text.lower() for k in self.kept):
            kept, reason = None, f"repeats an earlier sentence: {kept.text[:60]!r}"
        if kept is None:
            self.dropped.append(reason)
            log.info("dropped a generated sentence: %s", reason)
            return False
        self.kept.append(kept)
        return True


def normalised(text: str) -> tuple[str, list[int]]:
    """``text`` with quote marks unified and whitespace runs collapsed, and for each output character the index of
    the input character it came from."""
    out: list[str] = []
    index: list[int] = []
    pending_space = False
    for i, ch in enumerate(text.translate(_QUOTE_MARKS)):
        if ch.isspace():
            pending_space = bool(out)
            continue
        if pending_space:
            out.append(" ")
            index.append(i - 1)
            pending_space = False
        out.append(ch)
        index.append(i)
    return "".join(out), index


def locate(quote: str, source: Source) -> Quote | None:
    """The span of ``source``'s document where ``quote`` sits inside the source's passage, or None."""
    needle, _ = normalised(quote.strip().strip("\"'\u201c\u201d\u2018\u2019").strip())
    needle = needle.rstrip(".").rstrip() if needle.endswith("...") else needle
    if len(needle) < MIN_QUOTE_CHARS:
        return None
    passage = source.document.text[source.chunk.start:source.chunk.end]
    hay, index = normalised(passage)
    at = hay.find(needle)
    if at < 0:
        return None
    start = source.chunk.start + index[at]
    end = source.chunk.start + index[at + len(needle) - 1] + 1
    return Quote(source.document.source, start, end)


# -- numbers, amounts and dates ----------------------------------------------------------------------------------------
_NUMBER_WORDS = {w: str(i) for w, i in {**NUMBER_WORDS, **TENS_WORDS}.items()}
_MONTHS = {name.lower()[:3]: name.lower() for name in MONTH_NAMES[1:]}
_FIGURE = re.compile(
    r"(?P<cur>US\$|\$|€|£|¥)?\s?(?P<num>\d+(?:[.,]\d+)*)(?:st|nd|rd|th)?"
    r"(?:\s?(?P<pct>%|percent\b|per cent\b))?"
    r"(?:\s?(?P<mag>trillion|billion|million|thousand|bn\b|tn\b))?", re.I)
_WORD_FIGURE = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")(?:[\s-](percent|per cent))?\b", re.I)
_MONTH = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?=\s+\d|\s+of\b|\s*,|\s|$)",
                    re.I)
_MAG = {"bn": "billion", "tn": "trillion"}


def _norm_number(raw: str) -> str:
    value = raw.replace(",", "")
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    return value.lstrip("0") or "0"


def figures(text: str) -> set[str]:
    """Every number, percentage, money amount and month in ``text``, normalised ("92%", "$2.7 billion", "12",
    "month:july"). Written-out numbers count as digits ("twelve" is "12")."""
    out: set[str] = set()
    for m in _FIGURE.finditer(text):
        num = _norm_number(m.group("num"))
        pct = "%" if m.group("pct") else ""
        mag = m.group("mag").lower() if m.group("mag") else ""
        mag = _MAG.get(mag, mag)
        cur = "$" if (m.group("cur") or "").upper() in ("$", "US$") else (m.group("cur") or "")
        out.add(f"{cur}{num}{pct}{' ' + mag if mag else ''}")
    for m in _WORD_FIGURE.finditer(text):
        out.add(_NUMBER_WORDS[m.group(1).lower()] + ("%" if m.group(2) else ""))
    for m in _MONTH.finditer(text):
        word = m.group(0).lower().rstrip(".")
        if word.startswith("may") and word != "may":
            continue
        if word == "may" and not re.match(r"\s*\d", text[m.end():]):
            continue  # the verb "may"
        out.add("month:" + _MONTHS[m.group(1).lower()])
    return out


def unsupported_figures(sentence: str, quotes: list[str]) -> list[str]:
    """The figures of ``sentence`` that none of ``quotes`` contains."""
    quoted: set[str] = set()
    for q in quotes:
        quoted |= figures(q)
        # "2.7 billion dollars" / "USD 2.7 billion" in a quote supports "$2.7 billion"
        for m in re.finditer(r"(\d+(?:[.,]\d+)*)\s?(trillion|billion|million|thousand)?\s?(?:US\s)?(?:dollars|USD)",
                             q, re.I):
            mag = f" {m.group(2).lower()}" if m.group(2) else ""
            quoted.add(f"${_norm_number(m.group(1))}{mag}")
    return sorted(f.removeprefix("month:") for f in figures(sentence) if f not in quoted)


# -- the gate -----------------------------------------------------------------------------------------------------------
def check(claim: Claim, sources: dict[int, Source]) -> tuple[Verified | None, str]:
    """A claim verified against the numbered sources, or None and the reason it was dropped."""
    text = " ".join(_MARKER.sub("", claim.text).split())
    if len(text) < 3 or not any(ch.isalnum() for ch in text):
        return None, "empty sentence"
    if not claim.sources:
        return None, f"cites no source: {text[:60]!r}"
    unknown = [n for n in claim.sources if n not in sources]
    if unknown:
        return None, f"cites source {unknown[0]}, which was not given: {text[:60]!r}"
    if not claim.quotes:
        return None, f"gives no supporting quote: {text[:60]!r}"
    spans: list[Quote] = []
    quoted: list[str] = []
    for quote in claim.quotes:
        span = next((s for s in (locate(quote, sources[n]) for n in claim.sources) if s is not None), None)
        if span is None:
            cited = ", ".join(str(n) for n in claim.sources)
            return None, f"quote not found in source {cited}: {quote[:60]!r}"
        located = sources[next(n for n in claim.sources if sources[n].document.source == span.source)]
        if INSTRUCTION.search(located.document.text[span.start:span.end]):
            return None, f"quote reads as an instruction to the model, not evidence: {quote[:60]!r}"
        spans.append(span)
        quoted.append(sources[next(n for n in claim.sources
                                   if sources[n].document.source == span.source)].document.text[span.start:span.end])
    # issue 14: a quote that says the sentence is wrong, or gives another value for it, is no support
    kept = [(span, q) for span, q in zip(spans, quoted) if not contradicts(q, text)]
    if not kept:
        return None, f"its quote contradicts it (a correction, or another value): {text[:60]!r}"
    spans, quoted = [span for span, _ in kept], [q for _, q in kept]
    missing = unsupported_figures(text, quoted)
    if missing:
        return None, f"states {', '.join(missing)} which no cited quote contains: {text[:60]!r}"
    return Verified(text=text, quotes=list(dict.fromkeys(spans))), ""


def verify_claims(claims: list[Claim], sources: list[Source]) -> Verdict:
    """Run every claim through the gate."""
    by_number = {s.number: s for s in sources}
    verdict = Verdict()
    for claim in claims:
        verdict.take(claim, by_number)
    return verdict
