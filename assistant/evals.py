"""The eval suite: questions with expected answers (``evals/cases.jsonl``), deterministic scorers, a report.

A case passes when the answer abstains exactly when it should, every expected pattern matches the answer text,
and (for answerable cases) at least one citation comes from an expected source and holds an expected fact.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from .documents import Answer
from .settings import PROJECT_ROOT

DEFAULT_CASES = PROJECT_ROOT / "evals" / "cases.jsonl"


@dataclass(frozen=True)
class Case:
    """One eval question with what a right answer must contain."""

    id: str
    question: str
    category: str
    expect: list[str]
    sources: list[str]
    abstain: bool
    history: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Result:
    """How one answer scored."""

    case: Case
    passed: bool
    abstained: bool
    correct: bool  # every expected pattern is in the text
    cited: bool  # a citation from an expected source (vacuously true for unanswerable cases)
    supported: bool  # an expected fact appears inside a cited quote
    seconds: float
    text: str
    reasons: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.case.id, "category": self.case.category, "question": self.case.question,
                "passed": self.passed, "abstained": self.abstained, "correct": self.correct, "cited": self.cited,
                "supported": self.supported, "seconds": round(self.seconds, 3), "answer": self.text,
                "reasons": self.reasons}


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
                              abstain=bool(raw.get("abstain", False)), history=list(raw.get("history", []))))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a valid case ({exc})") from exc
    return cases


def score(case: Case, answer: Answer, seconds: float = 0.0) -> Result:
    """Score one answer against its case (deterministic: patterns, sources, abstention)."""
    reasons = []
    patterns = [re.compile(p, re.I) for p in case.expect]
    correct = all(p.search(answer.text) for p in patterns)
    if not correct:
        missing = [p.pattern for p in patterns if not p.search(answer.text)]
        reasons.append(f"missing {missing}")
    quotes = " ".join(c.quote for c in answer.citations)
    supported = not patterns or any(p.search(quotes) for p in patterns)
    cited = not case.sources or any(c.source in case.sources for c in answer.citations)
    if case.abstain:
        passed = answer.abstained
        if not passed:
            reasons.append("answered a question the sources cannot answer")
    else:
        if answer.abstained:
            reasons.append("abstained on an answerable question")
        if not cited:
            reasons.append(f"cites none of {case.sources}")
        if not supported:
            reasons.append("no cited quote holds an expected fact")
        passed = not answer.abstained and correct and cited and supported
    return Result(case, passed, answer.abstained, correct, cited, supported, seconds, answer.text, reasons)


def run(cases: Iterable[Case], ask: Callable[..., Answer]) -> list[Result]:
    """Ask every case and score it."""
    results = []
    for case in cases:
        started = time.perf_counter()
        answer = ask(case.question, case.history or None)
        results.append(score(case, answer, time.perf_counter() - started))
    return results


def summary(results: list[Result]) -> dict[str, dict[str, float]]:
    """Per category (and "all"): cases, pass rate, abstention precision/recall inputs, median latency."""
    groups: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        groups[r.case.category].append(r)
        groups["all"].append(r)
    out = {}
    for name, rs in sorted(groups.items(), key=lambda kv: (kv[0] == "all", kv[0])):
        out[name] = {"cases": len(rs), "passed": sum(r.passed for r in rs),
                     "accuracy": sum(r.passed for r in rs) / len(rs),
                     "median_s": statistics.median(r.seconds for r in rs)}
    abstain_true = [r for r in results if r.case.abstain]
    abstained = [r for r in results if r.abstained]
    out["all"]["abstention_recall"] = (sum(r.abstained for r in abstain_true) / len(abstain_true)) if abstain_true else 1.0
    out["all"]["abstention_precision"] = (sum(r.case.abstain for r in abstained) / len(abstained)) if abstained else 1.0
    return out


def table(stats: dict[str, dict[str, float]]) -> str:
    """A Markdown table of the summary."""
    lines = ["| category | cases | passed | accuracy | median s |", "|---|---:|---:|---:|---:|"]
    for name, s in stats.items():
        lines.append(f"| {name} | {s['cases']} | {s['passed']} | {s['accuracy']:.0%} | {s['median_s']:.2f} |")
    a = stats["all"]
    lines.append(f"\nAbstention: precision {a['abstention_precision']:.0%}, recall {a['abstention_recall']:.0%}.")
    return "\n".join(lines)


def write_report(results: list[Result], folder: Path) -> Path:
    """Write ``report.md`` (table and failures) and ``results.json`` (every case) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    stats = summary(results)
    failures = [r for r in results if not r.passed]
    lines = ["# Eval report", "", table(stats), "", f"## Failures ({len(failures)})", ""]
    for r in failures:
        lines.append(f"- **{r.case.id}** ({r.case.category}): {r.case.question}  \n  {'; '.join(r.reasons)}  \n"
                     f"  answer: {r.text.splitlines()[0] if r.text else ''}")
    (folder / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "results.json").write_text(json.dumps({"summary": stats, "cases": [r.to_dict() for r in results]},
                                                    indent=2), encoding="utf-8")
    return folder / "report.md"
