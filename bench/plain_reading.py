"""The plain-reading baseline beside the pipeline, on the eval cases: does each stage the pipeline adds earn its place?

Baseline: the same retrieval (the top ``--chunks`` chunks, as plain text under their titles), the same model, one
instruction ("answer from the numbered passages with the exact value, or say NOT_IN_SOURCES"), no gate, no quotes.
Pipeline: ``Assistant.ask`` with the configured answerer (the model reading labelled evidence units, the gate,
verified quotes). Both are scored the same way, on value only: an answerable case is right when every ``expect``
pattern matches the first paragraph of the answer; an unanswerable one when it abstains (the baseline:
NOT_IN_SOURCES). The pipeline's right answers are also counted with a verified quote.

    python bench/plain_reading.py --corpus bundled peps whitehouse reports --sample 30
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langchain_core.messages import HumanMessage  # noqa: E402

from assistant import Settings, get_assistant  # noqa: E402
from assistant.answer.condense import Question  # noqa: E402
from assistant.answer.llm import get_chat_model  # noqa: E402
from assistant.evaluation.corpora import prepare, suite  # noqa: E402

INSTRUCTION = ("Answer the question from the numbered passages with the exact value (number, date, name) as the "
               "passages write it, in one short sentence. If the passages do not give the answer, reply "
               "NOT_IN_SOURCES.")


def plain_prompt(question: str, chunks: list, documents: dict, budget: int = 3200) -> str:
    """The numbered chunks under their titles, cut to ``budget`` characters of passage text in all (the model's
    context is 2,048 tokens)."""
    parts = []
    left = budget
    for i, hit in enumerate(chunks, start=1):
        doc = documents.get(hit.chunk.source)
        title = doc.title if doc is not None else hit.chunk.source
        text = hit.chunk.text.strip()[:max(left, 0)]
        if not text:
            break
        left -= len(text)
        parts.append(f"[{i}] {title}\n{text}")
    return f"{INSTRUCTION}\n\nPassages:\n" + "\n\n".join(parts) + f"\n\nQuestion: {question}\nAnswer:"


def right(case, first: str, abstained: bool) -> bool:
    if case.abstain:
        return abstained
    return not abstained and all(re.search(p, first, re.I) for p in case.expect)


def run(corpus: str, sample: int, chunks: int, seed: int) -> dict:
    s = suite(corpus)
    settings = prepare(s, Settings())
    assistant = get_assistant(settings)
    model = get_chat_model(settings.model_copy(update={"llm": "llamacpp"}))
    cases = [c for c in s.cases() if not c.history]
    if sample and len(cases) > sample:
        cases = random.Random(seed).sample(cases, sample)
    base_ok = pipe_ok = pipe_quoted = 0
    base_s: list[float] = []
    pipe_s: list[float] = []
    for case in cases:
        found = assistant.find(Question.plain(case.question))
        prompt = plain_prompt(case.question, found.retrieval.chunks[:chunks], found.documents)
        started = time.perf_counter()
        reply = str(model.invoke([HumanMessage(content=prompt)], max_tokens=96).content)
        base_s.append(time.perf_counter() - started)
        base_ok += right(case, reply, "NOT_IN_SOURCES" in reply.upper().replace(" ", "_"))
        started = time.perf_counter()
        answer = assistant.ask(case.question)
        pipe_s.append(time.perf_counter() - started)
        first = answer.text.split("\n\n")[0]
        ok = right(case, first, answer.abstained)
        pipe_ok += ok
        pipe_quoted += ok and (case.abstain or any(all(re.search(p, f"{first} {c.quote}", re.I) for p in case.expect)
                                                   for c in answer.citations))
    return {"corpus": corpus, "cases": len(cases), "baseline": base_ok, "pipeline": pipe_ok,
            "pipeline_quoted": pipe_quoted, "baseline_p50": statistics.median(base_s),
            "pipeline_p50": statistics.median(pipe_s)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", nargs="+", default=["bundled"])
    parser.add_argument("--sample", type=int, default=30, help="cases per corpus (0: all)")
    parser.add_argument("--chunks", type=int, default=6, help="top chunks the baseline reads")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print("| corpus | cases | plain reading (value) | pipeline (value) | pipeline right with a verified quote | "
          "plain p50 s | pipeline p50 s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for corpus in args.corpus:
        r = run(corpus, args.sample, args.chunks, args.seed)
        print(f"| {r['corpus']} | {r['cases']} | {r['baseline']}/{r['cases']} | {r['pipeline']}/{r['cases']} | "
              f"{r['pipeline_quoted']}/{r['cases']} | {r['baseline_p50']:.1f} | {r['pipeline_p50']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
