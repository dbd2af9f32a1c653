"""Evidence recall: how often the unit that holds the answer is among the units shown to the model, against the
prompt size it costs. No model runs: retrieval and the evidence selection only.

For every answerable eval case of a suite, the question is retrieved as the assistant retrieves it and the evidence
units are selected at several character budgets; a case counts as recalled when every ``expect`` pattern matches
the shown units (with their document title and heading path). Prompt tokens are estimated at 4 characters a token
(prompt evaluation here runs at ~70 tokens/s on 2 cores).

    python bench/evidence_recall.py --corpus bundled peps whitehouse --budgets 800 1100 1600 2400 3200
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant import Settings, get_assistant  # noqa: E402
from assistant.answer.condense import Question  # noqa: E402
from assistant.answer.evidence import select  # noqa: E402
from assistant.answer.prompting import build_messages  # noqa: E402
from assistant.evaluation.corpora import prepare, suite  # noqa: E402

TOKENS_PER_S = 70.0


def recall(corpus: str, budgets: list[int], units: int, sources: int, layout: str,
           reserve: float = 0.0) -> list[dict]:
    s = suite(corpus)
    settings = prepare(s, Settings())
    assistant = get_assistant(settings)
    keyword = assistant.retriever.keyword_index()
    rows = {b: {"budget": b, "hits": 0, "in_chunks": 0, "cases": 0, "chars": []} for b in budgets}
    for case in s.cases():
        if case.abstain or case.history:
            continue
        asked = Question.plain(case.question)
        found = assistant.find(asked)
        chunk_text = "\n".join(f"{c.chunk.metadata.get('context', '')}\n{c.chunk.text}"
                               for c in found.retrieval.chunks[:sources])
        in_chunks = all(re.search(p, chunk_text, re.I) for p in case.expect)
        for b in budgets:
            sel = select(asked.query, found.retrieval, found.documents, idf=keyword.idf,
                         embed=assistant.embeddings.embed_documents, chunks=sources, limit=units, budget=b,
                         layout=layout, reserve=reserve)
            shown = "\n".join(f"{u.heading}\n{u.text}" for u in sel.units)
            row = rows[b]
            row["cases"] += 1
            row["in_chunks"] += in_chunks
            row["hits"] += all(re.search(p, shown, re.I) for p in case.expect)
            row["chars"].append(len(build_messages(asked.query, sel.units)[1].content))
    out = []
    for b in budgets:
        r = rows[b]
        chars = statistics.median(r["chars"]) if r["chars"] else 0
        out.append({"corpus": corpus, "layout": layout, "budget": b, "recall": f"{r['hits']}/{r['cases']}",
                    "in_top_chunks": f"{r['in_chunks']}/{r['cases']}", "median_prompt_chars": int(chars),
                    "est_prompt_s": round(chars / 4 / TOKENS_PER_S, 1)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", nargs="+", default=["bundled"])
    parser.add_argument("--budgets", nargs="+", type=int, default=[800, 1100, 1600, 2400, 3200])
    parser.add_argument("--units", type=int, default=40, help="most units shown (the budget usually binds first)")
    parser.add_argument("--sources", type=int, default=Settings().llm_sources)
    parser.add_argument("--layout", nargs="+", default=["units", "passages"], help="evidence layouts to compare")
    parser.add_argument("--reserve", nargs="+", type=float, default=[Settings().llm_evidence_reserve],
                        help="shares of the budget kept from the top chunks for units holding a question word "
                             "no shown chunk holds (layout passages)")
    args = parser.parse_args()
    print("| corpus | layout | reserve | evidence chars | evidence recall | answer in top chunks | "
          "median user prompt chars | est. prompt eval s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for corpus in args.corpus:
        for layout in args.layout:
            for reserve in (args.reserve if layout == "passages" else [0.0]):
                for row in recall(corpus, args.budgets, args.units, args.sources, layout, reserve):
                    print(f"| {row['corpus']} | {row['layout']} | {reserve:g} | {row['budget']} | {row['recall']} | "
                          f"{row['in_top_chunks']} | {row['median_prompt_chars']} | {row['est_prompt_s']} |",
                          flush=True)


if __name__ == "__main__":
    main()
