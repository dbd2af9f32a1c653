"""The eval report: a Markdown table per backend, every case in JSON (merged by backend), a PNG chart, and the
floors that gate CI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from .cases import CATEGORIES, DEFAULT_FLOORS
from .runner import summary
from .scorers import Result

_RATES = [("abstention_rate", "abstention rate"), ("abstention_precision", "abstention precision"),
          ("abstention_recall", "abstention recall"), ("false_premise_handled", "false premises handled"),
          ("citation_validity", "citation validity"), ("citation_precision", "citation precision"),
          ("citation_support", "citation support"), ("hit@1", "retrieval hit@1"), ("hit@8", "retrieval hit@8"),
          ("mrr", "retrieval MRR"), ("llm_dropped_share", "LLM sentences dropped")]


def table(stats: dict[str, dict[str, Any]]) -> str:
    """A Markdown table of a summary, then one line of the overall rates."""
    lines = ["| category | cases | passed | accuracy | median s |", "|---|---:|---:|---:|---:|"]
    for name, s in stats.items():
        label = f"**{name}**" if name == "all" else name
        lines.append(f"| {label} | {s['cases']} | {s['passed']} | {s['accuracy']:.0%} | {s['median_s']:.2f} |")
    a = stats["all"]
    rates = [f"{label} {a[key]:.0%}" for key, label in _RATES if a.get(key) is not None]
    rates.append(f"median latency {a['median_s']:.2f} s, p95 {a['p95_s']:.2f} s")
    if a.get("llm_tokens_per_s") is not None:
        rates.append(f"LLM {a['llm_tokens_per_s']:.1f} tokens/s (median)")
    if a.get("llm_ttft_s") is not None:
        rates.append(f"time to first token {a['llm_ttft_s']:.2f} s (median)")
    return "\n".join(lines) + "\n\n" + "; ".join(rates) + "."


# -- floors ------------------------------------------------------------------------------------------------------------
def load_floors(path: Path | str = DEFAULT_FLOORS) -> dict[str, Any]:
    """The gate: ``{"categories": {name: min accuracy}, "overall": {rate: min}, "baseline_passed": [ids]}``."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def check_floors(results: list[Result], floors: dict[str, Any]) -> list[str]:
    """One line per floor that is not met, each naming the failing cases (those that passed in the recorded
    baseline first). Empty when every floor holds."""
    stats = summary(results)
    baseline = set(floors.get("baseline_passed", []))
    problems = []
    for category, floor in floors.get("categories", {}).items():
        if category in stats and stats[category]["accuracy"] < floor:
            failed = [r for r in results if r.case.category == category and not r.passed]
            regressed = [r.case.id for r in failed if r.case.id in baseline]
            others = [r.case.id for r in failed if r.case.id not in baseline]
            problems.append(f"{category}: {stats[category]['accuracy']:.0%} < floor {floor:.0%}; regressed: "
                            f"{', '.join(regressed) or 'none'}; also failing: {', '.join(others) or 'none'}")
    for rate, floor in floors.get("overall", {}).items():
        value = stats["all"].get(rate)
        if value is not None and value < floor:
            failed = ", ".join(r.case.id for r in results if not r.passed)
            problems.append(f"{rate}: {value:.0%} < floor {floor:.0%}; failing: {failed}")
    return problems


def record_floors(results: list[Result], path: Path | str = DEFAULT_FLOORS, slack: int = 1) -> dict[str, Any]:
    """Write floors measured from ``results``: per category, the accuracy with ``slack`` fewer cases passed (one
    case of noise); overall rates a few points below measured; and the ids of the cases that passed."""
    stats = summary(results)
    floors: dict[str, Any] = {
        "note": "Measured with the extractive answerer; `assistant eval --record-floors` rewrites this file.",
        "categories": {name: round(max(0, s["passed"] - slack) / s["cases"] - 0.005, 2)
                       for name, s in stats.items() if name != "all"},
        "overall": {"accuracy": round(max(0, stats["all"]["passed"] - 2 * slack) / stats["all"]["cases"] - 0.005, 2),
                    "citation_validity": 1.0},
        "baseline_passed": sorted(r.case.id for r in results if r.passed),
    }
    for rate in ("abstention_recall", "abstention_precision", "false_premise_handled"):
        if stats["all"].get(rate) is not None:
            floors["overall"][rate] = round(max(0.0, stats["all"][rate] - 0.05), 2)
    Path(path).write_text(json.dumps(floors, indent=2) + "\n", encoding="utf-8")
    return floors


def regressions(results: list[Result], floors: dict[str, Any]) -> list[Result]:
    """Cases that passed in the recorded baseline and fail now."""
    baseline = set(floors.get("baseline_passed", []))
    return [r for r in results if r.case.id in baseline and not r.passed]


# -- files -------------------------------------------------------------------------------------------------------------
def _merge(path: Path, backend: str, run: dict[str, Any]) -> dict[str, Any]:
    """results.json holds one run per backend; this run replaces the same backend's previous one."""
    data: dict[str, Any] = {"runs": {}}
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(old.get("runs"), dict):
                data = old
        except (json.JSONDecodeError, AttributeError):
            pass
    data["runs"][backend] = run
    return data


def write_report(results: list[Result], folder: Path, backend: str = "extractive",
                 floors: dict[str, Any] | None = None) -> Path:
    """Write ``results.json`` (every case, merged by backend), ``report.md`` and ``report.png`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    stats = summary(results)
    run = {"backend": backend, "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
           "summary": stats, "cases": [r.to_dict() for r in results]}
    data = _merge(folder / "results.json", backend, run)
    (folder / "results.json").write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    runs = data["runs"]
    lines = ["# Eval report", ""]
    if len(runs) > 1:
        names = sorted(runs)
        cats = [c for c in CATEGORIES if any(c in runs[b]["summary"] for b in names)]
        lines += ["## Accuracy per category and backend", "", "| category | " + " | ".join(names) + " |",
                  "|---|" + "---:|" * len(names)]
        for cat in cats + ["all"]:
            cells = [f"{runs[b]['summary'][cat]['accuracy']:.0%}" if cat in runs[b]["summary"] else "–"
                     for b in names]
            lines.append(f"| {cat} | " + " | ".join(cells) + " |")
        lines.append("")
    for name in sorted(runs, key=lambda b: (b != backend, b)):
        lines += [f"## Backend: {name} ({runs[name]['when']})", ""]
        lines.append(table(runs[name]["summary"]) if name != backend else table(stats))
        lines.append("")
    failures = [r for r in results if not r.passed]
    if floors is not None:
        problems = check_floors(results, floors)
        regressed = regressions(results, floors)
        lines += ["## Floors", "", "All floors hold." if not problems else "\n".join(f"- {p}" for p in problems),
                  "", f"Regressed since the recorded baseline: {', '.join(r.case.id for r in regressed) or 'none'}.",
                  ""]
    lines += [f"## Failures of {backend} ({len(failures)})", ""]
    for r in failures:
        first = r.text.strip().splitlines()[0] if r.text.strip() else ""
        lines.append(f"- **{r.case.id}** ({r.case.category}): {r.case.question}  \n  {'; '.join(r.reasons)}  \n"
                     f"  answer: {first[:300]}")
    lines += ["", "![accuracy per category](report.png)", ""]
    (folder / "report.md").write_text("\n".join(lines), encoding="utf-8")
    write_chart(runs, folder / "report.png")
    return folder / "report.md"


def write_chart(runs: dict[str, dict[str, Any]], path: Path) -> Path:
    """A grouped bar chart: accuracy per category, one bar per backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = sorted(runs)
    cats = [c for c in CATEGORIES if any(c in runs[b]["summary"] for b in names)]
    cats += sorted({c for b in names for c in runs[b]["summary"] if c not in CATEGORIES and c != "all"}) + ["all"]
    width = 0.8 / len(names)
    fig, ax = plt.subplots(figsize=(max(8.0, 1.0 * len(cats)), 4.5), dpi=100)
    for i, name in enumerate(names):
        summ = runs[name]["summary"]
        xs = [j + (i - (len(names) - 1) / 2) * width for j in range(len(cats))]
        ys = [100 * summ[c]["accuracy"] if c in summ else 0.0 for c in cats]
        bars = ax.bar(xs, ys, width, label=name)
        ax.bar_label(bars, labels=[f"{y:.0f}" if c in summ else "" for y, c in zip(ys, cats)], fontsize=7)
    ax.set_xticks(range(len(cats)), cats, rotation=30, ha="right")
    ax.set_ylim(0, 109)
    ax.set_ylabel("cases passed (%)")
    ax.set_title("Eval accuracy per category")
    ax.legend(title="backend", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
