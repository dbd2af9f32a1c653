"""Scale benchmarks: ingest overhead, query latency at 1k/10k/100k chunks (embedded and server), cold start.

    python bench/bench_scale.py                  # everything; prints a table, writes bench/results.md
    python bench/bench_scale.py --sizes 1000,10000 --modes embedded --repeats 10   # a quicker run

Not a test: numbers depend on the machine and on what else runs on it (the load average is recorded).
See bench/README.md for how the large stores are made (bench/synthetic.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from synthetic import add_synthetic, build_pool, percentiles  # noqa: E402

from assistant.index.chunking import split  # noqa: E402
from assistant.index.embeddings import dimension, embeddings_for  # noqa: E402
from assistant import Assistant  # noqa: E402
from assistant.answer.extractive import clear_caches  # noqa: E402
from assistant.index.ingest import ingest  # noqa: E402
from assistant.load.loaders import discover, load  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.index.store import IndexStore  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
QUESTIONS = [
    "When is the deadline for the negotiations?",
    "How many days do trading partners have to reach agreements?",
    "For how many critical minerals is the US completely reliant on imports?",
    "Who is the Secretary of Commerce?",
    "Which Foreign Ministry spokesperson responded to the G7 statement?",
    "What share of global rare earth production did China account for in 2023?",
    "What tariff rate will be imposed if talks fail?",
    "What is the capital of France?",
    "Who is the U.S. Trade Representative?",
    "What happens if the negotiations fail?",
]


@dataclass
class Row:
    figure: str
    value: str
    dominated_by: str


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)

    def add(self, figure: str, value: str, dominated_by: str = "") -> None:
        self.rows.append(Row(figure, value, dominated_by))
        print(f"  {figure}: {value}", flush=True)

    def table(self) -> str:
        lines = ["| figure | value | what dominates it |", "|---|---:|---|"]
        lines += [f"| {r.figure} | {r.value} | {r.dominated_by} |" for r in self.rows]
        return "\n".join(lines)


# -- ingest -----------------------------------------------------------------------------------------------------

def bench_ingest(results: Results, work: Path, copies: int) -> None:
    """Whole-pipeline chunks/s (load, chunk, embed, store) against the raw encoder on the same chunks."""
    corpus = work / "ingest-corpus"
    for i in range(copies):
        (corpus / f"copy-{i}").mkdir(parents=True)
        for path in CORPUS.glob("*.md"):
            shutil.copy(path, corpus / f"copy-{i}" / path.name)
    settings = Settings(corpus_dir=corpus, index_dir=work / "ingest-index")
    embeddings = embeddings_for(settings)
    embeddings.embed_documents(["warm up the model"])

    started = time.perf_counter()
    report = ingest(settings=settings, progress=False)
    pipeline = time.perf_counter() - started

    files, _ = discover([corpus], corpus)
    texts = [c.text for f in files for c in split(load(f, settings.max_file_bytes), settings.chunk_size,
                                                 settings.chunk_overlap)]
    assert len(texts) == report.added, (len(texts), report.added)
    started = time.perf_counter()
    for i in range(0, len(texts), settings.embedding_batch_size):
        embeddings.embed_documents(texts[i:i + settings.embedding_batch_size])
    raw = time.perf_counter() - started

    started = time.perf_counter()
    again = ingest(settings=settings, progress=False)
    unchanged = time.perf_counter() - started
    assert not again.changed

    n = report.added
    results.add(f"ingest, whole pipeline ({n} chunks, model loaded)", f"{n / pipeline:.1f} chunks/s",
                "encoding the chunks (see the ratio below)")
    results.add("ingest, raw encoder on the same chunks", f"{n / raw:.1f} chunks/s",
                f"the transformer forward pass ({settings.embedding_backend} encoder)")
    results.add("ingest overhead (pipeline time / encoder time)", f"{pipeline / raw:.2f}x",
                "load + split + Chroma upserts + document records")
    results.add(f"re-ingest of the unchanged {n} chunks", f"{unchanged:.2f} s", "reading files and records")


# -- query latency ----------------------------------------------------------------------------------------------

def timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def measure(results: Results, settings: Settings, repeats: int, label: str) -> None:
    """Retrieval and ``ask`` latency over the store ``settings`` point at (embedded or server)."""
    embeddings = embeddings_for(settings)
    store = IndexStore(settings, embeddings, dimension(embeddings))
    assistant = Assistant(settings)
    started = time.perf_counter()
    assistant.ask(QUESTIONS[0])  # first question: builds the BM25 index over every chunk
    first = time.perf_counter() - started
    encode = [timed(embeddings.embed_query, q) for q in QUESTIONS for _ in range(repeats)]
    retrieval = [timed(assistant.retriever.search, q) for q in QUESTIONS for _ in range(repeats)]
    new_asks = [timed(lambda q: (clear_caches(), assistant.ask(q)), q) for q in QUESTIONS]
    for q in QUESTIONS:  # every question once more, so the repeated ones below find their sentences cached
        assistant.ask(q)
    asks = [timed(assistant.ask, q) for q in QUESTIONS for _ in range(repeats)]
    count = store.count()
    check = timed(lambda: store.count() == sum(r.n_chunks for r in store.documents().values()))
    scan = timed(store.chunk_sources)
    r50, r95 = percentiles(retrieval)
    a50, a95 = percentiles(asks)
    n50, n95 = percentiles(new_asks)
    e50, _ = percentiles(encode)
    results.add(f"{label}, {count:,} chunks: retrieval p50 / p95", f"{r50:.0f} / {r95:.0f} ms",
                f"query encoding {e50:.0f} ms p50; the rest is the vector search, BM25 and reading records")
    results.add(f"{label}, {count:,} chunks: full extractive ask, new question, p50 / p95",
                f"{n50:.0f} / {n95:.0f} ms", "retrieval plus encoding the ~40-70 candidate sentences the answerer "
                "weighs (sentence caches emptied before each question)")
    results.add(f"{label}, {count:,} chunks: full extractive ask, repeated question, p50 / p95",
                f"{a50:.0f} / {a95:.0f} ms", "retrieval, reading the cited documents and the citation checks "
                "(sentence vectors cached)")
    results.add(f"{label}, {count:,} chunks: first ask of a new Assistant", f"{first:.1f} s",
                "reading every chunk (paged) and building the BM25 index"
                + (", then saving it for the next process" if count >= settings.keyword_cache_min_chunks else ""))
    results.add(f"{label}, {count:,} chunks: ingest consistency check / recovery scan",
                f"{check * 1000:.0f} ms / {scan * 1000:.0f} ms",
                "one count and the document records on every ingest / reading every chunk's source (paged), "
                "only after an interrupted ingest")


def release_embedded() -> None:
    """Drop this process's embedded Chroma clients, so a server can own the store's folder."""
    import gc

    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    gc.collect()


def bench_queries(results: Results, work: Path, sizes: list[int], repeats: int, modes: list[str], pool) -> None:
    """Grow one store through ``sizes`` chunks (real corpus + synthetic); at each size time retrieval and ``ask``
    embedded, then with ``chroma run`` serving the very same folder (one build serves both modes)."""
    settings = Settings(corpus_dir=CORPUS, index_dir=work / "scale-index", collection="bench",
                        keyword_cache_dir=work / "keyword")
    ingest(settings=settings, progress=False)
    next_doc = 0
    for size in sizes:
        embeddings = embeddings_for(settings)
        store = IndexStore(settings, embeddings, dimension(embeddings))
        missing = size - store.count()
        started = time.perf_counter()
        if missing > 0:
            next_doc = add_synthetic(store, pool, missing, next_doc)
        built = time.perf_counter() - started
        results.add(f"store build, {missing:,} synthetic chunks added (embedded)",
                    f"{built:.0f} s ({missing / max(built, 1e-9):,.0f} chunks/s)",
                    "Chroma's upserts: HNSW inserts and the full-text index of each chunk's text")
        del store
        if "embedded" in modes:
            print(f"query latency, embedded, {size:,}", flush=True)
            measure(results, settings, repeats, "embedded")
        if "server" in modes:
            print(f"query latency, server, {size:,}", flush=True)
            release_embedded()
            server = ChromaServer(settings.index_dir, work / "server.log")
            try:
                measure(results, settings.model_copy(update={"chroma_url": server.url}), repeats, "server")
            finally:
                server.stop()
    if sizes[-1] >= settings.keyword_cache_min_chunks:
        cold_ask(results, settings, 1, f"embedded, {sizes[-1]:,} chunks",
                 "imports and the encoder, then loading the saved keyword index (the first ask of the embedded "
                 "pass built and saved it)")


class ChromaServer:
    """``chroma run`` on a free local port, for server mode."""

    def __init__(self, path: Path, log: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        chroma = Path(sys.executable).with_name("chroma")
        self.log = open(log, "ab")
        self.proc = subprocess.Popen([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1",
                                      "--port", str(self.port)], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("chroma run did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# -- cold start ---------------------------------------------------------------------------------------------------

_LAUNCHER = """
import os, subprocess, sys, time
started = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - started
if status:
    sys.exit(proc.stderr.read().decode(errors="replace") or f"exit status {status}")
print(f"{wall:.3f} {usage.ru_maxrss}")
"""

def cold_ask(results: Results, settings: Settings, runs: int, label: str, dominated_by: str) -> None:
    """Wall time and peak RSS of ``assistant ask`` in a fresh process on the store ``settings`` point at."""
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
           "ASSISTANT_INDEX_DIR": str(settings.index_dir), "ASSISTANT_COLLECTION": settings.collection}
    if settings.keyword_cache_dir:
        env["ASSISTANT_KEYWORD_CACHE_DIR"] = str(settings.keyword_cache_dir)
    walls: list[float] = []
    peaks: list[float] = []
    for _ in range(runs):
        # A tiny launcher starts the ask and reports its wall time and peak RSS: a child forked from this big
        # process would count this process's memory in its own peak.
        out = subprocess.run([sys.executable, "-c", _LAUNCHER, sys.executable, "-m", "assistant", "ask", QUESTIONS[0]],
                             env=env, capture_output=True, text=True, check=True)
        wall, peak_kb = out.stdout.split()[-2:]
        walls.append(float(wall))
        peaks.append(float(peak_kb))
    results.add(f"cold `assistant ask`, {label} (median of {runs}): wall / peak RSS",
                f"{statistics.median(walls):.1f} s / {statistics.median(peaks) / 1024:.0f} MB", dominated_by)


def bench_cold_start(results: Results, work: Path, runs: int) -> None:
    """``assistant ask`` in a fresh process on an index of ``corpus/`` built beforehand."""
    settings = Settings(corpus_dir=CORPUS, index_dir=work / "cold-index")
    ingest(settings=settings, progress=False)
    cold_ask(results, settings, runs, "corpus index",
             f"importing chromadb and the {settings.embedding_backend} runtime, loading the encoder")


# -- main ------------------------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="store sizes in chunks (ascending)")
    parser.add_argument("--modes", default="embedded,server", help="embedded, server or both")
    parser.add_argument("--repeats", type=int, default=3, help="passes over the 10 questions per size")
    parser.add_argument("--ingest-copies", type=int, default=4, help="copies of the corpus for the ingest figure")
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--pool", type=int, default=2000, help="really encoded texts behind synthetic chunks")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.md"))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    modes = [m for m in args.modes.split(",") if m]

    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    load_before = os.getloadavg()
    results = Results()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        print("ingest overhead", flush=True)
        bench_ingest(results, work, args.ingest_copies)
        print("pool of really encoded texts", flush=True)
        embeddings = embeddings_for(Settings())
        pool_started = time.perf_counter()
        pool = build_pool(CORPUS, embeddings, args.pool)
        results.add(f"pool: {len(pool.texts)} real texts encoded", f"{time.perf_counter() - pool_started:.0f} s",
                    "the encoder (done once; synthetic chunks reuse these vectors)")
        bench_queries(results, work, sizes, args.repeats, modes, pool)
        print("cold start", flush=True)
        bench_cold_start(results, work, args.cold_runs)
    total = time.perf_counter() - started

    header = (f"Measured {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores "
              f"({platform.processor() or platform.machine()}), load average before the run "
              f"{load_before[0]:.1f}; Python {platform.python_version()}; whole run {total / 60:.1f} min; "
              f"`python bench/bench_scale.py --sizes {args.sizes} --modes {args.modes} --repeats {args.repeats}`.")
    text = f"# Scale benchmark results\n\n{header}\n\n{results.table()}\n"
    args.out.write_text(text, encoding="utf-8")
    print()
    print(text)
    print(f"written to {args.out}; peak RSS of this process "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
