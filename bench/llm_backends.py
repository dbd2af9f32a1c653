"""Per-backend eval numbers: accuracy, share of generated sentences dropped by verification, abstention rate, median
latency, tokens/s and time to first token. Prints a Markdown table.

    python bench/llm_backends.py                                  # extractive and llamacpp (bundled SmolLM2)
    python bench/llm_backends.py --backend openai --serve         # openai via a llama_cpp.server it starts
    python bench/llm_backends.py --backend openai --openai-url http://127.0.0.1:11434/v1 --openai-model qwen2.5:3b
    python bench/llm_backends.py --limit 15                       # an evenly spaced sample of the cases
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant import evals  # noqa: E402
from assistant.engine import get_assistant  # noqa: E402
from assistant.llm import default_gguf  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def serve(model: Path, threads: int) -> tuple[subprocess.Popen, str]:
    """Start llama-cpp-python's OpenAI-compatible server on a free port; return it and its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
                             "--port", str(port), "--n_ctx", "4096", "--n_threads", str(threads), "--model_alias",
                             "local"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("llama_cpp.server did not start within 180 s")


def measure(settings: Settings, cases: list[evals.Case]) -> dict[str, object]:
    """The eval runner's own scores and summary for one backend (the model loaded and warmed first)."""
    assistant = get_assistant(settings)
    assistant.ask(cases[0].question)  # warm: model loaded, caches filled
    results = evals.run(cases, assistant.ask, evals.document_lookup(assistant), backend=settings.llm)
    stats = evals.summary(results)["all"]
    calls = [r.llm for r in results if r.llm]
    return {"backend": settings.llm, "cases": stats["cases"], "accuracy": stats["accuracy"],
            "dropped": stats.get("llm_dropped_share"),
            "fallback": (stats["llm_fallbacks"] / len(calls)) if calls else None,
            "model_calls": len(calls), "abstained": stats["abstention_rate"], "median_s": stats["median_s"],
            "tokens_per_s": stats.get("llm_tokens_per_s"), "ttft_s": stats.get("llm_ttft_s")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", action="append", choices=["extractive", "llamacpp", "openai"])
    parser.add_argument("--limit", type=int, default=0, help="Evenly spaced sample of this many cases.")
    parser.add_argument("--serve", action="store_true", help="Start llama_cpp.server for the openai backend.")
    parser.add_argument("--openai-url")
    parser.add_argument("--openai-model", default="local")
    parser.add_argument("--model-path", type=Path, help="GGUF for llamacpp / --serve (default: bundled SmolLM2).")
    args = parser.parse_args()
    cases = evals.load_cases()
    if args.limit and args.limit < len(cases):
        step = len(cases) / args.limit
        cases = [cases[int(i * step)] for i in range(args.limit)]
    def f(value: object, fmt: str) -> str:
        return "–" if value is None else format(value, fmt)

    print(f"{len(cases)} eval cases\n")
    print("| backend | accuracy | sentences dropped | fallback to extractive | abstained | median s | tokens/s | TTFT s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|", flush=True)
    server = None
    try:
        for name in args.backend or ["extractive", "llamacpp"]:
            update: dict[str, object] = {"llm": name}
            if args.model_path:
                update["llm_model_path"] = args.model_path
            if name == "openai":
                url = args.openai_url
                if args.serve:
                    server, url = serve(args.model_path or default_gguf(), Settings().llm_threads)
                update.update(openai_base_url=url, openai_model=args.openai_model, llm_timeout=300)
            r = measure(Settings(**update), cases)  # each row as soon as it is measured
            print(f"| {r['backend']} | {f(r['accuracy'], '.0%')} | {f(r['dropped'], '.0%')} | {f(r['fallback'], '.0%')} "
                  f"| {f(r['abstained'], '.0%')} | {f(r['median_s'], '.2f')} | {f(r['tokens_per_s'], '.1f')} "
                  f"| {f(r['ttft_s'], '.2f')} |", flush=True)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
