"""Prompt evaluation speed of the in-process llama.cpp engine (xllamacpp) under its engine settings: flash attention
(auto, off, on) and the micro-batch size, on one ~1,200-token prompt (the project's README as the document), each
prompt evaluated twice from scratch (no prompt cache).

    python bench/llamacpp_settings.py                 # Qwen2.5 1.5B, 2 threads

The answerer's time to its first token is almost all prompt evaluation (~1,000 tokens of evidence and question), so
this says whether an engine setting, rather than a smaller prompt, can bring it under the 5 s target.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.answer.models import resolve_model  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FLASH = {-1: "auto", 0: "off", 1: "on"}


def measure(path: Path, flash: int, ubatch: int, threads: int, document: str) -> list[tuple[int, float]]:
    """(prompt tokens, prompt tokens/s) for two cold prompts on a server started with these settings."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.n_ctx, params.n_parallel = 2048, 1
    params.cpuparams.n_threads = params.cpuparams_batch.n_threads = threads
    params.cache_prompt, params.warmup, params.verbosity = False, False, -1
    params.hostnames, params.port = ["127.0.0.1"], 0
    params.flash_attn_type, params.n_ubatch = flash, ubatch
    server = xllamacpp.Server(params)
    out = []
    for i in range(2):
        request = {"messages": [{"role": "user", "content": f"({i}) {document}\nSummarise it in one line."}],
                   "max_tokens": 8, "cache_prompt": False}
        started = time.perf_counter()
        reply = server.handle_chat_completions(request)
        seconds = time.perf_counter() - started
        tokens = reply["usage"]["prompt_tokens"]
        out.append((tokens, reply.get("timings", {}).get("prompt_per_second") or tokens / seconds))
    del server
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="qwen2.5-1.5b")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--chars", type=int, default=4200, help="characters of the README used as the document")
    args = parser.parse_args()
    path = resolve_model(args.model)
    document = (ROOT / "README.md").read_text(encoding="utf-8")[: args.chars]
    print(f"model {path.name}, {args.threads} threads")
    print("| flash attention | micro-batch | prompt tokens | prompt tok/s (two runs) | s for 1,000 tokens |")
    print("|---|---:|---:|---|---:|")
    for flash, ubatch in ((-1, 512), (0, 512), (1, 512), (-1, 256), (-1, 1024)):
        runs = measure(path, flash, ubatch, args.threads, document)
        rates = [rate for _, rate in runs]
        print(f"| {FLASH[flash]} | {ubatch} | {runs[0][0]} | {' / '.join(f'{r:.0f}' for r in rates)} | "
              f"{1000 / (sum(rates) / len(rates)):.1f} |", flush=True)


if __name__ == "__main__":
    main()
