"""Deterministic scorers: answer correctness, citation support, validity and precision, retrieval, abstention.

Facts are matched after normalisation: accents and typographic dashes/quotes are folded, and every date,
percentage, number word and money amount in a text is also written out in canonical forms ("13 July 2026",
"July 13, 2026", "2026-07-13"; "twelve" → "12"), so an expected pattern written one way accepts the others. A
relative date in a quote ("July 13 this year") is resolved against the quoted document's date.

Correctness is judged on the *lead* — the first paragraph, before the quoted evidence — for short-answer
cases (dates, counts, names, conflicts, and any case marked ``in_lead``): a date that only appears inside a
quote has not been given as the answer. Lists and explanations are judged on the whole answer, because the
extractive answerer answers them with the quotes themselves.

A case over PDFs names the page(s) its answer is on; a right answer must then also cite an expected source on one
of those pages (``page_cited``), as it must cite an expected source at all: a citation to the right document but the
wrong page sends the reader to the wrong place.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable

from ..answer import facts
from ..documents import Answer
from .cases import Case

DocumentText = Callable[[str], "tuple[str, str] | None"]  # source -> (text, date) or None
_FOLD = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2018": "'", "\u2019": "'",
                       "\u201c": '"', "\u201d": '"', "\u00a0": " ", "\u202f": " "})


def fold(text: str) -> str:
    """``text`` with accents removed and typographic dashes, quotes and spaces in their ASCII form."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.translate(_FOLD)) if not unicodedata.combining(ch))


def normalise(text: str, published: str | None = None) -> str:
    """``text`` folded (accents, dashes, quotes) plus canonical spellings of the dates and numbers in it."""
    folded = fold(text)
    day = facts.parse_date(published)
    extra: list[str] = []
    for v in facts.dates(folded, day):
        if v.norm.startswith("*"):  # a date the text gives without a year: as written
            continue
        year, month, *rest = (int(p) for p in v.norm.split("-"))
        name = facts.MONTH_NAMES[month]
        extra += [f"{name} {rest[0]}, {year}", f"{rest[0]} {name} {year}", v.norm] if rest else [f"{name} {year}"]
    extra += [v.norm for v in facts.percents(folded)]
    extra += [v.norm for v in facts.counts(folded) if not v.surface[0].isdigit()]  # number words
    extra += [v.norm for v in facts.money(folded)]
    return folded + ("\n" + " ; ".join(extra) if extra else "")


def lead(text: str) -> str:
    """The first paragraph of an answer unless it is a quote (a quotes-only answer has no lead)."""
    first = text.strip().split("\n\n", 1)[0].strip()
    return "" if first.startswith(("\u201c", '"')) else first


def matches(pattern: str, text: str, published: str | None = None) -> bool:
    """Whether ``pattern`` (case-insensitive regex) is found in ``text`` after normalisation."""
    return re.search(pattern, normalise(text, published), re.I) is not None


@dataclass
class Result:
    """How one answer scored. Rates that do not apply to the case are None."""

    case: Case
    passed: bool
    abstained: bool
    correct: bool  # every expected pattern in the lead (short answers) or the answer
    cited: bool  # a citation from an expected source
    supported: bool  # an expected fact inside a cited quote
    valid: bool | None  # every quote found at its offsets in its document (None: documents not available)
    precision: float | None  # share of citations whose quote holds an expected fact
    rank: int | None  # rank of the first retrieved chunk from an expected source holding an expected fact
    premise_ok: bool | None  # adversarial cases: no forbidden claim in the lead
    seconds: float
    text: str
    reasons: list[str]
    backend: str = "extractive"
    llm: dict[str, Any] = field(default_factory=dict)
    page_cited: bool | None = None  # a citation of an expected source on an expected page (None: no page given)

    @property
    def reciprocal_rank(self) -> float | None:
        if self.case.abstain:
            return None
        return 1.0 / self.rank if self.rank else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.case.id, "category": self.case.category, "question": self.case.question,
                "passed": self.passed, "abstained": self.abstained, "should_abstain": self.case.abstain,
                "correct": self.correct, "cited": self.cited, "supported": self.supported, "valid": self.valid,
                "precision": self.precision, "rank": self.rank, "premise_ok": self.premise_ok,
                "page_cited": self.page_cited,
                "seconds": round(self.seconds, 3), "answer": self.text, "reasons": self.reasons,
                "backend": self.backend, "llm": self.llm}


def retrieval_rank(case: Case, answer: Answer, document: DocumentText | None) -> int | None:
    """1-based rank of the expected source chunk in ``answer.meta["retrieved"]``: a chunk from an expected source
    whose text holds an expected fact. None when nothing retrieved qualifies (or it cannot be checked)."""
    if document is None or case.abstain:
        return None
    for rank, hit in enumerate(answer.meta.get("retrieved", []), start=1):
        if hit.get("source") not in case.sources:
            continue
        found = document(hit["source"])
        if found is None:
            continue
        text, date = found
        chunk = text[int(hit["start"]):int(hit["end"])]
        if any(matches(p, chunk, date) for p in case.expect):
            return rank
    return None


def on_page(citation_page: str, pages: tuple[int, ...]) -> bool:
    """Whether a citation's PDF page label ("12", "12-13", "16 (printed 12)") covers one of ``pages``."""
    m = re.match(r"\s*(\d+)(?:-(\d+))?", citation_page or "")
    if not m:
        return False
    first, last = int(m.group(1)), int(m.group(2) or m.group(1))
    return any(first <= p <= last for p in pages)


def score(case: Case, answer: Answer, seconds: float = 0.0, document: DocumentText | None = None,
          backend: str = "extractive") -> Result:
    """Score one answer against its case. ``document(source)`` gives a stored document's (text, date), for
    citation validity and retrieval rank."""
    reasons: list[str] = []
    judged = lead(answer.text) if case.lead_only else answer.text
    missing = [p for p in case.expect if not matches(p, judged)]
    correct = not missing
    if missing:
        reasons.append(f"{'lead ' if case.lead_only else ''}missing {missing}")
    supporting = [c for c in answer.citations if any(matches(p, c.quote, c.date) for p in case.expect)]
    supported = not case.expect or bool(supporting)
    cited = not case.sources or any(c.source in case.sources for c in answer.citations)
    page_cited: bool | None = None
    if case.pages and not case.abstain:
        page_cited = any(c.source in case.sources and on_page(c.page, case.pages) for c in answer.citations)
    precision = (len(supporting) / len(answer.citations)) if case.expect and answer.citations else None
    valid: bool | None = None
    if document is not None:
        valid = True
        for c in answer.citations:
            found = document(c.source)
            if found is None or found[0][c.start:c.end] != c.quote:
                valid = False
                reasons.append(f"[{c.marker}] quote not found at {c.start}:{c.end} of {c.source}")
    # Forbidden claims are looked for as written (no canonical spellings added): the lead may quote a false
    # premise in order to reject it ("The sources don't support “December”"), which patterns can exclude.
    forbidden = [p for p in case.forbid if re.search(p, fold(lead(answer.text)), re.I)]
    premise_ok = (not forbidden) if case.forbid or case.category == "adversarial" else None
    if forbidden:
        reasons.append(f"lead states {forbidden}")
    if case.abstain:
        passed = answer.abstained and not forbidden
        if not answer.abstained:
            reasons.append("answered a question the sources cannot answer")
    elif answer.abstained and case.may_abstain:
        passed = not forbidden
        reasons = [r for r in reasons if r.startswith("lead states")]
    else:
        if answer.abstained:
            reasons.append("abstained on an answerable question")
        if not cited:
            reasons.append(f"cites none of {case.sources}")
        if not supported:
            reasons.append("no cited quote holds an expected fact")
        if page_cited is False and cited:
            shown = sorted({c.page or "?" for c in answer.citations if c.source in case.sources})
            reasons.append(f"cites page {', '.join(shown)}, not {'/'.join(map(str, case.pages))}")
        passed = not answer.abstained and correct and cited and supported and not forbidden and valid is not False \
            and page_cited is not False
    rank = retrieval_rank(case, answer, document)
    llm = dict(answer.meta.get("llm") or {})
    return Result(case, passed, answer.abstained, correct, cited, supported, valid, precision, rank, premise_ok,
                  seconds, answer.text, reasons, backend, llm, page_cited)
