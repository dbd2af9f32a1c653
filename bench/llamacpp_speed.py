"""Speed of the in-process llama.cpp engine (xllamacpp) on one GGUF: model load, prompt tokens/s, time to first
token, generation tokens/s and peak RSS, for a ~600-token prompt (the project's README as the document).

    python bench/llamacpp_speed.py                        # Qwen2.5 1.5B (assistant models --prepare qwen2.5-1.5b)
    python bench/llamacpp_speed.py --model smollm2 --prompt-tokens 300

Latencies are honest only on idle cores. Measured 2026-12-07 on the 2 shared cores at a load average of 10 to 12
(other jobs' tests), Qwen2.5-Coder 1.5B Q4_K_M, xllamacpp 2026.10.11549, `--prompt-tokens 530` (605 prompt tokens):
  --threads 1: load 7.6 s; cold: TTFT 59.1 s (10 prompt tok/s), 4.9 gen tok/s; same document, new question (prefix
  reused): TTFT 1.7 s, 5.6 gen tok/s; peak RSS 1,992 MB (the 1.1 GB GGUF is memory-mapped and counted).
  --threads 2: cold TTFT 72.5 s, 0.3 to 0.6 gen tok/s: OpenMP's two threads stall when the cores are oversubscribed.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from langchain_core.messages import HumanMessage, SystemMessage  # noqa: E402

from assistant.answer.llm import ChatLlamaCppGGUF  # noqa: E402
from assistant.answer.models import resolve_model  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Print one Markdown table row per run: a cold prompt, then the same document with another question."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="qwen2.5-1.5b")
    parser.add_argument("--prompt-tokens", type=int, default=600, help="about this many prompt tokens")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    path = resolve_model(args.model)
    started = time.perf_counter()
    model = ChatLlamaCppGGUF(model_path=str(path), n_ctx=4096, n_threads=args.threads, max_tokens=args.max_tokens)
    load_s = time.perf_counter() - started
    document = (ROOT / "README.md").read_text(encoding="utf-8")[: args.prompt_tokens * 4]  # ~4 characters a token
    print(f"model {path.name}, {args.threads} threads, load {load_s:.2f} s")
    print("| run | prompt tokens | TTFT s | prompt tok/s | output tokens | gen tok/s | total s | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|")
    for run, question in (("cold", "Summarise the document in three sentences."),
                          ("same document, new question", "Which commands does the document mention?")):
        messages = [SystemMessage(content="You answer from the document only."),
                    HumanMessage(content=f"Document:\n{document}\n\nQuestion: {question}")]
        started = time.perf_counter()
        ttft, merged = None, None
        for chunk in model.stream(messages):
            if ttft is None and chunk.content:
                ttft = time.perf_counter() - started
            merged = chunk if merged is None else merged + chunk
        total = time.perf_counter() - started
        usage = merged.usage_metadata
        out = usage["output_tokens"]
        gen_rate = (out - 1) / (total - ttft) if out > 1 and ttft is not None else 0.0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"| {run} | {usage['input_tokens']} | {ttft:.2f} | {usage['input_tokens'] / ttft:.0f} | {out} | "
              f"{gen_rate:.1f} | {total:.2f} | {rss:.0f} |")


if __name__ == "__main__":
    main()
