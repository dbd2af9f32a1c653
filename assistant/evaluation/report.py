"""The eval report: every corpus side by side (per category, dev and held-out apart), a Markdown table per corpus
and backend, every case in JSON (merged by corpus and backend), a PNG chart, and the floors that gate CI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from .cases import CATEGORIES, DEFAULT_FLOORS, SPLITS
from .runner import summary
from .scorers import Result

_RATES = [("abstention_rate", "abstention rate"), ("abstention_precision", "abstention precision"),
          ("abstention_recall", "abstention recall"), ("false_premise_handled", "false premises handled"),
          ("citation_validity", "citation validity"), ("citation_precision", "citation precision"),
          ("citation_support", "citation support"), ("page_citation", "page citation"), ("hit@1", "retrieval hit@1"),
          ("hit@8", "retrieval hit@8"), ("mrr", "retrieval MRR"), ("llm_dropped_share", "LLM sentences dropped")]


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


def record_floors(results: list[Result], path: Path | str = DEFAULT_FLOORS, slack: int = 1,
                  command: str = "assistant eval --record-floors") -> dict[str, Any]:
    """Write floors measured from ``results``: per category, the accuracy with ``slack`` fewer cases passed (one
    case of noise); overall rates a few points below measured; and the ids of the cases that passed. ``command``
    is the one that rewrites the file (named in its note)."""
    stats = summary(results)
    floors: dict[str, Any] = {
        "note": f"Measured with the extractive answerer; `{command}` rewrites this file.",
        "categories": {name: max(0.0, round(max(0, s["passed"] - slack) / s["cases"] - 0.005, 2))
                       for name, s in stats.items() if name != "all"},
        "overall": {"accuracy": max(0.0, round(max(0, stats["all"]["passed"] - 2 * slack) / stats["all"]["cases"]
                                               - 0.005, 2)),
                    "citation_validity": 1.0},
        "baseline_passed": sorted(r.case.id for r in results if r.passed),
    }
    for rate in ("abstention_recall", "abstention_precision", "false_premise_handled", "page_citation"):
        if stats["all"].get(rate) is not None:
            floors["overall"][rate] = round(max(0.0, stats["all"][rate] - 0.05), 2)
    Path(path).write_text(json.dumps(floors, indent=2) + "\n", encoding="utf-8")
    return floors


def regressions(results: list[Result], floors: dict[str, Any]) -> list[Result]:
    """Cases that passed in the recorded baseline and fail now."""
    baseline = set(floors.get("baseline_passed", []))
    return [r for r in results if r.case.id in baseline and not r.passed]


# -- files -------------------------------------------------------------------------------------------------------------
BUNDLED = "bundled"


def split_summaries(results: list[Result]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{split: summary}`` for each split the cases carry ("dev", "heldout"); empty when they carry none."""
    return {name: summary(rs) for name in SPLITS if (rs := [r for r in results if r.case.split == name])}


def _load(path: Path) -> dict[str, Any]:
    """results.json: ``{"runs": {backend: run}}`` for the bundled suite (as before) and
    ``{"corpora": {corpus: {backend: run}}}`` for the shared corpora's suites."""
    data: dict[str, Any] = {"runs": {}, "corpora": {}}
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(old.get("runs"), dict):
                data["runs"] = old["runs"]
            if isinstance(old.get("corpora"), dict):
                data["corpora"] = old["corpora"]
        except (json.JSONDecodeError, AttributeError):
            pass
    return data


def _runs_of(data: dict[str, Any], corpus: str) -> dict[str, Any]:
    return data["runs"] if corpus == BUNDLED else data["corpora"].setdefault(corpus, {})


def write_report(results: list[Result], folder: Path, backend: str = "extractive",
                 floors: dict[str, Any] | None = None, corpus: str = BUNDLED) -> Path:
    """Write ``results.json`` (every case, merged by corpus and backend), ``report.md`` and ``report.png`` into
    ``folder`` for one suite's run."""
    return write_reports({corpus: (results, floors)}, folder, backend)


def write_reports(suites: dict[str, tuple[list[Result], dict[str, Any] | None]], folder: Path,
                  backend: str = "extractive", skipped: list[str] | tuple[str, ...] = ()) -> Path:
    """Write the report of this run's suites (``{corpus: (results, floors)}``) into ``folder``: results.json keeps
    the other corpora's and backends' latest runs, and the report shows every corpus side by side."""
    folder.mkdir(parents=True, exist_ok=True)
    data = _load(folder / "results.json")
    when = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    for corpus, (results, _) in suites.items():
        run = {"backend": backend, "when": when, "summary": summary(results),
               "splits": split_summaries(results), "cases": [r.to_dict() for r in results]}
        _runs_of(data, corpus)[backend] = run
    (folder / "results.json").write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    corpora = [BUNDLED] * bool(data["runs"]) + sorted(data["corpora"])
    lines = ["# Eval report", ""]
    lines += [f"- {line}" for line in skipped] + ([""] if skipped else [])
    columns = _columns(data, corpora, backend)
    if columns:
        lines += side_by_side(columns, backend) + [""]
    runs = data["runs"]
    if len(runs) > 1:
        names = sorted(runs)
        cats = [c for c in CATEGORIES if any(c in runs[b]["summary"] for b in names)]
        lines += ["## Accuracy per category and backend (bundled corpus)", "",
                  "| category | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
        for cat in cats + ["all"]:
            cells = [f"{runs[b]['summary'][cat]['accuracy']:.0%}" if cat in runs[b]["summary"] else "–"
                     for b in names]
            lines.append(f"| {cat} | " + " | ".join(cells) + " |")
        lines.append("")
    for corpus in corpora:
        these = _runs_of(data, corpus)
        lines += [f"## Corpus: {corpus}", ""]
        for name in sorted(these, key=lambda b: (b != backend, b)):
            lines += [f"### Backend: {name} ({these[name]['when']})", "", table(these[name]["summary"]), ""]
            splits = these[name].get("splits") or {}
            if splits:
                lines += ["; ".join(f"{split}: {s['all']['passed']}/{s['all']['cases']} "
                                    f"({s['all']['accuracy']:.0%})" for split, s in splits.items()) + ".", ""]
    for corpus, (results, floors) in suites.items():
        if floors is None:
            continue
        problems = check_floors(results, floors)
        regressed = regressions(results, floors)
        lines += [f"## Floors: {corpus}", "",
                  "All floors hold." if not problems else "\n".join(f"- {p}" for p in problems), "",
                  f"Regressed since the recorded baseline: {', '.join(r.case.id for r in regressed) or 'none'}.", ""]
    for corpus, (results, _) in suites.items():
        failures = [r for r in results if not r.passed]
        lines += [f"## Failures of {backend} on {corpus} ({len(failures)})", ""]
        for r in failures:
            first = r.text.strip().splitlines()[0] if r.text.strip() else ""
            split = f", {r.case.split}" if r.case.split else ""
            lines.append(f"- **{r.case.id}** ({r.case.category}{split}): {r.case.question}  \n"
                         f"  {'; '.join(r.reasons)}  \n  answer: {first[:300]}")
        lines.append("")
    lines += ["![accuracy per category](report.png)", ""]
    (folder / "report.md").write_text("\n".join(lines), encoding="utf-8")
    write_chart(_series(data, corpora, backend), folder / "report.png")
    return folder / "report.md"


def _columns(data: dict[str, Any], corpora: list[str], backend: str) -> list[tuple[str, dict[str, Any]]]:
    """(label, summary) per corpus for ``backend`` (another backend's run when the corpus has none for it): a
    corpus with dev/heldout splits gets a column for each split and one for all its cases."""
    columns = []
    for corpus in corpora:
        these = _runs_of(data, corpus)
        name = backend if backend in these else (sorted(these)[0] if these else None)
        if name is None:
            continue
        label = corpus if name == backend else f"{corpus} ({name})"
        splits = these[name].get("splits") or {}
        columns += [(f"{label} {split}", s) for split, s in splits.items()]
        columns.append((label if not splits else f"{label} all", these[name]["summary"]))
    return columns


def side_by_side(columns: list[tuple[str, dict[str, Any]]], backend: str) -> list[str]:
    """Markdown lines: a table with a column per corpus (and split), a row per category, then overall rates."""
    cats = [c for c in CATEGORIES if any(c in s for _, s in columns)]
    cats += sorted({c for _, s in columns for c in s if c not in CATEGORIES and c != "all"})
    lines = [f"## Every corpus side by side ({backend})", "",
             "| category | " + " | ".join(label for label, _ in columns) + " |", "|---|" + "---:|" * len(columns)]
    for cat in cats + ["all"]:
        cells = [f"{s[cat]['accuracy']:.0%} ({s[cat]['passed']}/{s[cat]['cases']})" if cat in s else "–"
                 for _, s in columns]
        lines.append(f"| {'**all**' if cat == 'all' else cat} | " + " | ".join(cells) + " |")
    for key, label in (("abstention_recall", "abstention recall"), ("abstention_precision", "abstention precision"),
                       ("citation_validity", "citation validity"), ("hit@8", "retrieval hit@8")):
        cells = [f"{s['all'][key]:.0%}" if s["all"].get(key) is not None else "–" for _, s in columns]
        lines.append(f"| *{label}* | " + " | ".join(cells) + " |")
    return lines


def _series(data: dict[str, Any], corpora: list[str], backend: str) -> dict[str, dict[str, Any]]:
    """Bars of the chart: one per corpus and split for ``backend``, plus the bundled runs of other backends."""
    series = {}
    for label, s in _columns(data, corpora, backend):
        series[label] = {"summary": s}
    for name, run in data["runs"].items():
        if name != backend:
            series.setdefault(f"{BUNDLED} ({name})", {"summary": run["summary"]})
    return series


def write_chart(runs: dict[str, dict[str, Any]], path: Path) -> Path:
    """A grouped bar chart: accuracy per category, one bar per series (corpus and split, or backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(runs)
    cats = [c for c in CATEGORIES if any(c in runs[b]["summary"] for b in names)]
    cats += sorted({c for b in names for c in runs[b]["summary"] if c not in CATEGORIES and c != "all"}) + ["all"]
    width = 0.8 / max(1, len(names))
    fig, ax = plt.subplots(figsize=(max(8.0, 1.0 * len(cats) + 0.3 * len(names)), 4.5), dpi=100)
    for i, name in enumerate(names):
        summ = runs[name]["summary"]
        xs = [j + (i - (len(names) - 1) / 2) * width for j in range(len(cats))]
        ys = [100 * summ[c]["accuracy"] if c in summ else 0.0 for c in cats]
        bars = ax.bar(xs, ys, width, label=name)
        ax.bar_label(bars, labels=[f"{y:.0f}" if c in summ else "" for y, c in zip(ys, cats)], fontsize=6)
    ax.set_xticks(range(len(cats)), cats, rotation=30, ha="right")
    ax.set_ylim(0, 109)
    ax.set_ylabel("cases passed (%)")
    ax.set_title("Eval accuracy per category")
    ax.legend(title="corpus / backend", loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
