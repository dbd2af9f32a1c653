"""What a question pins its answer to: versions, identifiers, years and named things that the cited unit, its
heading path or its document title must match.

"When was 3.8.0 final released?" is not answered from the 3.9 schedule, "the 2022 proclamation" not from the
2023 one, "bpo-43710" not from another issue. Each constraint kind is one named rule below; ``unmet`` says which
of a question's constraints a unit and its context leave unmatched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from ..text import fold_quotes

_MONTHS = ("january february march april may june july august september october november december "
           "jan feb mar apr jun jul aug sep sept oct nov dec").split()
# version: "3.8", "3.8.0", "3.10.0rc1", "3.8.0 alpha 5", "v2.1" (not a decimal such as "$1.5", "1.5%" or "1.5 million")
_VERSION = re.compile(r"(?<![\w$.,/])v?(\d+(?:\.\d+){1,3})(?:((?:a|b|rc|alpha|beta|c)\d*)|\s(alpha|beta|release candidate|"
                      r"candidate|rc)\s?(\d+))?(?![\w%]|\.\d|\s?(?:%|percent|per cent|million|billion|trillion|thousand))",
                      re.I)
# The pre-release stages as PEP 440 spells them: "3.8.0 alpha 5" is "3.8.0a5", "3.8.0 candidate 1" is "3.8.0rc1".
_STAGES = {"alpha": "a", "beta": "b", "c": "rc", "candidate": "rc", "release candidate": "rc"}


_ANY_STAGE = re.compile(r"\b(?:alpha|beta|betas|alphas|candidates?|rc|pre-?releases?)\b", re.I)


def _version_key(m: re.Match[str]) -> str:
    """A version as compared: its numbers and its pre-release stage, spelled one way ("3.8.0 alpha 5": "3.8.0a5")."""
    if m.group(3):
        return m.group(1) + _STAGES.get(m.group(3).lower(), m.group(3).lower()) + m.group(4)
    stage = re.match(r"([a-z]+)(\d*)", (m.group(2) or "").lower())
    return m.group(1) + (_STAGES.get(stage.group(1), stage.group(1)) + stage.group(2) if stage else "")


def version_spans(text: str) -> list[tuple[int, int, str]]:
    """Each version written in ``text``: its start, end and key ("3.8.0 alpha 5": "3.8.0a5")."""
    return [(m.start(), m.end(), _version_key(m)) for m in _VERSION.finditer(text)]


def _versions(text: str) -> list[tuple[str, ...]]:
    return [_components(_version_key(m)) for m in _VERSION.finditer(text)]


# identifier: a word or acronym joined to a number ("bpo-43710", "PEP 8", "Proclamation 10001", "Section 232",
# "Executive Order 14017", "RFC 2822"), not a month and day ("May 5") and not a quantity ("5 years").
_IDENTIFIER = re.compile(r"\b(?:(?P<word>[A-Z][A-Za-z]*\.?(?:\s+[A-Z][a-z]+){0,2})(?P<sep>\s?[-#:]?\s?)|(?P<lword>[a-z]{2,5})"
                         r"(?P<lsep>[-#]))(?P<number>\d+(?:-\d+)?)(?![\d.,]*\s?(?:%|percent))\b")
_YEAR = re.compile(r"(?<![\d.,$-])(1[89]\d\d|20\d\d)(?!\d|[.,]\d|%|-\d)")
_ISO_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)-[01]\d-[0-3]\d\b")  # the year of "2019-10-14"
_NAMED = re.compile(r"(?<![\w'])([A-Z][\w'\u2019&.-]*(?:\s+(?:of|the|and|for|de|van|von|der)?\s*[A-Z][\w'\u2019&.-]*)*)")
_QUESTION_WORDS = frozenset("""
what which who whom whose when where why how is are was were do does did can could will would should shall may
might has have had in on at of for by to from with according and or but the a an if as i
""".split())


@dataclass(frozen=True)
class Constraint:
    """One thing the question pins: ``kind`` is version, identifier, year or name; ``surface`` as written."""

    kind: str
    surface: str
    key: str  # what is compared: version components, "word number", the year, the lower-cased name
    of_document: bool = False  # a year that dates the document asked about ("the 2022 proclamation")


# A year that dates a document: "the 2022 Equal Pay Day proclamation", "the 2024 report", "2023's strategy".
_DOCUMENT_AFTER = re.compile(r"(?:'s|\u2019s)?\s+(?:[\w-]+\s+){0,4}?(?:proclamations?|orders?|memorand(?:um|a)|reports?|"
                             r"statements?|releases?|declarations?|strategy|plan|budget|schedule|documents?|letters?|"
                             r"speech|remarks|fact sheet|notice|guidance|rule|bill|act|summary|review|edition)\b", re.I)


@lru_cache(maxsize=1024)
def of_question(question: str) -> tuple[Constraint, ...]:
    """The constraints a question states, in order."""
    out: list[Constraint] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return not any(s < b and a < e for s, e in taken)

    for m in _VERSION.finditer(question):
        key = _version_key(m)
        if _ANY_STAGE.search(question) and not _staged(_components(key)):
            key += "*"  # "the first beta of 3.8.0": any pre-release of 3.8.0 is about it
        out.append(Constraint("version", m.group(0), key))
        taken.append(m.span())
    for m in _IDENTIFIER.finditer(question):
        word = m.group("word") or m.group("lword")
        if not free(*m.span()) or word.lower().rstrip(".") in _MONTHS or word.lower() in _QUESTION_WORDS:
            continue
        out.append(Constraint("identifier", m.group(0), _identifier_key(word, m.group("number"))))
        taken.append(m.span())
    for m in _YEAR.finditer(question):
        if free(*m.span()) and not _in_full_date(question, m.start()):
            out.append(Constraint("year", m.group(0), m.group(1),
                                  of_document=bool(_DOCUMENT_AFTER.match(question, m.end()))))
            taken.append(m.span())
    for m in _NAMED.finditer(question):
        if not free(*m.span()):
            continue
        words = [w for w in re.split(r"\s+", m.group(1)) if w]
        if m.start() == _first_word(question) and not words[0].isupper():
            words = words[1:]  # "Besides the NEC ...", "Which Indonesian ...": capitalised by its position
        while words and (words[0].lower() in _QUESTION_WORDS or words[0].lower().rstrip(".") in _MONTHS):
            words = words[1:]
        for word in (part for w in words for part in w.split("-") if part):
            bare = word.strip(".'\u2019").removesuffix("'s").removesuffix("\u2019s")
            if len(bare) >= 2 and bare.lower() not in _QUESTION_WORDS and bare.lower() not in _MONTHS:
                out.append(Constraint("name", bare, bare.lower()))
    return tuple(out)


def unmet(question: str | Sequence[Constraint], unit_text: str, context_text: str = "",
          siblings: bool = False) -> list[str]:
    """The constraints of ``question`` (a question, or constraints already read from one) that neither
    ``unit_text`` nor ``context_text`` (its heading path, document title, paragraph) matches, as written.
    ``siblings``: the question asks for a version (rule "version questions": "Which release was 3.8.0's last
    security release?"), so any release of a version's line meets it."""
    constraints = of_question(question) if isinstance(question, str) else question
    if siblings:
        constraints = [line_of(c) for c in constraints]
    haystack = f"{unit_text}\n{context_text}"
    years = set(_YEAR.findall(" ".join(c.surface for c in constraints)))  # "Fiscal Year 2024" asks of 2024 too
    majors = {_components(c.key.rstrip("*"))[0] for c in constraints if c.kind == "version"}
    return [c.surface for c in constraints if not matches(c, haystack)
            or (c.kind == "version" and not siblings and (_version_contradicted(c.key, unit_text)
                                                          or _versions_elsewhere(majors, unit_text)))
            or (c.kind == "year" and not c.of_document and _year_contradicted(years, unit_text))]


def line_of(constraint: Constraint) -> Constraint:
    """A version constraint widened to its release line ("3.8.0" to "3.8"); other constraints as they are."""
    if constraint.kind != "version":
        return constraint
    return Constraint("version", constraint.surface, ".".join(_components(constraint.key.rstrip("*"))[:2]))


def matches(constraint: Constraint, text: str) -> bool:
    """Whether ``text`` holds ``constraint`` (named rule per kind)."""
    return _RULES[constraint.kind](constraint.key, text)


def _version_matches(key: str, text: str) -> bool:
    """Versions match when one is the other with more components: "3.8" holds for "3.8.0", and "3.8.0 final"
    for a question on "3.8"; "3.1" never holds for "3.10", nor "3.9.0" for "3.8.0". A pre-release ("3.8.0 alpha
    5") is one release: only it holds for it, never its line ("3.8") nor its neighbours ("3.8.0a4")."""
    want, any_stage = _components(key.rstrip("*")), key.endswith("*")
    for have in _versions(text):
        if any_stage and _staged(have) and have[:-1] == want:
            return True  # "3.8.0b1" for "the first beta of 3.8.0"
        n = min(len(want), len(have))
        if _staged(want) and have != want:
            continue
        if n >= 2 and want[:n] == have[:n] and not (len(have) > len(want) >= 3):
            return True  # "3.8" holds for "3.8.0" and "3.8.0" for "3.8", but "2.7.18rc1" is not "2.7.18"
    return False


def _staged(components: tuple[str, ...]) -> bool:
    return not components[-1].isdigit()


def _version_contradicted(key: str, text: str) -> bool:
    """A unit that names a release of the same line other than the one asked ("3.16.0" for "3.16.2", "2.7.18rc1"
    for "2.7.18") is about that release, whatever its heading says; one that names the asked release is not.
    For a line ("3.2"), its first release is the line ("3.2", "3.2.0"); a unit naming only a later bugfix
    release ("3.2.6 final: October 11, 2014") is about that release, not about "3.2 final"."""
    want, any_stage = _components(key.rstrip("*")), key.endswith("*")
    if len(want) == 2:
        found = [have for have in _versions(text) if have[:2] == want]
        return bool(found) and all(len(have) >= 3 and have[2].isdigit() and have[2] != "0" for have in found)
    if len(want) < 3:
        return False
    same_line, exact = False, False
    for have in _versions(text):
        if have[:2] != want[:2]:
            continue
        if have == want or (len(have) < len(want) and want[:len(have)] == have) \
                or (any_stage and _staged(have) and have[:-1] == want):
            exact = True
        elif len(have) >= 3:
            same_line = True
    return same_line and not exact


def _versions_elsewhere(majors: set[str], text: str) -> bool:
    """Rule "the unit's own version", the sibling of "the unit's own year": a unit whose versions all have
    another major number than every version the question asks about ("The release of TOML 1.0.0 in January
    2021 ..." for a question on Python 3.11) speaks of another product's releases, whatever its document's
    header says. A release of another line of the same major ("until the release of Python 3.13.0" in a text on
    3.8) may date the asked one, so it is kept."""
    found = _versions(text)
    return bool(found) and all(have[0] not in majors for have in found)


def version_coarser(key: str, text: str) -> bool:
    """Whether ``text`` names the asked release's line but never the release itself ("3.16" for "3.16.2")."""
    want = _components(key.rstrip("*"))
    if len(want) < 3:
        return False
    found = _versions(text)
    return any(have == want[:len(have)] for have in found) and not any(have[:len(want)] == want for have in found)


def _identifier_matches(key: str, text: str) -> bool:
    """"PEP 8" matches "PEP 8", "PEP-8", "PEP: 8", "PEP 0008" and "pep8"; the number must be whole. A name of
    several words also matches its acronym ("Mineral Commodity Summaries 2026": "MCS 2026"), and an acronym the
    words it stands for ("SP 800-53": "Special Publication 800-53")."""
    phrase, number = key.rsplit(" ", 1)
    words = phrase.split()
    tail = rf"\s?[-#:]?\s?0*{re.escape(number)}(?![\d])(?!\.\d)"
    if re.search(rf"(?i:\b{re.escape(words[-1])}\.?){tail}", text):
        return True
    if _YEAR.fullmatch(number) and _year_matches(number, text) and all(_name_matches(w, text) for w in words):
        return True  # "Equal Pay Day 2024": the day's name, and the year in the text or its date
    if len(words) >= 2:
        initials = "".join(w[0] for w in words).upper()
        return any(m.group(1).endswith(initials) for m in re.finditer(rf"\b([A-Z]{{2,}}){tail}", text))
    if len(words) == 1 and words[0].isalpha() and 2 <= len(words[0]) <= 5:  # "SP 800-53": "Special Publication 800-53"
        spelled = r"\s+".join(rf"{ch.upper()}[a-z]+" for ch in words[0])
        return re.search(rf"\b{spelled}{tail}", text) is not None
    return False


def _year_matches(key: str, text: str) -> bool:
    return re.search(rf"(?<!\d){key}(?!\d)", text) is not None


def states_year(text: str) -> bool:
    """Whether ``text`` states any year ("2023", "FY2024", "2019-10-14")."""
    return bool(_YEAR.search(text) or _ISO_YEAR.search(text))


def _year_contradicted(asked: set[str], text: str) -> bool:
    """Rule "the unit's own year": a unit that states years, none of them one the question asks about ("In
    2021, more than 100,000 people died" for a question on 2022), speaks of those years, whatever year its
    document's title or date gives; one that states no year, or one of the asked, takes its context's for the
    rest ("the Fiscal Year 2024 budget" in the 2023 proclamation)."""
    found = set(_YEAR.findall(text)) | set(_ISO_YEAR.findall(text))
    return bool(found) and not found & asked


def _name_matches(key: str, text: str) -> bool:
    """A named thing matches a word of the text that starts the same way (the name's first five letters, or all
    of a shorter one, or four when they are 80% of it: "Japan"/"Japanese", "China"/"Chinese", "bills"/"Bill"),
    or an acronym of the text's capitalised words ("IEA": International Energy Agency)."""
    low, key = fold_quotes(text.lower()), fold_quotes(key)
    stem = key[:5] if len(key) > 5 else key
    if re.search(rf"(?<![\w]){re.escape(stem)}", low):
        return True
    if len(key) >= 5 and re.search(rf"(?<![\w]){re.escape(key[:4])}", low):
        for m in re.finditer(rf"(?<![\w]){re.escape(key[:4])}\w*", low):
            if 4 >= 0.8 * min(len(m.group(0)), len(key)):
                return True
    letters = key.replace(".", "")
    if letters.isalpha() and 2 <= len(letters) <= 6:
        initials = "".join(w[0] for w in re.findall(r"\b[A-Z][a-z]+", text)).lower()
        dotted = re.sub(r"\.", "", low)
        return letters in initials or re.search(rf"(?<![\w]){re.escape(letters)}(?![\w])", dotted) is not None
    return False


_RULES = {"version": _version_matches, "identifier": _identifier_matches, "year": _year_matches,
          "name": _name_matches}


def _components(version: str) -> tuple[str, ...]:
    parts = re.match(r"([\d.]+)(.*)", version)
    nums = tuple(parts.group(1).split(".")) if parts else (version,)
    return nums + ((parts.group(2),) if parts and parts.group(2) else ())


def _identifier_key(word: str, number: str) -> str:
    return f"{word.rstrip('.').lower()} {number.lstrip('0') or '0'}"


def _in_full_date(text: str, pos: int) -> bool:
    before = text[max(0, pos - 16):pos].lower()
    return re.search(r"(?:" + "|".join(_MONTHS) + r")\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s*$", before) is not None \
        or re.search(r"\d{1,2}\s+(?:" + "|".join(_MONTHS) + r")\.?\s*$", before) is not None


def _first_word(text: str) -> int:
    m = re.search(r"\w", text)
    return m.start() if m else 0


__all__ = ["Constraint", "matches", "of_question", "unmet", "version_coarser"]
