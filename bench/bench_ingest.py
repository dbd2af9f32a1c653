"""Ingest of each shared corpus end to end, into a fresh store: documents, chunks, seconds, chunks/s, peak memory.

Each corpus is ingested in a child process (so its peak RSS is its own) from the eval subsets' manifests
(``evals/corpora/<name>.json``) or, with ``--whole``, from every file of the corpus folder.

    .venv/bin/python bench/bench_ingest.py                 # the eval subsets of peps and whitehouse
    .venv/bin/python bench/bench_ingest.py --whole         # all 685 PEPs and 1,722 White House files (~20 min)
    .venv/bin/python bench/bench_ingest.py --repo /tmp/old # the same run with another checkout's code (before/after)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ("peps", "whitehouse")

_CHILD = r"""
import json, sys, time
from pathlib import Path
from assistant.index.ingest import ingest
from assistant.settings import Settings
files = [Path(p) for p in json.loads(sys.argv[1])]
settings = Settings(corpus_dir=files[0].parent, index_dir=Path(sys.argv[2]))
started = time.perf_counter()
report = ingest(files, settings, progress=False)
print(json.dumps({"documents": report.documents, "chunks": report.added, "skipped": len(report.skipped),
                  "seconds": time.perf_counter() - started}))
"""


def _files(name: str, whole: bool) -> list[Path]:
    manifest = json.loads((ROOT / "evals" / "corpora" / f"{name}.json").read_text(encoding="utf-8"))
    root = (ROOT / manifest["root"]).resolve()
    if whole:
        return sorted(p for p in root.iterdir() if p.is_file() and not p.name.startswith("."))
    return [root / f for f in manifest["files"]]


def measure(name: str, whole: bool, repo: Path) -> dict:
    """Ingest one corpus into a fresh store in a child process running ``repo``'s code."""
    files = _files(name, whole)
    with tempfile.TemporaryDirectory() as index:
        env = {**os.environ, "PYTHONPATH": str(repo), "HF_HUB_OFFLINE": "1"}
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-c", _CHILD, json.dumps([str(f) for f in files]), index],
                                 stdout=subprocess.PIPE, text=True, env=env, cwd=repo)
        stdout = child.stdout.read() if child.stdout else ""
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak RSS
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        if child.returncode:
            raise SystemExit(f"{name}: the ingest child failed with exit code {child.returncode}")
    out = json.loads(stdout.strip().splitlines()[-1])
    out.update(corpus=name, files=len(files), wall=wall, peak_mb=usage.ru_maxrss / 1024)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--whole", action="store_true", help="every file of each corpus, not the eval subset")
    parser.add_argument("--repo", type=Path, default=ROOT, help="the checkout whose code ingests (default: this)")
    parser.add_argument("--corpus", choices=CORPORA, action="append", help="only this corpus (repeatable)")
    args = parser.parse_args()
    print(f"code: {args.repo}; {'whole corpora' if args.whole else 'eval subsets'}; {os.cpu_count()} cores")
    print("| corpus | files | documents | chunks | ingest s | chunks/s | process wall s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in args.corpus or CORPORA:
        r = measure(name, args.whole, args.repo.resolve())
        print(f"| {name} | {r['files']} | {r['documents']} | {r['chunks']} | {r['seconds']:.1f} | "
              f"{r['chunks'] / r['seconds']:.1f} | {r['wall']:.1f} | {r['peak_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
