"""Typed values found in text: dates (with relative dates resolved), years, percentages, money, counts, durations, names.

The answerer uses these to lead with a short answer, to check that the evidence holds the kind of thing a question
asks for, and to notice when two sources give different values.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), start=1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
MONTH_NAMES = [""] + [m.capitalize() for m in
                      "january february march april may june july august september october november december".split()]
_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty".split())}
TENS_WORDS = {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
              "hundred": 100}

_DATE_PATTERNS = [
    ("mdy", re.compile(rf"\b({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b")),
    ("dmy", re.compile(rf"\b(\d{{1,2}})\s+({_MONTH})\s+(\d{{4}})\b")),
    ("iso", re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")),
    ("md_rel", re.compile(rf"\b({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?\s+(this|last|next)\s+year\b")),
    ("md", re.compile(rf"\b({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\s+\d{{4}})")),
    ("my", re.compile(rf"\b({_MONTH})\s+(\d{{4}})\b")),
    ("day_rel", re.compile(r"\b[Oo]n the (\d{1,2})(?:st|nd|rd|th)\b")),
    ("rel_month", re.compile(rf"\b([Ll]ast|[Tt]his|[Nn]ext)\s+({_MONTH})\b")),
]
_YEAR = re.compile(r"\b(19\d{2}|20\d{2})\b")
_PERCENT = re.compile(
    r"(?:(?:over|more than|about|around|roughly|nearly|almost|at least|up to|some|approximately|above|below|under)\s+)?"
    r"(\d+(?:\.\d+)?)\s?(?:%|percent\b|per cent\b)", re.I)
_MONEY = re.compile(
    r"(?:(?:more than|over|about|around|at least|up to|nearly|some)\s+)?"
    r"(?:US\s?|A|AU)?\$\s?(\d[\d,]*(?:\.\d+)?)\s?(trillion|billion|million|thousand|bn|[BMK]\b)?(?:/\s?\w+)?"
    r"|(\d[\d,]*(?:\.\d+)?)\s(trillion|billion|million)\s(?:US\s)?(?:dollars|USD|euros?)", re.I)
_DURATION = re.compile(
    r"\b(\d+|" + "|".join(NUMBER_WORDS) + r")[\s-](day|week|month|year|decade)s?\b", re.I)
_COUNT = re.compile(r"(?<![\w$.,/-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w%$]|[.,]\d|/)|\b(" + "|".join(
    list(NUMBER_WORDS)[2:]) + r")\b", re.I)


@dataclass(frozen=True)
class Value:
    """A value in a text: ``text[start:end]`` is how it is written, ``norm`` how it compares."""

    kind: str  # date, month, year, percent, money, duration, count, name
    start: int
    end: int
    surface: str
    norm: str
    display: str  # how the answer writes it (a resolved date in full)
    resolved_from: str = ""  # the relative wording it was resolved from, e.g. "July 13 this year"


def _month(token: str) -> int:
    return MONTHS[token.lower().rstrip(".")[:4] if token.lower().startswith("sept") else token.lower().rstrip(".")[:3]]


def _date_display(year: int, month: int, day: int | None) -> str:
    return f"{MONTH_NAMES[month]} {day}, {year}" if day else f"{MONTH_NAMES[month]} {year}"


def parse_date(value: str | None) -> dt.date | None:
    """A YYYY-MM-DD publication date, or None."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def dates(text: str, published: dt.date | None = None) -> list[Value]:
    """Dates and months in ``text``; "July 13 this year" and "last October" are resolved against ``published``."""
    out: list[Value] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            year = month = day = None
            rel = ""
            try:
                if kind == "mdy":
                    month, day, year = _month(m.group(1)), int(m.group(2)), int(m.group(3))
                elif kind == "dmy":
                    day, month, year = int(m.group(1)), _month(m.group(2)), int(m.group(3))
                elif kind == "iso":
                    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
                elif kind == "md_rel":
                    month, day = _month(m.group(1)), int(m.group(2))
                    if published is None:
                        continue
                    year = published.year + {"this": 0, "last": -1, "next": 1}[m.group(3).lower()]
                    rel = m.group(0)
                elif kind == "md":
                    month, day = _month(m.group(1)), int(m.group(2))
                    if published is None or day > 31:
                        continue
                    # A bare "January 13" in a news article means the publication year when that month has
                    # begun; a later month could be last year's or this year's, so it is left unresolved.
                    if month > published.month:
                        continue
                    year = published.year
                    rel = m.group(0)
                elif kind == "my":
                    month, year = _month(m.group(1)), int(m.group(2))
                elif kind == "day_rel":
                    day = int(m.group(1))
                    if published is None or day > published.day:
                        continue
                    year, month = published.year, published.month  # "on the 12th" of the month of publication
                    rel = m.group(0)
                elif kind == "rel_month":
                    month = _month(m.group(2))
                    if published is None:
                        continue
                    word = m.group(1).lower()
                    year = published.year + (-1 if word == "last" and month >= published.month else 0) + (
                        1 if word == "next" and month <= published.month else 0)
                    rel = m.group(0)
                dt.date(year, month, day or 1)
            except (ValueError, KeyError):
                continue
            norm = f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")
            out.append(Value("date" if day else "month", m.start(), m.end(), m.group(0), norm,
                             _date_display(year, month, day), rel))
            taken.append((m.start(), m.end()))
    return sorted(out, key=lambda v: v.start)


def years(text: str) -> list[Value]:
    return [Value("year", m.start(), m.end(), m.group(0), m.group(1), m.group(1)) for m in _YEAR.finditer(text)]


def percents(text: str) -> list[Value]:
    out = []
    for m in _PERCENT.finditer(text):
        number = m.group(1)
        out.append(Value("percent", m.start(), m.end(), m.group(0), f"{float(number):g}%", m.group(0)))
    return out


def money(text: str) -> list[Value]:
    out = []
    for m in _MONEY.finditer(text):
        amount = (m.group(1) or m.group(3) or "").replace(",", "")
        scale = (m.group(2) or m.group(4) or "").lower()
        scale = {"bn": "billion", "b": "billion", "m": "million", "k": "thousand"}.get(scale, scale)
        out.append(Value("money", m.start(), m.end(), m.group(0).strip(), f"${float(amount):g} {scale}".strip(),
                         m.group(0).strip()))
    return out


def durations(text: str) -> list[Value]:
    out = []
    for m in _DURATION.finditer(text):
        n = m.group(1).lower()
        n = str(NUMBER_WORDS.get(n, n))
        out.append(Value("duration", m.start(), m.end(), m.group(0), f"{n} {m.group(2).lower()}", m.group(0)))
    return out


_VOTE = re.compile(r"(?<![\w.,/-])(\d{1,3})\s?[\u2013\u2014-]\s?(\d{1,3})(?![\w%$.,/-])")
_IDENTIFIER_BEFORE = re.compile(
    r"(section|no\.|nos\.|§|fr|order|proclamation|u\.s\.c\.|article|announcement|para\.?)\s*$")


def counts(text: str, identifiers: bool = False) -> list[Value]:
    """Plain numbers that are not part of a date, year, percentage or money amount, nor (unless ``identifiers``)
    a section, statute, order or proclamation number. A tally such as a vote ("56–43") is one value."""
    blocked = [(v.start, v.end) for v in dates(text) + years(text) + percents(text) + money(text)]
    out = []
    for m in _VOTE.finditer(text):
        if not any(s <= m.start() < e for s, e in blocked) and re.search(r"\b(vote|voted|confirm\w*)\b", text, re.I):
            out.append(Value("count", m.start(), m.end(), m.group(0), f"{m.group(1)}-{m.group(2)}", m.group(0)))
            blocked.append((m.start(), m.end()))
    for m in _COUNT.finditer(text):
        if any(s <= m.start() < e for s, e in blocked):
            continue
        before = text[max(0, m.start() - 20):m.start()].lower()
        if not identifiers and _IDENTIFIER_BEFORE.search(before):
            continue
        raw = (m.group(1) or m.group(2)).lower()
        norm = str(NUMBER_WORDS.get(raw, raw.replace(",", "")))
        out.append(Value("count", m.start(), m.end(), m.group(0), norm, m.group(0)))
    return sorted(out, key=lambda v: v.start)


# -- names ------------------------------------------------------------------------------------------------------------
_TITLE_WORDS = (r"(?:Secretary(?: of (?:Commerce|the Treasury|State|Defense))?|Representative|President|Prime Minister|PM|"
                r"Minister|spokesperson|spokesman|spokeswoman|Chair(?:man|woman)?|chair|Director|Governor|Senator|"
                r"Ambassador|CEO|Commissioner|Chancellor|Premier)")
_CAP = r"[A-Z][a-z]+(?:-[A-Za-z][a-z]+)?"
_NAME_SEQ = re.compile(rf"\b{_CAP}(?:\s+(?:{_CAP}|[A-Z]\.))*\s+{_CAP}\b")
_TITLED = re.compile(rf"\b{_TITLE_WORDS}\s+({_CAP}(?:\s+{_CAP}){{0,2}})")
NOT_NAME_WORDS = frozenset("""
January February March April May June July August September October November December Monday Tuesday Wednesday
Thursday Friday Saturday Sunday The A An This That These Those In On At Of For By With From To And But Or As If
Secretary Commerce Trade Representative Representatives Department Treasury President Presidential Minister Ministry
Foreign Affairs Office House White United States State Section Act Order Executive Proclamation Federal Register
Agency International Energy Geological Survey Morning Post Times Financial South North China Chinese Global Critical
Minerals Mineral Rare Earth Earths Group Observer American Australian Australia Japan Japanese India Indian European
Union Mexico Korea Korean Canada Germany France Italy Kingdom Washington Outlook Commodity Summaries Summary Reuters
Senate Congress Defense Department Bureau Industry Security Administration Customs General Announcement Framework
Supply Processing Processed Derivative Derivatives Products Imports Adjusting Ensuring National Economic Resilience
Through Actions Immediate Measures Increase Production Finance Ministers Spokesperson Global Desk Guancha Research
Materials Mountain Pass Plan Action Summit Exclusive Statement Original Import Export Controls Chinese Malaysia
Indonesia Vietnam Thailand Saudi Arabia Myanmar Nigeria Estonia Alaska Ambler Road Pentagon Brief Background Notes
Fact Check Expansion Trade Law Firm News Note Notes Under Secretary's Sea Asia Pacific Western Investment Bank Export
Why What When Where Who How Which Today Yesterday Tomorrow Last Next Current Currently Commission Council Parliament
Chair Director Governor Senator Ambassador Chancellor Premier Minister Prime Deputy Vice Assistant Senior Junior
Representative's President's G7 EU US USA UK
""".split())


def names(text: str) -> list[Value]:
    """Person names: runs of two or more capitalised words that are not places, months or institutions, and
    single capitalised words right after a title ("Secretary Mnuchin")."""
    out: list[Value] = []
    seen: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:
        surface = text[start:end]
        words_ = surface.split()
        while words_ and words_[0].rstrip(".") in NOT_NAME_WORDS:
            start += len(words_[0]) + (len(surface) - len(surface.lstrip()))
            surface = text[start:end].lstrip()
            start = end - len(surface)
            words_ = surface.split()
        while words_ and words_[-1] in NOT_NAME_WORDS:
            words_ = words_[:-1]
            end = start + len(" ".join(words_)) if words_ else start
            surface = text[start:end]
        if not words_ or any(w in NOT_NAME_WORDS for w in words_):
            return
        if any(s < end and start < e for s, e in seen):
            return
        seen.append((start, end))
        out.append(Value("name", start, end, surface, words_[-1].lower(), surface))

    for m in _TITLED.finditer(text):
        add(m.start(1), m.end(1))
    for m in _NAME_SEQ.finditer(text):
        add(m.start(), m.end())
    return sorted(out, key=lambda v: v.start)


EXTRACTORS = {
    "date": lambda text, published: [v for v in dates(text, published) if v.kind == "date"],
    "month": lambda text, published: dates(text, published),
    "year": lambda text, published: years(text),
    "percent": lambda text, published: percents(text),
    "money": lambda text, published: money(text),
    "duration": lambda text, published: durations(text),
    "count": lambda text, published: counts(text),
    "name": lambda text, published: names(text),
}


def values(kind: str, text: str, published: dt.date | None = None) -> list[Value]:
    """Every value of ``kind`` in ``text``."""
    return EXTRACTORS[kind](text, published)
