"""The conversation set (evals/conversations.jsonl: two- and three-turn follow-ups over the bundled corpus, PEPs and
White House documents) through one answerer, scored like ``tests/test_conversations.py``. Prints one line per case
and the total.

    python bench/conversations.py --backend llamacpp
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import Settings, ask, ingest  # noqa: E402
from assistant.evaluation.cases import EVALS_DIR, load_cases  # noqa: E402
from assistant.evaluation.scorers import score  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpora"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="llamacpp")
    args = parser.parse_args()
    path = EVALS_DIR / "conversations.jsonl"
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    cases = {c.id: c for c in load_cases(path)}
    work = Path(tempfile.mkdtemp(prefix="conversations-"))
    settings: dict[str, Settings] = {"bundled": Settings(llm=args.backend, index_dir=work / "bundled-index")}
    ingest(settings=settings["bundled"], progress=False)
    for name in sorted({r["corpus"] for r in raw} - {"bundled"}):
        corpus = work / name
        corpus.mkdir()
        for f in sorted({f for r in raw if r["corpus"] == name for f in r["files"]}):
            shutil.copy(SHARED / name / f, corpus / f)
        settings[name] = Settings(llm=args.backend, corpus_dir=corpus, index_dir=work / f"{name}-index")
        ingest(settings=settings[name], progress=False)
    passed = 0
    for r in raw:
        started = time.perf_counter()
        answer = ask(r["question"], r["history"], settings=settings[r["corpus"]])
        result = score(cases[r["id"]], answer)
        lead = answer.text.split("\n")[0]
        ok = result.passed and not any(re.search(p, lead) for p in r["forbid"])
        passed += ok
        print(f"{'PASS' if ok else 'FAIL'} {r['id']} ({time.perf_counter() - started:.1f} s) {answer.query!r}",
              flush=True)
    print(f"conversations ({args.backend}): {passed}/{len(raw)}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
