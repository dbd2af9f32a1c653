"""The eval suites: the bundled corpus' own, and one per shared corpus (``../shared/corpora/``, documents nobody on
this project wrote).

A shared corpus is too large to index in CI, so each suite names a subset in a manifest,
``evals/corpora/<name>.json``: ``{"name", "root", "files": [...]}``, ``root`` relative to the project folder. The
subset holds every document a case cites plus realistic distractors (sibling release schedules, the same
proclamation in other years). It is indexed once into ``<eval_index_dir>/<name>-<hash>`` (default
``~/.cache/assistant/eval-index``); the hash covers the files' names and contents and the settings that shape an
index (chunk size and overlap, embedding model, backend and quantisation), so a changed setting never reuses a stale
index. Every run still passes the files through ``ingest``, which writes nothing when nothing changed and re-embeds
only the documents whose loaded text changed (a new loader, say).

When a corpus' root is absent (a user's fresh clone without ``../shared``) its suite is skipped with one line.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from .. import get_assistant, ingest
from ..errors import AssistantError, CorpusMissing
from ..settings import PROJECT_ROOT, Settings, cache_dir
from .cases import CATEGORIES, DEFAULT_CASES, DEFAULT_FLOORS, EVALS_DIR, Case, load_cases
from .report import BUNDLED, load_floors, record_floors
from .runner import document_lookup, run
from .scorers import Result

CORPORA_DIR = EVALS_DIR / "corpora"
SHARED = ("peps", "whitehouse", "reports")
CORPORA = (BUNDLED, *SHARED)
# Settings that change what an index holds: a change of any of them builds a new index.
_INDEX_SHAPING = ("chunk_size", "chunk_overlap", "embedding_model", "embedding_backend", "onnx_quantization",
                  "collection")



@dataclass(frozen=True)
class Suite:
    """One eval suite: its cases, its floors and (for a shared corpus) the subset of documents it indexes."""

    name: str
    cases_path: Path
    floors_path: Path
    root: Path | None = None  # None: the bundled corpus (settings.corpus_dir)
    files: tuple[str, ...] = ()

    @property
    def shared(self) -> bool:
        return self.root is not None

    def cases(self) -> list[Case]:
        return load_cases(self.cases_path)

    def floors(self) -> dict[str, Any] | None:
        return load_floors(self.floors_path) if self.floors_path.exists() else None


def suite(name: str) -> Suite:
    """The suite called ``name`` (one of :data:`CORPORA`); a shared corpus' manifest is read and checked."""
    if name == BUNDLED:
        return Suite(BUNDLED, DEFAULT_CASES, DEFAULT_FLOORS)
    if name not in SHARED:
        raise AssistantError(f"no eval corpus {name!r}; known: {', '.join(CORPORA)}, all")
    manifest_path = CORPORA_DIR / f"{name}.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        root, files = manifest["root"], manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AssistantError(f"cannot read the eval manifest {manifest_path}: {exc}") from exc
    if not files or len(set(files)) != len(files) or not all(isinstance(f, str) and f for f in files):
        raise AssistantError(f"{manifest_path}: 'files' must be a non-empty list of distinct file names")
    return Suite(name, CORPORA_DIR / f"{name}.jsonl", CORPORA_DIR / f"{name}-floors.json",
                 (PROJECT_ROOT / root).resolve(), tuple(files))


def selected(corpus: str) -> list[str]:
    """The suite names a ``--corpus`` value stands for ("all": every suite)."""
    return list(CORPORA) if corpus == "all" else [corpus]


def index_key(suite_: Suite, settings: Settings) -> str:
    """A short hash of the subset's file names and contents and the settings that shape an index."""
    if suite_.root is None:
        raise ValueError("the bundled suite uses the configured index")
    digest = hashlib.sha256()
    digest.update(json.dumps({k: str(getattr(settings, k)) for k in _INDEX_SHAPING}, sort_keys=True).encode())
    for name in sorted(suite_.files):
        digest.update(name.encode() + b"\0")
        digest.update(hashlib.sha256((suite_.root / name).read_bytes()).digest())
    return digest.hexdigest()[:16]


def index_settings(suite_: Suite, settings: Settings) -> Settings:
    """Settings for the suite's own cached index (an embedded store, whatever ``settings.chroma_url`` says: the eval
    never writes into a shared server's collection). Raises CorpusMissing when the corpus is not there."""
    if suite_.root is None:
        return settings
    if not suite_.root.is_dir():
        raise CorpusMissing(f"{suite_.name}: skipped, {_shown(suite_.root)} not found")
    missing = [f for f in suite_.files if not (suite_.root / f).is_file()]
    if missing:
        raise AssistantError(f"{suite_.name}: {len(missing)} files of the manifest are not in {_shown(suite_.root)}: "
                             f"{', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}")
    base = settings.eval_index_dir or cache_dir("eval-index")
    return settings.model_copy(update={"corpus_dir": suite_.root, "chroma_url": None,
                                       "index_dir": Path(base) / f"{suite_.name}-{index_key(suite_, settings)}"})


def prepare(suite_: Suite, settings: Settings, progress: bool = False) -> Settings:
    """Index the suite's subset (only what changed is written) and return the settings that open that index."""
    own = index_settings(suite_, settings)
    if suite_.root is None:
        return own
    report = ingest([suite_.root / f for f in suite_.files], settings=own, progress=progress)
    if report.skipped or report.documents != len(suite_.files):
        reasons = "; ".join(str(s) for s in report.skipped[:3])
        raise AssistantError(f"{suite_.name}: indexed {report.documents} of {len(suite_.files)} documents"
                             f"{': ' + reasons if reasons else ''}")
    return own


def _shown(path: Path) -> str:
    """``path`` relative to the project folder when it can be (``../shared/corpora/peps``), else as it is."""
    try:
        return str(Path("..") / path.relative_to(PROJECT_ROOT.parent))
    except ValueError:
        return str(path)


@dataclass
class SuiteRun:
    """What one suite's run produced."""

    suite: Suite
    results: list[Result]
    floors: dict[str, Any] | None
    settings: Settings
    recorded: Path | None = None  # the floors file written (record=True)


@dataclass
class EvalRun:
    """Every suite that ran, and one line for each one that was skipped."""

    runs: list[SuiteRun] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def backend_label(settings: Settings) -> str:
    """How a run is named in the report: the backend, and for a local model which one (runs of each model are kept
    side by side)."""
    if settings.llm != "llamacpp":
        return settings.llm
    return f"llamacpp:{settings.llm_model_path.name if settings.llm_model_path else settings.llm_model}"


def run_suites(names: Sequence[str], settings: Settings, *, categories: Sequence[str] = (),
               cases_path: Path | None = None, floors_path: Path | None = None, record: bool = False,
               progress: bool = False, on_skip: Callable[[str], None] | None = None) -> EvalRun:
    """Run each named suite: index its corpus (cached), ask every case, score it.

    ``categories`` keeps only those categories (an unknown one is an error only when no selected suite has it);
    ``cases_path`` and ``floors_path`` replace a single suite's own files; ``record`` writes each suite's floors
    from this run. Floors are read for the extractive answerer only, unless ``floors_path`` is given."""
    if (cases_path or floors_path) and len(names) != 1:
        raise AssistantError("--cases and --floors apply to one corpus at a time")
    if record and (categories or cases_path):
        raise AssistantError("--record-floors needs every case of a suite (no --category or --cases)")
    chosen: list[tuple[Suite, list[Case]]] = []
    for name in names:
        s = suite(name)
        try:
            cases = load_cases(cases_path or s.cases_path)
        except (OSError, ValueError) as exc:
            raise AssistantError(str(exc)) from exc
        chosen.append((s, cases))
    if categories:
        present = {c.category for _, cases in chosen for c in cases}
        unknown = sorted(set(categories) - present)
        if unknown:
            known = [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))
            raise AssistantError(f"no eval cases in categories {', '.join(unknown)}; known: {', '.join(known)}")
        chosen = [(s, [c for c in cases if c.category in categories]) for s, cases in chosen]
    out = EvalRun()
    for s, cases in chosen:
        if not cases:
            continue
        try:
            own = prepare(s, settings, progress=progress)
        except CorpusMissing as skip:
            out.skipped.append(str(skip))
            if on_skip:
                on_skip(str(skip))
            continue
        floors = None
        if floors_path or settings.llm == "extractive":
            try:
                floors = load_floors(floors_path) if floors_path else s.floors()
            except (OSError, ValueError) as exc:
                raise AssistantError(f"cannot read the floors of {s.name}: {exc}") from exc
        assistant = get_assistant(own)
        results = run(cases, assistant.ask, document_lookup(assistant), backend=backend_label(settings))
        recorded = None
        if record:
            recorded = floors_path or s.floors_path
            command = "assistant eval --record-floors" if s.name == BUNDLED else \
                f"assistant eval --corpus {s.name} --record-floors"
            floors = record_floors(results, recorded, command=command)
        out.runs.append(SuiteRun(s, results, floors, own, recorded))
    return out
