"""Eval cases: questions written by reading the corpus, with the facts a right answer must contain."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..settings import PROJECT_ROOT

EVALS_DIR = PROJECT_ROOT / "evals"
DEFAULT_CASES = EVALS_DIR / "cases.jsonl"
DEFAULT_FLOORS = EVALS_DIR / "floors.json"

# The categories of the suites, in report order: the bundled suite uses the first ten; the shared corpora's suites
# (``evals/corpora/``) add "near-duplicates" (a value that sibling documents -- seven release schedules, a
# proclamation of each year -- state differently, so the right document must be told apart).
CATEGORIES = ("dates", "counts-and-percentages", "names-and-roles", "lists", "explanations", "unanswerable",
              "conflicting", "multi-turn", "adversarial", "paraphrase", "near-duplicates")
# Short-answer categories: the expected facts must be in the lead (the first paragraph, before the quotes).
LEAD_CATEGORIES = frozenset({"dates", "counts-and-percentages", "names-and-roles", "conflicting", "near-duplicates"})
# Splits: the answerer is tuned on "dev" only; "heldout" is reported apart, to show whether a change generalises;
# "fresh" is a blind split, written on documents no rule was tuned on and never looked at while developing answer
# rules (its score is reported, its failures are not studied).
SPLITS = ("dev", "heldout", "fresh")


@dataclass(frozen=True)
class Case:
    """One eval question with what a right answer must (and must not) contain.

    ``expect``: regexes (case-insensitive) that must all match; ``forbid``: regexes that must not match the lead;
    ``sources``: a citation must come from one of these; ``abstain``: the corpus lacks the answer;
    ``may_abstain``: abstaining is also right (a false premise may be corrected or declined);
    ``in_lead``: the facts must be in the lead rather than anywhere in the answer (default: by category);
    ``split``: "dev", "heldout" or "fresh" (None: the case belongs to no split, as in the bundled suite);
    ``pages``: the 1-based PDF page(s) of the expected source the answer is on (a right answer cites one of them;
    written ``"page": 12`` or ``"page": [12, 40]`` when the document states the fact on several pages).
    """

    id: str
    question: str
    category: str
    expect: list[str]
    sources: list[str]
    abstain: bool
    history: list[dict[str, str]] = field(default_factory=list)
    forbid: list[str] = field(default_factory=list)
    may_abstain: bool = False
    in_lead: bool | None = None
    split: str | None = None
    pages: tuple[int, ...] = ()

    @property
    def lead_only(self) -> bool:
        """Whether correctness is judged on the lead alone."""
        return self.category in LEAD_CATEGORIES if self.in_lead is None else self.in_lead


def load_cases(path: Path | str = DEFAULT_CASES) -> list[Case]:
    """Read the cases file (JSON lines); a malformed line raises ValueError naming the line."""
    cases = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            cases.append(Case(id=raw["id"], question=raw["question"], category=raw["category"],
                              expect=list(raw.get("expect", [])), sources=list(raw.get("sources", [])),
                              abstain=bool(raw.get("abstain", False)), history=list(raw.get("history", [])),
                              forbid=list(raw.get("forbid", [])), may_abstain=bool(raw.get("may_abstain", False)),
                              in_lead=raw.get("in_lead"), split=raw.get("split"), pages=_pages(raw.get("page"))))
            if raw.get("split") not in (None, *SPLITS):
                raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {raw.get('split')!r}")
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ValueError(f"{path}:{number}: not a valid case ({exc})") from exc
    return cases


def _pages(value: object) -> tuple[int, ...]:
    """A case's "page" field as a tuple of 1-based page numbers (absent: empty)."""
    if value is None:
        return ()
    pages = value if isinstance(value, list) else [value]
    if not pages or not all(isinstance(p, int) and not isinstance(p, bool) and p >= 1 for p in pages):
        raise ValueError(f"page must be a page number from 1 or a non-empty list of them, not {value!r}")
    return tuple(pages)
