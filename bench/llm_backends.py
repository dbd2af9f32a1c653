"""Per-backend numbers on the bundled eval: accuracy, share of generated sentences dropped by the gate, answers with
nothing verified, abstention, model load, time to first verified sentence, p50/p95 full answer, tokens/s and
peak memory. Each backend runs in a child process of its own (peak memory is per backend). Prints a Markdown table.

    python bench/llm_backends.py                                     # extractive, smollm2, qwen2.5-1.5b
    python bench/llm_backends.py --limit 30 --backend extractive --backend qwen2.5-1.5b
    python bench/llm_backends.py --backend qwen2.5-0.5b --backend /models/any.gguf
    python bench/llm_backends.py --backend openai --serve qwen2.5-1.5b  # llama.cpp's server started here, over HTTP

Latencies are honest only on idle cores: the table says what `uptime` showed before and after each row.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent


def serve(model: Path, threads: int) -> tuple[subprocess.Popen, str]:
    """Start llama.cpp's OpenAI-compatible server (xllamacpp, ``assistant.answer.llm_server``) on a free port;
    return it and its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "assistant.answer.llm_server", "--model", str(model),
                             "--port", str(port), "--n-ctx", "4096", "--threads", str(threads)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the llama.cpp server did not start within 180 s")


def sample(cases: list, limit: int) -> list:
    """An evenly spaced sample of ``limit`` cases (all of them for 0)."""
    if not limit or limit >= len(cases):
        return cases
    step = len(cases) / limit
    return [cases[int(i * step)] for i in range(limit)]


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def measure_row(backend: str, limit: int, corpus: Path | None, index: Path | None, openai_url: str | None) -> dict:
    """One backend in this process: load, warm, run the sampled cases; the numbers as a dict."""
    from assistant import evaluation as evals
    from assistant import get_assistant
    from assistant.settings import Settings

    update: dict[str, object] = {}
    if corpus:
        update.update(corpus_dir=corpus, index_dir=index)
    if backend == "extractive":
        update["llm"] = "extractive"
    elif backend == "openai":
        update.update(llm="openai", openai_base_url=openai_url, openai_model="local", llm_timeout=300)
    else:
        update.update(llm="llamacpp", llm_model=backend)
    settings = Settings(**update)
    assistant = get_assistant(settings)
    load_s = None
    if settings.llm != "extractive":  # the model loaded and its system prompt evaluated, timed on their own
        from assistant.answer.llm import get_chat_model
        from assistant.answer.prompting import SYSTEM

        started = time.perf_counter()
        model = get_chat_model(settings)
        if hasattr(model, "warm"):
            model.warm(SYSTEM)
        load_s = time.perf_counter() - started
    assistant.ask("What is this corpus about?")  # index, keyword index and embeddings warm
    cases = sample(evals.load_cases(), limit)
    results = evals.run(cases, assistant.ask, evals.document_lookup(assistant), backend=settings.llm)
    stats = evals.summary(results)["all"]
    calls = [r.llm for r in results if r.llm]
    first = [c["verified_s"] for c in calls if c.get("verified_s") is not None]
    seconds = [r.seconds for r in results]
    return {"backend": backend, "cases": stats["cases"], "accuracy": stats["accuracy"],
            "dropped": stats.get("llm_dropped_share"),
            "unverified": (sum(bool(c.get("unverified")) for c in calls) / len(calls)) if calls else None,
            "model_abstained": (sum(bool(c.get("abstained")) for c in calls) / len(calls)) if calls else None,
            "model_calls": len(calls), "abstained": stats["abstention_rate"],
            "abstention_recall": stats["abstention_recall"], "load_s": load_s,
            "first_s": statistics.median(first) if first else None,
            "p50_s": _pct(seconds, 0.5), "p95_s": _pct(seconds, 0.95),
            "tokens_per_s": stats.get("llm_tokens_per_s"),
            "prompt_tokens": statistics.median([c["prompt_tokens"] for c in calls]) if calls else None,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _load() -> float:
    return os.getloadavg()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", action="append",
                        help="extractive, openai, or a model for llamacpp: qwen2.5-1.5b, qwen2.5-0.5b, smollm2, "
                             "a GGUF path (repeatable)")
    parser.add_argument("--limit", type=int, default=30, help="Evenly spaced sample of this many cases (0: all).")
    parser.add_argument("--serve", metavar="MODEL", help="Start llama.cpp's server (xllamacpp) with this model for --backend openai.")
    parser.add_argument("--openai-url")
    parser.add_argument("--corpus", type=Path, help="Another corpus folder (default: the bundled corpus).")
    parser.add_argument("--row", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.row:  # the child: one backend, one JSON line
        index = Path(os.environ["BENCH_INDEX"]) if os.environ.get("BENCH_INDEX") else None
        print(json.dumps(measure_row(args.row, args.limit, args.corpus, index, args.openai_url)))
        return

    def f(value: object, fmt: str) -> str:
        return "–" if value is None else format(value, fmt)

    print("| backend | cases | accuracy | sentences dropped | unverified | model said not in sources | abstained "
          "| load s | first verified s | p50 s | p95 s | tokens/s | prompt tokens | peak MB | load avg |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|", flush=True)
    server = None
    try:
        for name in args.backend or ["extractive", "smollm2", "qwen2.5-1.5b"]:
            url = args.openai_url
            if name == "openai" and args.serve:
                from assistant.answer.models import resolve_model

                server, url = serve(resolve_model(args.serve), 2)
            cmd = [sys.executable, __file__, "--row", name, "--limit", str(args.limit)]
            if args.corpus:
                cmd += ["--corpus", str(args.corpus)]
            if url:
                cmd += ["--openai-url", url]
            before = _load()
            out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            if out.returncode:
                print(f"| {name} | failed: {(out.stderr.strip().splitlines() or ['?'])[-1][:120]} |", flush=True)
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"| {r['backend']} | {r['cases']} | {f(r['accuracy'], '.0%')} | {f(r['dropped'], '.0%')} "
                  f"| {f(r['unverified'], '.0%')} | {f(r['model_abstained'], '.0%')} | {f(r['abstained'], '.0%')} "
                  f"| {f(r['load_s'], '.1f')} | {f(r['first_s'], '.2f')} | {f(r['p50_s'], '.2f')} "
                  f"| {f(r['p95_s'], '.2f')} | {f(r['tokens_per_s'], '.1f')} | {f(r['prompt_tokens'], '.0f')} "
                  f"| {r['peak_mb']:.0f} | {before:.1f} → {_load():.1f} |", flush=True)
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
                server = None
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
