"""Speed and memory of the two embedding backends, measured in one run: prints a table, writes speed-results.md.

    .venv/bin/python bench/bench_speed.py                 # a few minutes on 2 cores
    .venv/bin/python bench/bench_speed.py --before-ref 5fde3c0   # also time the CLI of an older commit

What is measured (each part in fresh interpreters, so imports and memory are those of a real process):
- cold ``assistant ask`` on the built corpus index: wall time and peak RSS, torch backend vs onnx backend
  (and, with ``--before-ref``, the code of that git commit); also ``assistant --help``;
- encoder throughput on the same chunks (~800-character windows of the corpus): the PyTorch fp32 encoder
  (sentence-transformers through LangChain, batches of 32 as ingest sends them, and 64) vs the ONNX encoder;
  wall and CPU time, since CPU time is less disturbed by other processes on a shared machine;
- end-to-end ingest of the same synthetic documents into Chroma (chunks per second), both backends;
- quality on the eval set: answer accuracy, abstention, and retrieval hit@1 / hit@k of the expected sources;
- warm ``ask`` at N chunks (default 10,000; real corpus + synthetic documents, see ``synthetic_store``):
  p50 / p95 over repeated questions, the first question (which builds the BM25 index), peak RSS.

The synthetic documents are the corpus's sentences shuffled into new documents; their chunk vectors are the
normalised mean of their sentences' vectors (encoding 10,000 chunks for real would take minutes). This helper
lives here because the scale issue's ``bench/synthetic.py`` had not landed when this was written.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "When is the deadline for the negotiations?"
WARM_QUESTIONS = [
    "When is the deadline for the negotiations?",
    "How many days do trading partners have to reach agreements?",
    "Who is the Secretary of Commerce?",
    "What share of global rare earth production did China account for in 2023?",
    "Which Foreign Ministry spokesperson responded to the G7 statement?",
    "What tariff rate will be imposed if talks fail?",
    "For how many critical minerals is the US completely reliant on imports?",
    "What is the capital of France?",
    "Who is the U.S. Trade Representative?",
    "What did the G7 finance ministers agree on?",
]


# -- helpers --------------------------------------------------------------------------------------------------------

def _env(backend: str, index_dir: Path, corpus_dir: Path = ROOT / "corpus", pythonpath: Path = ROOT) -> dict:
    env = dict(os.environ, PYTHONPATH=str(pythonpath), ASSISTANT_EMBEDDING_BACKEND=backend,
               ASSISTANT_INDEX_DIR=str(index_dir), ASSISTANT_CORPUS_DIR=str(corpus_dir), HF_HUB_OFFLINE="1",
               TOKENIZERS_PARALLELISM="false")
    return env


def run_child(args: list[str], env: dict, cwd: Path = ROOT) -> dict:
    """Run a process and read its own wall time, CPU time and peak RSS through wait4."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed ({proc.returncode}): {err.strip()[-500:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024, "stdout": out}


def worker(name: str, *args: str, env: dict) -> dict:
    """Run one of this file's workers in a fresh interpreter; its last stdout line is JSON."""
    got = run_child([sys.executable, str(Path(__file__).resolve()), "--worker", name, *args], env)
    result = json.loads(got["stdout"].strip().splitlines()[-1])
    result["process_rss_mb"] = got["rss_mb"]
    return result


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


# -- workers (run in their own interpreter) -----------------------------------------------------------------------------

def _windows(n: int) -> list[str]:
    """``n`` texts of about 800 characters: overlapping windows over the corpus, cut at spaces."""
    from assistant.load.loaders import discover, load

    files, _ = discover([ROOT / "corpus"], ROOT / "corpus")
    texts: list[str] = []
    for f in files:
        text = load(f, 10**8).text
        i = 0
        while i + 800 <= len(text):
            cut = text.rfind(" ", i + 600, i + 800)
            texts.append(text[i:cut if cut > 0 else i + 800])
            i += 160
    while len(texts) < n:
        texts += texts
    return texts[:n]


def worker_encode(n: str) -> dict:
    """Encoder throughput on the same chunks: torch fp32 (batch 32 and 64) vs onnx; and their mean cosine."""
    import numpy as np

    from assistant.index.embeddings import get_embeddings
    from assistant.settings import DEFAULT_EMBEDDING_MODEL, Settings

    texts = _windows(int(n))
    settings = Settings()
    torch_e = get_embeddings(DEFAULT_EMBEDDING_MODEL, "torch")
    onnx_e = get_embeddings(DEFAULT_EMBEDDING_MODEL, "onnx", str(settings.encoder_cache_dir or "") or None,
                            settings.onnx_quantization, settings.embedding_threads)
    torch_e.embed_documents(texts[:8])
    onnx_e.embed_documents(texts[:8])

    def batched(embed, size):
        def go():
            out = []
            for i in range(0, len(texts), size):
                out += embed(texts[i:i + size])
            return out
        return go

    methods = {"torch-32": batched(torch_e.embed_documents, 32), "torch-64": batched(torch_e.embed_documents, 64),
               "onnx-32": batched(onnx_e.embed_documents, 32), "onnx-64": batched(onnx_e.embed_documents, 64)}
    best: dict[str, tuple[float, float]] = {}
    vectors = {}
    for _ in range(2):  # interleaved rounds, best of each: fairer on a shared machine
        for key, go in methods.items():
            wall, cpu = time.perf_counter(), time.process_time()
            vectors[key] = go()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            old = best.get(key, (1e9, 1e9))
            best[key] = (min(old[0], wall), min(old[1], cpu))
    t, o = np.array(vectors["torch-32"]), np.array(vectors["onnx-32"])
    cosine = (t * o).sum(1)
    return {"chunks": len(texts), "mean_chars": sum(map(len, texts)) / len(texts),
            "rates": {k: {"wall": len(texts) / w, "cpu": len(texts) / c} for k, (w, c) in best.items()},
            "cosine_mean": float(cosine.mean()), "cosine_min": float(cosine.min()),
            "encoder": getattr(onnx_e, "encoder_id", "")}


def _synthetic_documents(count_chunks: int, seed: int = 7):
    """Documents made of the corpus's sentences, shuffled, until their chunks number about ``count_chunks``."""
    from assistant.documents import Document
    from assistant.load.loaders import discover, load
    from assistant.text import sentence_spans

    files, _ = discover([ROOT / "corpus"], ROOT / "corpus")
    sentences = []
    for f in files:
        text = load(f, 10**8).text
        sentences += [text[s:e] for s, e in sentence_spans(text) if 40 <= e - s <= 400]
    rng = random.Random(seed)
    per_doc = 24  # sentences per document: about 5 chunks of 800 characters
    docs, spans = [], []
    n = 0
    while n * 5 < count_chunks:
        picked = rng.sample(sentences, per_doc)
        text, marks = "", []
        for i, sentence in enumerate(picked):
            if i and i % 4 == 0:
                text += "\n\n"
            start = len(text)
            text += sentence + " "
            marks.append((start, start + len(sentence), sentence))
        docs.append(Document(source=f"synthetic/doc-{n:05d}.md", text=text,
                             metadata={"title": f"Synthetic brief {n}", "date": "2026-02-01", "kind": "synthetic"}))
        spans.append(marks)
        n += 1
    return docs, spans, sorted(set(sentences))


def synthetic_store(settings, total_chunks: int) -> dict:
    """Ingest the real corpus, then add synthetic documents until the index holds about ``total_chunks`` chunks."""
    import numpy as np

    from assistant.index.chunking import split
    from assistant.index.embeddings import dimension, embeddings_for
    from assistant.index.ingest import fingerprint, ingest
    from assistant.index.store import IndexStore, write_lock

    started = time.perf_counter()
    ingest(settings=settings, progress=False)
    embeddings = embeddings_for(settings)
    store = IndexStore(settings, embeddings, dimension(embeddings))
    missing = total_chunks - store.count()
    docs, spans, sentences = _synthetic_documents(missing)
    table = dict(zip(sentences, np.array(embeddings.embed_documents(sentences), dtype=np.float32)))
    added = 0
    pending: list = []  # (doc, chunks, vectors): chunks are written in large batches, then their records
    with write_lock(settings):
        for i, (doc, marks) in enumerate(zip(docs, spans)):
            chunks = split(doc, settings.chunk_size, settings.chunk_overlap)[:max(0, missing - added)]
            if chunks:
                vectors = []
                for c in chunks:
                    inside = [table[s] for a, b, s in marks if a < c.end and b > c.start]
                    v = np.mean(inside, axis=0) if inside else np.ones(dimension(embeddings), np.float32)
                    vectors.append((v / np.linalg.norm(v)).tolist())
                pending.append((doc, chunks, vectors))
                added += len(chunks)
            if pending and (not chunks or len(pending) == 200 or i == len(docs) - 1):
                store.add_chunks([c for _, cs, _ in pending for c in cs], [v for _, _, vs in pending for v in vs])
                store.put_documents([(d, len(cs), fingerprint(d, settings)) for d, cs, _ in pending])
                pending = []
            if not chunks:
                break
    return {"chunks": store.count(), "build_s": time.perf_counter() - started}


def worker_warm(backend: str, index_dir: str, total: str, repeats: str) -> dict:
    """Warm ``ask`` latency at ``total`` chunks: first question, then p50 / p95 over the rest; peak RSS."""
    from assistant import Assistant
    from assistant.settings import Settings

    settings = Settings(corpus_dir=ROOT / "corpus", index_dir=Path(index_dir), embedding_backend=backend)
    built = synthetic_store(settings, int(total))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    assistant = Assistant(settings)
    assistant.ask(WARM_QUESTIONS[0])
    first = time.perf_counter() - started
    times = []
    for i in range(int(repeats)):
        q = WARM_QUESTIONS[i % len(WARM_QUESTIONS)]
        t = time.perf_counter()
        assistant.ask(q)
        times.append(time.perf_counter() - t)
    return {"chunks": built["chunks"], "build_s": built["build_s"], "first_s": first,
            "p50_ms": 1000 * statistics.median(times), "p95_ms": 1000 * pct(times, 0.95),
            "max_ms": 1000 * max(times), "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_before_ask_mb": rss_before}


def worker_quality(backend: str, index_dir: str) -> dict:
    """The eval set on one backend's index: accuracy, abstention, retrieval hit@1 and hit@k of expected sources."""
    from assistant import evaluation as evals
    from assistant import Assistant
    from assistant.settings import Settings

    settings = Settings(corpus_dir=ROOT / "corpus", index_dir=Path(index_dir), embedding_backend=backend)
    assistant = Assistant(settings)
    cases = evals.load_cases(evals.DEFAULT_CASES)
    results, hit1, hitk, scored = [], 0, 0, 0
    for case in cases:
        t = time.perf_counter()
        answer = assistant.ask(case.question, case.history or None)
        results.append(evals.score(case, answer, time.perf_counter() - t))
        if case.sources and not case.abstain:
            retrieved = [r["source"] for r in answer.meta.get("retrieved", [])]
            scored += 1
            hit1 += bool(retrieved[:1]) and retrieved[0] in case.sources
            hitk += any(s in case.sources for s in retrieved)
    stats = evals.summary(results)["all"]
    return {"cases": len(cases), "passed": stats["passed"], "accuracy": stats["accuracy"],
            "abstention_precision": stats["abstention_precision"], "abstention_recall": stats["abstention_recall"],
            "retrieval_cases": scored, "hit1": hit1 / scored, "hitk": hitk / scored, "k": settings.top_k,
            "failed": sorted(r.case.id for r in results if not r.passed)}


def worker_ingest(backend: str, index_dir: str, chunks: str) -> dict:
    """End-to-end ingest throughput (chunk, embed, write to Chroma) of the same synthetic documents."""
    from assistant.index.chunking import split
    from assistant.index.embeddings import embeddings_for
    from assistant.index.ingest import ingest
    from assistant.settings import Settings

    docs, _, _ = _synthetic_documents(int(chunks))
    corpus = Path(index_dir).parent / f"corpus-{backend}"
    corpus.mkdir(parents=True, exist_ok=True)
    n = 0
    for doc in docs:
        body = doc.text
        (corpus / doc.source.replace("/", "-")).write_text(f"---\ntitle: {doc.metadata['title']}\n---\n\n{body}",
                                                           encoding="utf-8")
        n += len(split(doc, 800, 120))
    settings = Settings(corpus_dir=corpus, index_dir=Path(index_dir), embedding_backend=backend)
    embeddings_for(settings).embed_documents(["warm up"])  # load the encoder first: the rate is the steady state's
    wall, cpu = time.perf_counter(), time.process_time()
    report = ingest(settings=settings, progress=False)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"chunks": report.added, "wall_rate": report.added / wall, "cpu_rate": report.added / cpu, "wall_s": wall}


WORKERS = {"encode": worker_encode, "warm": worker_warm, "quality": worker_quality, "ingest": worker_ingest}


# -- the run ------------------------------------------------------------------------------------------------------------

def cold(env: dict, args: list[str], runs: int, pythonpath: Path = ROOT) -> dict:
    """Median wall and CPU, and the largest peak RSS, of ``runs`` fresh ``python -m assistant ...`` processes."""
    got = [run_child([sys.executable, "-m", "assistant", *args], dict(env, PYTHONPATH=str(pythonpath)))
           for _ in range(runs)]
    return {"wall": statistics.median(g["wall"] for g in got), "cpu": statistics.median(g["cpu"] for g in got),
            "rss_mb": max(g["rss_mb"] for g in got), "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--chunks", type=int, default=10_000, help="Chunks in the warm-ask store (default 10000).")
    parser.add_argument("--encode-chunks", type=int, default=192, help="Chunks for the encoder comparison.")
    parser.add_argument("--ingest-chunks", type=int, default=300, help="Chunks for the end-to-end ingest comparison.")
    parser.add_argument("--repeats", type=int, default=30, help="Warm questions per backend.")
    parser.add_argument("--cold-runs", type=int, default=3, help="Fresh processes per cold measurement.")
    parser.add_argument("--before-ref", help="Also time the cold CLI of this git commit (e.g. the one before issue 7).")
    parser.add_argument("--no-quality", action="store_true", help="Skip the eval-set comparison.")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "speed-results.md")
    opts = parser.parse_args()
    if opts.worker:
        print(json.dumps(WORKERS[opts.worker[0]](*opts.worker[1:])))
        return

    work = Path(tempfile.mkdtemp(prefix="bench-speed-"))
    load_before = os.getloadavg()
    rows: dict = {}
    try:
        # The one-off ONNX export (cached per user; timed only when it is not cached yet).
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from assistant.index.embeddings import embeddings_for; "
                        "from assistant.settings import Settings; "
                        "embeddings_for(Settings(embedding_backend='onnx'))"], env=_env("onnx", work / "x"),
                       check=True, cwd=ROOT)
        rows["export_s"] = time.perf_counter() - t
        log("encoder ready")

        # Cold: ingest the corpus from scratch, then ask and help in fresh processes.
        for backend in ("torch", "onnx"):
            env = _env(backend, work / f"index-{backend}")
            rows[f"ingest_corpus_{backend}"] = cold(env, ["ingest", "-q"], 1)
            rows[f"cold_ask_{backend}"] = cold(env, ["ask", QUESTION], opts.cold_runs)
            log(f"cold {backend}: {rows[f'cold_ask_{backend}']}")
        rows["cold_help"] = cold(_env("onnx", work / "index-onnx"), ["--help"], opts.cold_runs)
        if opts.before_ref:
            src = work / "before"
            src.mkdir()
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", opts.before_ref, "assistant"],
                                     check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
            env = _env("torch", work / "index-before")
            cold(env, ["ingest", "-q"], 1, pythonpath=src)
            rows["cold_ask_before"] = cold(env, ["ask", QUESTION], opts.cold_runs, pythonpath=src)
            log(f"cold before: {rows['cold_ask_before']}")

        rows["encode"] = worker("encode", str(opts.encode_chunks), env=_env("onnx", work / "x"))
        log(f"encode: {rows['encode']['rates']}")
        for backend in ("torch", "onnx"):
            rows[f"ingest_{backend}"] = worker("ingest", backend, str(work / f"ingest-{backend}" / "index"),
                                               str(opts.ingest_chunks), env=_env(backend, work / "x"))
            log(f"ingest {backend}: {rows[f'ingest_{backend}']}")
        if not opts.no_quality:
            for backend in ("torch", "onnx"):
                rows[f"quality_{backend}"] = worker("quality", backend, str(work / f"index-{backend}"),
                                                    env=_env(backend, work / "x"))
                log(f"quality {backend}: {rows[f'quality_{backend}']}")
        for backend in ("torch", "onnx"):
            rows[f"warm_{backend}"] = worker("warm", backend, str(work / f"warm-{backend}"), str(opts.chunks),
                                             str(opts.repeats), env=_env(backend, work / "x"))
            log(f"warm {backend}: {rows[f'warm_{backend}']}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows["load"] = (load_before, os.getloadavg())
    text = report(rows, opts)
    print(text)
    opts.out.write_text(text, encoding="utf-8")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def report(r: dict, opts: argparse.Namespace) -> str:
    """The Markdown table of one run."""
    enc = r["encode"]["rates"]
    lines = ["# Speed and memory: torch vs onnx embedding backend", "",
             f"One run of `bench/bench_speed.py` on {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
             f"load average {r['load'][0][0]:.1f} at the start and {r['load'][1][0]:.1f} at the end "
             "(above 2 means other processes shared the two cores: wall times are then inflated, CPU times less so).",
             "", "| measure | before: torch | after: onnx | ratio | target |", "|---|---:|---:|---:|---|"]

    def add(name, before, after, ratio, target):
        lines.append(f"| {name} | {before} | {after} | {ratio} | {target} |")

    ct, co = r["cold_ask_torch"], r["cold_ask_onnx"]
    add("cold `assistant ask`, wall (median of %d)" % ct["runs"], f"{ct['wall']:.2f} s", f"{co['wall']:.2f} s",
        f"{ct['wall'] / co['wall']:.1f}x faster", "< 2 s")
    add("cold `assistant ask`, CPU", f"{ct['cpu']:.2f} s", f"{co['cpu']:.2f} s", f"{ct['cpu'] / co['cpu']:.1f}x", "")
    add("cold `assistant ask`, peak RSS", f"{ct['rss_mb']:.0f} MB", f"{co['rss_mb']:.0f} MB",
        f"{ct['rss_mb'] / co['rss_mb']:.1f}x less", "< 1 GB")
    if "cold_ask_before" in r:
        b = r["cold_ask_before"]
        add(f"cold `assistant ask` of `{opts.before_ref}` (old code), wall / RSS", f"{b['wall']:.2f} s / {b['rss_mb']:.0f} MB",
            f"{co['wall']:.2f} s / {co['rss_mb']:.0f} MB", f"{b['wall'] / co['wall']:.1f}x faster", "")
    add("cold `assistant --help`, wall", "", f"{r['cold_help']['wall']:.2f} s", "", "no torch/chromadb")
    it, io = r["ingest_corpus_torch"], r["ingest_corpus_onnx"]
    add("cold `assistant ingest` of the corpus (53 chunks), wall / RSS", f"{it['wall']:.1f} s / {it['rss_mb']:.0f} MB",
        f"{io['wall']:.1f} s / {io['rss_mb']:.0f} MB", f"{it['wall'] / io['wall']:.1f}x faster", "")
    e = r["encode"]
    for size in (32, 64):
        t, o = enc[f"torch-{size}"], enc[f"onnx-{size}"]
        add(f"encoder, chunks/s at batch {size} (wall)", f"{t['wall']:.1f}", f"{o['wall']:.1f}",
            f"{o['wall'] / t['wall']:.2f}x", "≥ 2.5x" if size == 32 else "")
        add(f"encoder, chunks per CPU-second at batch {size}", f"{t['cpu']:.1f}", f"{o['cpu']:.1f}",
            f"{o['cpu'] / t['cpu']:.2f}x", "")
    gt, go = r["ingest_torch"], r["ingest_onnx"]
    add(f"ingest end to end, chunks/s ({gt['chunks']} chunks, into Chroma)", f"{gt['wall_rate']:.1f}",
        f"{go['wall_rate']:.1f}", f"{go['wall_rate'] / gt['wall_rate']:.2f}x", "≥ 2.5x")
    add("ingest end to end, chunks per CPU-second", f"{gt['cpu_rate']:.1f}", f"{go['cpu_rate']:.1f}",
        f"{go['cpu_rate'] / gt['cpu_rate']:.2f}x", "")
    add("vectors: cosine onnx vs torch, mean / min", "", f"{e['cosine_mean']:.4f} / {e['cosine_min']:.4f}", "", "")
    if "quality_torch" in r:
        qt, qo = r["quality_torch"], r["quality_onnx"]
        add(f"eval answer accuracy ({qt['cases']} cases)", f"{qt['accuracy']:.1%} ({qt['passed']})",
            f"{qo['accuracy']:.1%} ({qo['passed']})", f"{100 * (qo['accuracy'] - qt['accuracy']):+.1f} pt", "within 1 pt")
        add(f"retrieval hit@1 ({qt['retrieval_cases']} answerable cases)", f"{qt['hit1']:.1%}", f"{qo['hit1']:.1%}",
            f"{100 * (qo['hit1'] - qt['hit1']):+.1f} pt", "within 1 pt")
        add(f"retrieval hit@{qt['k']}", f"{qt['hitk']:.1%}", f"{qo['hitk']:.1%}", f"{100 * (qo['hitk'] - qt['hitk']):+.1f} pt",
            "within 1 pt")
        add("abstention precision / recall", f"{qt['abstention_precision']:.0%} / {qt['abstention_recall']:.0%}",
            f"{qo['abstention_precision']:.0%} / {qo['abstention_recall']:.0%}", "", "")
    wt, wo = r["warm_torch"], r["warm_onnx"]
    add(f"warm `ask` at {wo['chunks']:,} chunks, p50", f"{wt['p50_ms']:.0f} ms", f"{wo['p50_ms']:.0f} ms",
        f"{wt['p50_ms'] / wo['p50_ms']:.1f}x faster", "")
    add(f"warm `ask` at {wo['chunks']:,} chunks, p95 ({opts.repeats} questions)", f"{wt['p95_ms']:.0f} ms",
        f"{wo['p95_ms']:.0f} ms", f"{wt['p95_ms'] / wo['p95_ms']:.1f}x faster", "< 100 ms")
    add(f"first `ask` at {wo['chunks']:,} chunks (opens the store, builds BM25)", f"{wt['first_s']:.2f} s",
        f"{wo['first_s']:.2f} s", "", "")
    add(f"peak RSS of a process asking at {wo['chunks']:,} chunks", f"{wt['rss_mb']:.0f} MB", f"{wo['rss_mb']:.0f} MB",
        "", "< 1 GB")
    lines += ["", f"ONNX encoder: `{e['encoder']}` (export {r['export_s']:.1f} s including interpreter start; "
              "0 s when cached). Encoder chunks: "
              f"{e['chunks']} windows of {e['mean_chars']:.0f} characters of the corpus.",
              "Failed eval cases: torch " + ", ".join(r.get("quality_torch", {}).get("failed", [])) + "; onnx "
              + ", ".join(r.get("quality_onnx", {}).get("failed", [])) + "."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
