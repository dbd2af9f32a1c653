"""Typed values found in text: dates (with relative dates resolved), years, percentages, money, counts, durations, names.

The answerer uses these to lead with a short answer, to check that the evidence holds the kind of thing a question
asks for, and to notice when two sources give different values.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..index.constraints import version_spans

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
    ("dmy", re.compile(rf"\b(\d{{1,2}})(?:\s+|-)({_MONTH})(?:\s+|-)(\d{{4}})\b")),  # "5 May 2020", "09-Nov-2011"
    ("iso", re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")),
    ("md_rel", re.compile(rf"\b({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?\s+(this|last|next)\s+year\b")),
    ("md", re.compile(rf"\b({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\s+\d{{4}})")),
    ("my", re.compile(rf"\b({_MONTH})\s+(\d{{4}})\b")),
    ("day_rel", re.compile(r"\b[Oo]n the (\d{1,2})(?:st|nd|rd|th)\b")),
    ("rel_month", re.compile(rf"\b([Ll]ast|[Tt]his|[Nn]ext)\s+({_MONTH})\b")),
]
_YEAR = re.compile(r"\b(19\d{2}|20\d{2})\b")
_RELATIVE_YEAR = re.compile(r"\s+(?:this|last|next)\s+year\b", re.I)
_PERCENT = re.compile(
    r"(?:(?:over|more than|about|around|roughly|nearly|almost|at least|up to|some|approximately|above|below|under)\s+)?"
    r"(\d+(?:\.\d+)?)\s?(?:%|percent\b|per cent\b)", re.I)
_MONEY = re.compile(
    r"(?:(?:more than|over|about|around|at least|up to|nearly|some)\s+)?"
    r"(?:\b(?:US\s?|A|AU))?\$\s?((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s?(trillion|billion|million|thousand|bn|[BMK]\b)?(?:/\s?\w+)?"
    r"|((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s(trillion|billion|million)\s(?:US\s)?(?:dollars|USD|euros?)", re.I)
_DURATION = re.compile(
    r"\b(\d+(?:\.\d+)?|" + "|".join(NUMBER_WORDS) + r")[\s-](second|minute|hour|day|week|month|year|decade|century)s?\b",
    re.I)
_CENTS = re.compile(r"(?<![\w.$])(\d+(?:\.\d+)?)\s?(?:cents?\b|\u00a2)", re.I)
_SCALE = re.compile(r"\s(million|billion|trillion|thousand)\b", re.I)
_COUNT = re.compile(r"(?<![\w$.,/-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w%$]|[.,]\d|/)|\b(" + "|".join(
    list(NUMBER_WORDS)[2:]) + r")\b", re.I)


@dataclass(frozen=True)
class Value:
    """A value in a text: ``text[start:end]`` is how it is written, ``norm`` how it compares."""

    kind: str  # date, month, year, percent, money, duration, count, name, place, office, term, version
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
                    # A bare "January 13" in a news article means the publication year when that month has
                    # begun; a later month could be last year's or this year's, so its year is left unknown
                    # (rule "year-less date": the date as written, never a year the text does not give).
                    if published is None or month > published.month:
                        if _RELATIVE_YEAR.match(text, m.end()):
                            continue  # "July 13 this year" with no date to resolve it against
                        dt.date(2000, month, day)  # a real day of the month (2000 has a February 29th)
                        out.append(Value("date", m.start(), m.end(), m.group(0), f"*-{month:02d}-{day:02d}",
                                         f"{MONTH_NAMES[month]} {day} (no year given)"))
                        taken.append((m.start(), m.end()))
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
    for m in _CENTS.finditer(text):  # "82 cents for every dollar"
        out.append(Value("money", m.start(), m.end(), m.group(0), f"{float(m.group(1)):g} cents", m.group(0)))
    return sorted(out, key=lambda v: v.start)


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


# Rule "acronym numbers": a number written right after an acronym ("PEP 484", "RFC 2822", "FEMA-4709", "HR 3684")
# names a document or a case, not a quantity; currency codes ("USD 500") are amounts.
_ACRONYM_BEFORE = re.compile(r"(?<![\w.])([A-Z]{2,6})[ \u00a0-]$")
_CURRENCY_CODES = frozenset("USD EUR GBP JPY CNY RMB CAD AUD CHF INR KRW MXN BRL".split())


def _acronym_numbered(text: str, start: int) -> bool:
    m = _ACRONYM_BEFORE.search(text, max(0, start - 8), start)
    return m is not None and m.group(1) not in _CURRENCY_CODES


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
        if not identifiers and (_IDENTIFIER_BEFORE.search(before) or _acronym_numbered(text, m.start())):
            continue
        if "." in m.group(0) and re.search(r"[A-Z][\w-]*\s$", text[max(0, m.start() - 30):m.start()]):
            continue  # "Python 3.26", "Windows 10.1": a version, not a quantity
        raw = (m.group(1) or m.group(2)).lower()
        norm = str(NUMBER_WORDS.get(raw, raw.replace(",", "")))
        end = m.end()
        scale = _SCALE.match(text, end)
        if scale:  # "21 million lives": the scale is part of the number
            end, norm = scale.end(), f"{norm} {scale.group(1).lower()}"
        out.append(Value("count", m.start(), end, text[m.start():end], norm, text[m.start():end]))
    return sorted(out, key=lambda v: v.start)


# Units of measure by dimension (rule "measured dimension"): what "how far", "how heavy" or "how fast" is
# answered in. General English units, no corpus' words.
MEASURE_UNITS = {
    "length": r"feet|foot|ft|miles?|meters?|metres?|kilometers?|kilometres?|km|inch(?:es)?|yards?|centimeters?|"
              r"centimetres?|cm|millimeters?|millimetres?|mm|nautical miles?",
    "mass": r"pounds?|lbs?|tons?|tonnes?|kilograms?|kg|grams?|ounces?|oz",
    "speed": r"miles per hour|mph|kilometers per hour|kilometres per hour|km/h|knots?",
    "area": r"acres?|hectares?|square (?:miles?|kilometers?|kilometres?|feet|foot|meters?|metres?)|sq\.? ?(?:mi|km|ft)",
}
_MEASURES = {dimension: re.compile(rf"\s?(?:{units})\b", re.I) for dimension, units in MEASURE_UNITS.items()}


def measures(text: str, dimension: str) -> list[Value]:
    """Numbers of a unit of ``dimension`` ("120 feet", "605 pounds", "30 mph"), each shown with its unit."""
    out = []
    for v in counts(text):
        unit = _MEASURES[dimension].match(text, v.end)
        if unit:
            shown = text[v.start:unit.end()]
            out.append(Value("count", v.start, unit.end(), shown, f"{v.norm} {unit.group(0).strip().lower()}", shown))
    return out


# -- names ------------------------------------------------------------------------------------------------------------
# A person's name is a run of capitalised words. What tells it from a heading ("Release Schedule"), an institution
# ("Federal Emergency Management Agency") or a phrase capitalised by style is general, not a list of the corpus'
# words: (1) honorifics and role titles before it are not part of it; (2) words naming institutions, documents and
# events end or break a run; (3) a word the document itself also writes in lower case ("release", "schedule") is a
# common word, not a name.
_TITLE_WORDS = frozenset("""
mr mrs ms miss dr prof sir dame lord lady president vice secretary minister prime premier chancellor senator
representative envoy delegate congressman congresswoman governor mayor ambassador director administrator commissioner chair chairman
chairwoman chairperson spokesperson spokesman spokeswoman judge justice general admiral colonel captain lieutenant
sergeant officer deputy acting under assistant associate chief ceo cfo coo cto manager counsel attorney king queen
prince princess pope rev reverend father sister brother saint st first lady gentleman honorable hon advisor adviser
coordinator
""".split())
_INSTITUTION_WORDS = frozenset("""
agency department office administration council committee commission service services bureau institute university
college school court house senate congress parliament assembly act law laws order orders proclamation proclamations
program programme plan policy day week month year schedule guide foundation company corporation inc ltd llc group
association federal national state states united republic kingdom union government ministry bank fund force army navy
guard corps center centre centers board authority initiative project report summit conference treaty agreement
convention declaration amendment bill resolution fact sheet statement release management coordinating
hurricane typhoon storm storms tornado earthquake wildfire fire flood floods cyclone pandemic
county counties city town village district province region territory island islands borough parish
""".split())
_FUNCTION_WORDS = frozenset("""
the a an this that these those in on at of for by with from to and but or as if it its our we you they he she his her
their my today yesterday tomorrow here there when where what which who how why all every each no not now then also
""".split())
_CALENDAR_WORDS = frozenset(("january february march april may june july august september october november december "
                             "monday tuesday wednesday thursday friday saturday sunday").split())
_PARTICLES = frozenset("van von v. de der den da di du la le del della bin al ibn st.".split())
_NAME_TOKEN = re.compile(r"[A-Z\u00c0-\u00de\u0100-\u017f][\w'\u2019.-]*|\b(?:" + "|".join(
    sorted((re.escape(p) for p in _PARTICLES), key=len, reverse=True)) + r")(?=\s)")


_PORTFOLIO_BEFORE = re.compile(r"[A-Z][\w.'\u2019-]*\s+for\s+$")


def lower_words(text: str) -> frozenset[str]:
    """The words a text writes in lower case, outside e-mail addresses and links: common words, never names."""
    prose = re.sub(r"\S+@\S+|\w+://\S+|www\.\S+", " ", text)
    return frozenset(re.findall(r"(?<![\w-])[a-z][a-z'-]+", prose))


def names(text: str, common: frozenset[str] = frozenset()) -> list[Value]:
    """Person names: runs of two or more capitalised words (initials and particles such as "van" allowed inside)
    that are no institution and no common word of the document (``common``: its lower-case words), and a single
    capitalised word right after a title ("Secretary Mnuchin")."""
    out: list[Value] = []
    tokens = [(m.start(), m.end(), m.group(0)) for m in _NAME_TOKEN.finditer(text)]
    i = 0
    while i < len(tokens):
        if not tokens[i][2][0].isupper():
            i += 1
            continue
        run = [tokens[i]]
        while i + 1 < len(tokens) and text[run[-1][1]:tokens[i + 1][0]] in (" ", "\u00a0") \
                and (tokens[i + 1][2][0].isupper() or tokens[i + 1][2].lower() in _PARTICLES):
            i += 1
            run.append(tokens[i])
        i += 1
        # "Secretary of Labor Ivo Brandt": the word after "<title> of (the)" completes the title;
        # "Department of Homeland Security": what follows "<institution> of (the)" names the institution.
        before = re.search(r"([A-Za-z]+)\s+of(?:\s+the)?\s+$", text[max(0, run[0][0] - 40):run[0][0]])
        if before and before.group(1).lower() in _INSTITUTION_WORDS:
            continue
        if _PORTFOLIO_BEFORE.search(text[max(0, run[0][0] - 40):run[0][0]]):
            continue  # "Assistant to the Mayor for Public Safety": the capitals after "<Name> for" are a portfolio
        if before and before.group(1).lower() in _TITLE_WORDS:
            run = run[1:]
        out.extend(_names_in_run(text, run, common))
    return out


def _name_word(word: str, common: frozenset[str]) -> bool:
    bare = word.rstrip(".,'\u2019").removesuffix("'s").removesuffix("\u2019s")
    low = bare.lower()
    if len(bare) == 1 or (len(bare) == 2 and bare.endswith(".")):  # an initial: "R."
        return bare[0].isupper()
    return bool(bare) and bare[0].isupper() and not bare.isupper() and low not in _INSTITUTION_WORDS \
        and low not in _FUNCTION_WORDS and low not in _CALENDAR_WORDS and low not in _TITLE_WORDS \
        and low not in common and not any(ch.isdigit() for ch in bare)


def _names_in_run(text: str, run: list[tuple[int, int, str]], common: frozenset[str]) -> list[Value]:
    """The names inside one run of capitalised words: the stretches of name words, each at least two words long
    (or one word after a title)."""
    found: list[Value] = []
    stretch: list[tuple[int, int, str]] = []
    titled = False
    for k, token in enumerate(run + [(0, 0, "")]):
        word = token[2]
        if word and (_name_word(word, common) or (stretch and word.lower() in _PARTICLES and k + 1 < len(run))):
            stretch.append(token)
            continue
        while stretch and stretch[-1][2].lower() in _PARTICLES:
            stretch.pop()
        initials = sum(1 for t in stretch if len(t[2].rstrip(".")) == 1)
        if len(stretch) - initials >= 2 or (len(stretch) == 1 and titled and len(stretch[0][2]) > 2):
            start, end = stretch[0][0], stretch[-1][1]
            surface = text[start:end].rstrip(".,'\u2019")
            if surface.endswith(("'s", "\u2019s")):
                surface = surface[:-2]
            end = start + len(surface)
            found.append(Value("name", start, end, surface, surface.split()[-1].lower(), surface))
        stretch = []
        titled = bool(word) and word.rstrip(".").lower() in _TITLE_WORDS
    return found


# -- offices ------------------------------------------------------------------------------------------------------
# An office is named by its capitalised title ("Director", "Coordinator", "Trustee"), with the capitalised words
# before it that qualify it ("Harbour District Water Coordinator") and the complements after it that say whose or of
# what ("Assistant to the Mayor for Housing Policy", "Director of the Office of Parks and Recreation"). "and" inside a
# complement joins the words of one name ("Parks and Recreation") unless "the" or another title follows it ("...
# Housing Policy and Director of ...", "Secretary of Finance and the Port Commissioner": two offices).
_OFFICE_HEADS = ("Assistant|Director|Secretary|Coordinator|Advisor|Adviser|Administrator|Chair|Chairman|Chairwoman|"
                 "Chairperson|Co[-\u2011]Chair|Vice Chair|Representative|Commissioner|Counsel|Officer|Manager|"
                 "Ambassador|Governor|President|Envoy|Delegate|Spokesperson|Minister|Attorney General|Chief|"
                 "Comptroller|Inspector General|Treasurer|Trustee|Clerk|Librarian|Archivist|Registrar|Auditor|Surgeon General")
# The words of roles: the title words above and the office heads ("Secretary", "Manager", "Coordinator", ...).
OFFICE_WORDS = _TITLE_WORDS | frozenset(w.lower() for w in re.split(r"[|\s]", _OFFICE_HEADS) if w.isalpha())
_CAP = r"(?:U\.S\.|[A-Z][\w'\u2019&\u2011-]*)"
_HEAD = rf"(?:{_OFFICE_HEADS})(?:e?s)?(?![\w'\u2019\u2011-])"
_JOINS = rf"(?:\s+(?:of|for|on|the|&|and(?!\s+the\b)(?!\s+(?:{_CAP}\s+){{0,3}}{_HEAD})))"
# an initial ("W." of the name that follows the office) ends the complement
_COMPLEMENT = rf"(?:\s+(?:to|of|for|on)\s+(?:the\s+)?{_CAP}(?:{_JOINS}*\s+(?!{_HEAD}|[A-Z]\.){_CAP})*)"
_OFFICE = re.compile(rf"(?<![\w'\u2019\u2011-])(?:{_CAP}\s+){{0,3}}?{_HEAD}{_COMPLEMENT}{{0,3}}")
_NOT_QUALIFIERS = frozenset("each every any such there in with by from".split())


def versions(text: str) -> list[Value]:
    """Version numbers ("3.5", "3.8.0", "3.10.0rc1", "3.8.0 alpha 5"; no decimal amount such as "1.5%")."""
    return [Value("version", a, b, text[a:b], key, text[a:b]) for a, b, key in version_spans(text)]


# -- terms a text gives a thing -------------------------------------------------------------------------------------
# Rule "called term": the name a text gives a thing is what follows "known as", "referred to as", "called",
# "dubbed" ..., in quotes ("became informally known as "the walrus operator"", "referred to as “ghost guns.”").
_CALLED = re.compile(r"\b(?:known|referred\s+to|called|named|dubbed|nicknamed|termed|labell?ed|styled)(?:\s+as)?"
                     r"\s+(?:the\s+)?[\"\u201c\u2018']([^\"\u201d\u2019'\n]{1,80}?)[.,;:!?]?[\"\u201d\u2019']")


def called_terms(text: str) -> list[Value]:
    """The terms a text says a thing is called, known or referred to as (quoted after the verb)."""
    out = []
    for m in _CALLED.finditer(text):
        surface = m.group(1).strip()
        if surface:
            start = m.start(1) + m.group(1).find(surface)
            out.append(Value("term", start, start + len(surface), surface, surface.lower(), surface))
    return out


def offices(text: str) -> list[Value]:
    """Offices named by title ("the Assistant to the Mayor for Housing Policy", "Harbour District Water
    Coordinator", "the Director of the Office of Parks and Recreation"), without their article: who holds a role
    when a text names no person. Offices listed together ("A, B, and C shall serve as Trustees") are values of
    their own (``picking.office_holders`` reads the series). A capital that only starts the sentence ("The", "In", "Each") is
    no part of an office."""
    found: list[tuple[int, int]] = []
    for m in _OFFICE.finditer(text):
        start, end = m.start(), m.end()
        before = re.search(r"([A-Za-z]+)\s+of(?:\s+the)?\s+$", text[max(0, start - 40):start])
        if before and before.group(1).lower() in _INSTITUTION_WORDS:
            continue  # "the Office of the Mayor": the office names an institution
        while True:
            first = re.match(r"(\S+)\s+", text[start:end])
            if not first or first.group(1).lower() not in _FUNCTION_WORDS | _NOT_QUALIFIERS:
                break
            start += first.end()
        found.append((start, end))
    return [Value("office", a, b, text[a:b], text[a:b].lower(), text[a:b]) for a, b in found]



# A place is a capitalised run after a word of location ("in", "at", "near", "over", "from"), with its state or
# country after a comma ("Kitty Hawk, North Carolina").
_PLACE_WORD = r"[A-Z][\w'\u2019-]*"
_INITIALS = r"(?:[A-Z]\.){1,3}"  # "D.C.": only alone or last, since any other full stop ends the run
_PLACE_RUN = rf"(?:{_INITIALS}|{_PLACE_WORD}(?:\s+(?:of\s+)?{_PLACE_WORD})*)"
_LOCATED = re.compile(rf"\b(?:in|at|near|over|from)\s+(?:the\s+)?({_PLACE_RUN}(?:,\s+{_PLACE_RUN})?)")


def places(text: str) -> list[Value]:
    """Places in a text: what follows a word of location ("in Dayton, Ohio", "over Kitty Hawk, North Carolina")
    unless it is a month, a day, a title or an institution ("in December", "at the Agency")."""
    out: dict[int, Value] = {}
    for m in _LOCATED.finditer(text):
        surface = m.group(1)
        first = surface.split()[0].lower().rstrip(",")
        last = re.split(r"[\s,]+", surface)[-1].lower()
        if first in _CALENDAR_WORDS or first in _TITLE_WORDS or last in _INSTITUTION_WORDS - _PLACE_HEADS \
                or first in _FUNCTION_WORDS:
            continue
        out[m.start(1)] = Value("place", m.start(1), m.start(1) + len(surface), surface, surface.lower(), surface)
    return sorted(out.values(), key=lambda v: v.start)


_PLACE_HEADS = frozenset("county counties city town village district province region territory island islands state "
                         "states borough parish".split())


def same_value(a: Value, b: Value) -> bool:
    """Whether two values say the same thing: equal, or a date within a month ("July 13, 2026" and "July 2026")."""
    if a.norm == b.norm:
        return True
    if a.kind in ("date", "month") and b.kind in ("date", "month"):
        return a.norm.startswith(b.norm) or b.norm.startswith(a.norm)
    return False


EXTRACTORS = {
    "date": lambda text, published: [v for v in dates(text, published) if v.kind == "date"],
    "month": lambda text, published: dates(text, published),
    "year": lambda text, published: years(text),
    "percent": lambda text, published: percents(text),
    "money": lambda text, published: money(text),
    "duration": lambda text, published: durations(text),
    "count": lambda text, published: counts(text),
    "name": lambda text, published: names(text),  # the answerer passes the document's lower-case words
    "place": lambda text, published: places(text),
    "office": lambda text, published: offices(text),
    "term": lambda text, published: called_terms(text),
    "version": lambda text, published: versions(text),
}


def values(kind: str, text: str, published: dt.date | None = None) -> list[Value]:
    """Every value of ``kind`` in ``text``."""
    return EXTRACTORS[kind](text, published)
