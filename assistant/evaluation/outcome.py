"""``assistant eval`` without the command line: run the selected suites, gate each on its floors, write the report,
and say what to print. The click command only prints the lines and sets the exit code."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .. import AssistantError, Settings
from .cases import EVALS_DIR
from .corpora import SuiteRun, backend_label, run_suites
from .report import check_floors, split_summaries, table, write_reports
from .runner import summary


@dataclass
class Outcome:
    """What an eval run shows: the lines for stdout, the report written (None when every suite was skipped), the
    suites skipped (one line each) and each way a suite fell below its floors or ``min_accuracy``."""

    lines: list[str] = field(default_factory=list)
    report: Path | None = None
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def suite_lines(run: SuiteRun) -> list[str]:
    """A suite's part of the output: the floors file it wrote, its table per category and its splits' pass rates."""
    lines = [f"floors written to {run.recorded}"] if run.recorded else []
    lines.append(f"\n{run.suite.name}:\n{table(summary(run.results))}")
    splits = split_summaries(run.results)
    if splits:
        lines.append("; ".join(f"{name} {s['all']['passed']}/{s['all']['cases']} ({s['all']['accuracy']:.0%})"
                               for name, s in splits.items()))
    return lines


def suite_problems(run: SuiteRun, min_accuracy: float | None = None) -> list[str]:
    """Each category below the suite's floors, and the overall pass rate when it is below ``min_accuracy``."""
    problems = [f"{run.suite.name}: {p}" for p in (check_floors(run.results, run.floors) if run.floors else [])]
    accuracy = summary(run.results)["all"]["accuracy"]
    if min_accuracy is not None and accuracy < min_accuracy:
        failed = ", ".join(r.case.id for r in run.results if not r.passed)
        problems.append(f"{run.suite.name}: accuracy {accuracy:.1%} is below {min_accuracy:.1%}; failed: {failed}")
    return problems


def evaluate(names: Sequence[str], settings: Settings, *, categories: Sequence[str] = (),
             cases_path: Path | None = None, floors_path: Path | None = None, record: bool = False,
             min_accuracy: float | None = None, report_dir: Path | None = None, progress: bool = False,
             on_skip: Callable[[str], None] | None = None) -> Outcome:
    """Run the suites ``names`` (see :func:`run_suites` for the options), then write report.md, results.json and
    report.png into ``report_dir`` (default ``evals/``). AssistantError when no case is selected; a run whose every
    suite was skipped (its corpus absent) writes nothing and passes."""
    done = run_suites(names, settings, categories=categories, cases_path=cases_path, floors_path=floors_path,
                      record=record, progress=progress, on_skip=on_skip)
    if not done.runs:
        if done.skipped:
            return Outcome(skipped=done.skipped)
        raise AssistantError("no eval cases selected")
    out = Outcome(skipped=done.skipped)
    for run in done.runs:
        out.lines += suite_lines(run)
        out.problems += suite_problems(run, min_accuracy)
    out.report = write_reports({r.suite.name: (r.results, r.floors) for r in done.runs}, report_dir or EVALS_DIR,
                               backend_label(settings), done.skipped)
    out.lines.append(f"report: {out.report} (and {out.report.with_name('results.json').name}, "
                     f"{out.report.with_name('report.png').name})")
    return out
