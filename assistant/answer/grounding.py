"""The verification gate: a model's answer reaches the user only if the units it cites state every value it gives
and are about what the question asks.

A kept sentence cites units (exact spans of stored text, built by code from the ids the model gave) that contain
every number, percentage, money amount, date and name the sentence states, and that match the question's
constraints (versions, identifiers, years, named things; ``constraints.py``) in the unit or its heading path,
title, date or paragraph. A cited unit about another version, year or document is refused; a sentence left with no
unit, or stating a value its units lack, is dropped and counted with its reason.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from .citations import Quote
from .corrections import contradicts
from .instructions import addresses_model
from .facts import MONTH_NAMES, NUMBER_WORDS, TENS_WORDS, Value, dates, parse_date
from typing import TYPE_CHECKING, Sequence

from ..index import constraints
from ..text import STOPWORDS, sentence_spans, terms

if TYPE_CHECKING:
    from .evidence import EvidenceUnit

log = logging.getLogger(__name__)

# -- numbers, amounts and dates ----------------------------------------------------------------------------------------
_NUMBER_WORDS = {w: str(i) for w, i in {**NUMBER_WORDS, **TENS_WORDS}.items()}
_MONTHS = {name.lower()[:3]: name.lower() for name in MONTH_NAMES[1:]}
_FIGURE = re.compile(
    r"(?P<cur>US\$|\$|€|£|¥)?\s?(?P<num>\d+(?:[.,]\d+)*)(?:st|nd|rd|th)?"
    r"(?:\s?(?P<pct>%|percent\b|per cent\b))?"
    r"(?:\s?(?P<mag>trillion|billion|million|thousand|bn\b|tn\b))?", re.I)
_WORD_FIGURE = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")(?:[\s-](percent|per cent))?\b", re.I)
# a month's full name or its abbreviation, never a word that starts like one ("Julien", "Marcus", "Decker")
_MONTH = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?:uary|ruary|ch|il|e|y|ust|t|tember|ober|"
                    r"ember)?\.?(?=\s+\d|\s+of\b|\s*,|\s|$)",
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


def unsupported_figures(sentence: str, quotes: list[str], published: Sequence[str] = ()) -> list[str]:
    """The figures of ``sentence`` that none of ``quotes`` contains; ``published`` gives each quote's document
    date (ISO), against which a quote's "July 13 this year" is read."""
    quoted: set[str] = set()
    days = [parse_date(p) for p in published] + [None] * (len(quotes) - len(published))
    found = [dates(q, day) for q, day in zip(quotes, days)]
    quoted_dates = {v.norm for values in found for v in values}
    for q, values in zip(quotes, found):
        quoted |= figures(_days_as_months(q, values))
        # "2.7 billion dollars" / "USD 2.7 billion" in a quote supports "$2.7 billion"
        for m in re.finditer(r"(\d+(?:[.,]\d+)*)\s?(trillion|billion|million|thousand)?\s?(?:US\s)?(?:dollars|USD)",
                             q, re.I):
            mag = f" {m.group(2).lower()}" if m.group(2) else ""
            quoted.add(f"${_norm_number(m.group(1))}{mag}")
    # an amount the sentence states without its currency sign is still the quote's amount ("150 million" for
    # "$150 million"; never the other way round)
    quoted |= {f[1:] for f in quoted if f[:1] in "$€£¥"}
    # Rule "date as a whole": a date the sentence states must be a date of the quotes, however written
    # ("October 14, 2019" for "2019-10-14"); its day is not supported by any other "14" (or "one week").
    stated = dates(sentence)
    masked = blanked(sentence, stated)
    missing = [v.surface for v in stated if not _date_supported(v.norm, quoted_dates, quoted)]
    return sorted(missing + [f.removeprefix("month:") for f in figures(masked) if f not in quoted])


def blanked(text: str, values: Sequence[Value]) -> str:
    """``text`` with each of ``values`` (found in it) blanked out, every other character where it was."""
    for v in values:
        text = text[:v.start] + " " * (v.end - v.start) + text[v.end:]
    return text


def _days_as_months(text: str, found: Sequence[Value]) -> str:
    """``text`` with each full date of ``found`` (its ``dates``) written as its month and year ("January 12, 2026"
    as "January 2026"): the day of a date supports that date, never a count or amount the sentence states ("12"
    staff)."""
    for v in sorted(found, key=lambda v: -v.start):
        if v.kind == "date":
            year, month = v.norm.split("-")[:2]
            text = f"{text[:v.start]}{MONTH_NAMES[int(month)]}{'' if year == '*' else ' ' + year}{text[v.end:]}"
    return text


def _date_supported(norm: str, quoted_dates: set[str], quoted: set[str]) -> bool:
    """Whether a date the sentence states (``facts.dates`` norm: "2019-10-14", month "2018-12", year-less
    "*-09-05") is a date of the quotes: the same day, a day within the stated month, or the quotes' year-less day
    with the year among their figures."""
    for q in quoted_dates:
        if q == norm or q.startswith(norm + "-"):
            return True
        if q.startswith("*") and norm[4:] == q[1:] and _norm_number(norm[:4]) in quoted:
            return True
        if norm.startswith("*") and q[4:] == norm[1:]:
            return True
    return False


# -- names --------------------------------------------------------------------------------------------------------------
_NAME_WORD = re.compile(r"(?<![\w'\u2019])([A-Z\u00c0-\u00de][\w'\u2019.-]*[\w])")
# months are checked as figures (a date however written), not as names
_NOT_NAMES = frozenset("yes no not none n/a".split()) | frozenset(m.lower() for m in MONTH_NAMES[1:])


def names(text: str) -> list[str]:
    """The capitalised words of ``text`` that may name a person, organisation, place or thing ("Ned", "Deily",
    "Treasury"); sentence-initial function words and acronyms of one letter are left out."""
    out = []
    for m in _NAME_WORD.finditer(text):
        word = m.group(1).removesuffix("'s").removesuffix("\u2019s")
        if len(word) < 2 or word.lower() in STOPWORDS or word.lower() in _NOT_NAMES:
            continue
        out.append(word)
    return out


def _word_in(word: str, text: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(word.lower())}", text.lower()) is not None


# -- the gate -----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verified:
    """A sentence that passed the gate, with the exact spans of the units that support it."""

    text: str
    quotes: list[Quote]


@dataclass
class Verdict:
    """What the gate kept and dropped: sentences kept, reasons for each dropped sentence, and cited units refused
    (another version, year or document than asked; an instruction)."""

    kept: list[Verified] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    refused_units: list[str] = field(default_factory=list)
    proposed: int = 0
    recited: int = 0  # sentences whose ids were wrong, kept on the shown units that state their values

    def drop(self, reason: str) -> None:
        self.dropped.append(reason)
        log.info("dropped a generated sentence: %s", reason)


def answer_sentences(answer: str) -> list[str]:
    """The answer's sentences (a bare value such as "Ned Deily" is one)."""
    spans = sentence_spans(answer)
    return [answer[a:b].strip() for a, b in spans] or ([answer.strip()] if answer.strip() else [])


def check_answer(answer: str, cited: list[int], units: dict[int, "EvidenceUnit"], question: str,
                 verdict: Verdict | None = None, header: Sequence["EvidenceUnit"] = ()) -> Verdict:
    """Run a model's answer, citing unit ids ``cited`` of ``units``, through the gate for ``question``: each cited
    unit was shown, shares a word with the question (in its text, title, heading path or paragraph) and meets the
    version, year or identifier the question pins; each sentence states only figures, dates and names its units
    hold. ``header`` holds the header fields of the shown units' documents that were not shown ("Python-Version:
    3.5"): a sentence whose ids are wrong may be recited to one of them too, under the same checks."""
    verdict = verdict or Verdict()
    sentences = answer_sentences(answer)
    verdict.proposed += len(sentences)
    if not sentences:
        return verdict
    known = [n for n in dict.fromkeys(cited) if n in units]
    unknown = [n for n in cited if n not in units]
    if unknown:
        verdict.refused_units.append(f"unit {unknown[0]} was not given")
    support = []
    for n in known:
        unit = units[n]
        if addresses_model(unit.text):
            verdict.refused_units.append(f"unit {n} reads as an instruction to the model, not evidence")
            continue
        if not _shares_words(unit, question):
            verdict.refused_units.append(f"unit {n} shares no word with the question")
            continue
        unmet = unit.pinned_unmet(question)
        if unmet:
            verdict.refused_units.append(f"unit {n} is not about {', '.join(unmet)} (it is from "
                                         f"{unit.document.title!r}{' › ' + unit.section if unit.section else ''})")
            continue
        support.append(unit)
    # a header field the model was not shown answers only what its label names ("Created: 09-Jan-2023" is no
    # date of acceptance)
    asked = set(terms(question))
    named = [u for u in header if set(terms(u.text[:max(u.unit.value_start - u.unit.start, 0)])) & asked]
    allowed = [u for u in [*units.values(), *named] if not addresses_model(u.text) and _shares_words(u, question)
               and not u.pinned_unmet(question)]
    for sentence in sentences:
        text = " ".join(sentence.split())
        if not any(ch.isalnum() for ch in text):
            verdict.drop("empty sentence")
            continue
        # issue 14: a unit that says the sentence is wrong, or gives another value for it, is no support
        backing = [u for u in support if not contradicts(u.text, text)]
        if support and not backing:
            reason = "its units contradict it (a correction, or another value)"
        else:
            reason = _unsupported(text, backing, question) if backing else "cites no given unit" if not known else \
                f"cites only units that do not answer the question asked ({'; '.join(verdict.refused_units)})"
        own = _own_values(text, question)
        # the units that hold what the sentence states (all of them when it states no figure or name of its own)
        holders = [u for u in backing if not own or any(not _unsupported(v, [u], question) for v in own)]
        if reason and backing and reason.startswith(("states", "names")):
            # a list the model cited in part: the other items of the same list or table make up the rest
            rest = _rest_of_section(text, question, backing, allowed)
            if rest:
                reason, holders = "", [*holders, *rest]
        if reason:
            # The model's ids were wrong but its answer may still be what a shown unit states: cite the units
            # (matching the question's constraints) that hold every value and name of the sentence.
            holding = [u for u in allowed if _own_values(text, question) and not _unsupported(text, [u], question)
                       and not contradicts(u.text, text)]
            if not holding:
                verdict.drop(f"{reason}: {text[:60]!r}")
                continue
            verdict.recited += 1
            holders = holding[:2]
        if any(k.text.lower() == text.lower() for k in verdict.kept):
            verdict.drop(f"repeats an earlier sentence: {text[:60]!r}")
            continue
        verdict.kept.append(Verified(text=text, quotes=[u.quote for u in holders]))
    return verdict


MAX_ADDED_ITEMS = 8


def _rest_of_section(text: str, question: str, cited: list["EvidenceUnit"],
                     allowed: list["EvidenceUnit"]) -> list["EvidenceUnit"]:
    """The fewest shown units of the cited units' own document and section (the other items of a list, the other
    records of a table) that hold the values and names of ``text`` the cited units lack; [] when they cannot all be
    found there. Every value of the sentence must still be stated by a unit, one list or table, cited."""
    sections = {(u.document.source, u.heading) for u in cited}
    pool = [u for u in allowed if (u.document.source, u.heading) in sections and u not in cited
            and not contradicts(u.text, text)]
    own = _own_values(text, question)

    def lacking(units: list["EvidenceUnit"]) -> int:
        return sum(1 for v in own if _unsupported(v, units, question))

    chosen: list["EvidenceUnit"] = []
    left = lacking(cited)
    while left and pool and len(chosen) < MAX_ADDED_ITEMS:
        best = min(pool, key=lambda u: lacking([*cited, *chosen, u]))
        after = lacking([*cited, *chosen, best])
        if after >= left:
            return []
        chosen.append(best)
        pool.remove(best)
        left = after
    return chosen if not _unsupported(text, [*cited, *chosen], question) else []


def _shares_words(unit: "EvidenceUnit", question: str) -> bool:
    """Whether the unit, with its title, heading path and paragraph, holds a word of the question (numbers aside):
    a unit that shares only a year or a number with the question is about something else."""
    asked = {t for t in terms(question) if not t[0].isdigit() and not t.startswith("$")}
    if not asked or asked & set(terms(f"{unit.text}\n{unit.heading}\n{unit.paragraph}")):
        return True
    # a unit that states the version or identifier the question pins is about it ("2.7.18 2020-04-20")
    pins = [c for c in constraints.of_question(question) if c.kind in ("version", "identifier")]
    return bool(pins) and not constraints.unmet(pins, unit.text)


def _own_values(text: str, question: str) -> list[str]:
    """The figures and names the sentence states that the question does not (what a unit can be found by)."""
    asked = figures(question)
    return [f for f in figures(text) if f not in asked] + [w for w in names(text) if not _word_in(w, question)]


_MEASURED = re.compile(r"(?P<cur>\$?)(?P<num>\d+(?:\.\d+)?)(?P<pct>%?)(?: (?P<mag>thousand|million|billion|trillion))?")


def _measured_by_context(figure: str, texts: list[str], support: list["EvidenceUnit"]) -> bool:
    """Whether ``figure`` ("1150 thousand", "$12 million", "76%") is a cited unit's bare number stated in the unit
    of measure that the unit's own path, its table's unit line, its heading or its lead-in paragraph gives
    ("(thousand metric tons)", "in millions of dollars", "Net import reliance as a percentage › 2023: 76")."""
    m = _MEASURED.fullmatch(figure)
    if not m or not (m.group("cur") or m.group("pct") or m.group("mag")) or unsupported_figures(m.group("num"), texts):
        return False
    around = "\n".join(f"{u.text}\n{u.heading}\n{u.paragraph}" for u in support).lower()
    return (not m.group("mag") or m.group("mag") in around) \
        and (not m.group("pct") or re.search(r"%|\bper ?cent", around) is not None) \
        and (not m.group("cur") or re.search(r"\$|\bdollars?\b", around) is not None)


def _unsupported(text: str, support: list["EvidenceUnit"], question: str) -> str:
    """Why ``support`` does not hold every value and name of the sentence ``text`` ("" when it does)."""
    texts = [u.text for u in support]
    # A value the question itself states may sit in the cited units' heading or title; its pinned version, year or
    # identifier may be met anywhere the pin check looks (``EvidenceUnit.pinned_unmet`` has held every unit here
    # to it). Every other value must be in the cited units' own text.
    pins = [c.surface for c in constraints.of_question(question) if c.kind != "name"]
    contexts = "\n".join([*(u.heading for u in support), *pins])
    asked = {a.removeprefix("month:") for a in figures(question)}
    missing = [f for f in unsupported_figures(text, texts, [u.date for u in support])
               if not (f in asked and not unsupported_figures(f, [contexts]))
               and not _measured_by_context(f, texts, support)]
    if missing:
        return f"states {', '.join(missing)} which no cited unit contains"
    unnamed = [w for w in names(text) if not any(_word_in(w, t) for t in texts) and not _word_in(w, question)]
    if unnamed:
        return f"names {', '.join(unnamed)} which no cited unit contains"
    return ""
