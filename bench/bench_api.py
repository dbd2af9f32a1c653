"""Throughput and latency of the OpenAI-compatible API (``assistant serve``) under concurrent clients.

    .venv/bin/python bench/bench_api.py                          # 32 clients, extractive answerer (about a minute)
    .venv/bin/python bench/bench_api.py --answerer llamacpp --requests 1   # the local model (minutes)
    .venv/bin/python bench/bench_api.py --stream                 # also the time to the first streamed text

What it does: indexes ``corpus/`` into a temporary folder, starts ``python -m assistant serve`` on a free
127.0.0.1 port in its own process (the server's ASSISTANT_API_* settings as they are: 4 questions at once, 64 waiting,
by default), warms it with one request per question, then starts ``--clients`` threads that each send ``--requests``
chat completions one after another (the questions in turn, each thread starting at a different one). It prints
requests per second (all requests over the wall time), latency p50 / p95 / max per request, the time to the first
text delta when streaming, the server's CPU seconds per request (from /proc), and the number of failed requests.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "When is the deadline for the negotiations?",
    "How many days do trading partners have to reach agreements?",
    "Who is the Secretary of Commerce?",
    "What share of global rare earth production did China account for in 2023?",
    "Which Foreign Ministry spokesperson responded to the G7 statement?",
    "What tariff rate will be imposed if talks fail?",
    "For how many critical minerals is the US completely reliant on imports?",
    "Who is the U.S. Trade Representative?",
]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(env: dict[str, str], port: int, answerer: str, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port), "--answerer",
                                 answerer], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server ended: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the server did not start within 600 s")


def one_request(client: httpx.Client, url: str, question: str, stream: bool) -> tuple[float, float | None]:
    """Seconds to the whole answer, and (streaming) to its first text delta; raises on any failure."""
    body = {"model": "assistant", "stream": stream, "messages": [{"role": "user", "content": question}]}
    began = time.perf_counter()
    if not stream:
        response = client.post(url, json=body)
        response.raise_for_status()
        assert "[1]" in response.json()["choices"][0]["message"]["content"]
        return time.perf_counter() - began, None
    first = None
    with client.stream("POST", url, json=body) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            if "error" in chunk:
                raise RuntimeError(chunk["error"]["message"])
            if first is None and chunk["choices"][0]["delta"].get("content"):
                first = time.perf_counter() - began
    return time.perf_counter() - began, first


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32, help="Concurrent clients (default 32).")
    parser.add_argument("--requests", type=int, default=5, help="Requests per client, one after another (default 5).")
    parser.add_argument("--answerer", default="extractive", help="extractive (default), llamacpp or openai.")
    parser.add_argument("--stream", action="store_true", help="Stream the answers (also times the first delta).")
    args = parser.parse_args()

    from assistant.index.ingest import ingest
    from assistant.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="bench-api-"))
    env = dict(os.environ, ASSISTANT_CORPUS_DIR=str(ROOT / "corpus"), ASSISTANT_INDEX_DIR=str(work / "index"),
               ASSISTANT_KEYWORD_CACHE_DIR=str(work / "keyword"), HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))
    env.pop("ASSISTANT_API_KEY", None)
    ingest(settings=Settings(corpus_dir=ROOT / "corpus", index_dir=work / "index"), progress=False)
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    proc = start_server(env, port, args.answerer, work / "server.log")
    latencies: list[float] = []
    firsts: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    try:
        with httpx.Client(timeout=1800) as client:
            for question in QUESTIONS if args.answerer == "extractive" else QUESTIONS[:1]:
                one_request(client, url, question, args.stream)  # warm: caches, the model's first load

        def run_client(n: int) -> None:
            with httpx.Client(timeout=1800) as client:
                for i in range(args.requests):
                    try:
                        total, first = one_request(client, url, QUESTIONS[(n + i) % len(QUESTIONS)], args.stream)
                    except Exception as exc:  # noqa: BLE001 - counted and shown
                        with lock:
                            failures.append(f"{type(exc).__name__}: {exc}")
                        continue
                    with lock:
                        latencies.append(total)
                        if first is not None:
                            firsts.append(first)

        cpu_before = cpu_seconds(proc.pid)
        began = time.perf_counter()
        threads = [threading.Thread(target=run_client, args=(n,)) for n in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
        cpu = cpu_seconds(proc.pid) - cpu_before
    finally:
        proc.terminate()
        proc.wait(timeout=60)

    done = len(latencies)
    if not done:
        raise SystemExit(f"every request failed, e.g. {failures[0]}")
    print(f"answerer {args.answerer}, {args.clients} clients x {args.requests} requests"
          f"{' (streamed)' if args.stream else ''}, {os.cpu_count()} CPUs, corpus/ ({len(QUESTIONS)} questions)")
    print("| requests | failed | wall s | requests/s | p50 s | p95 s | max s | first text p50 s "
          "| server CPU s/request |")
    print("|---|---|---|---|---|---|---|---|---|")
    first = f"{statistics.median(firsts):.2f}" if firsts else "-"
    print(f"| {done} | {len(failures)} | {wall:.1f} | {done / wall:.2f} | {statistics.median(latencies):.2f} | "
          f"{percentile(latencies, 0.95):.2f} | {max(latencies):.2f} | {first} | {cpu / max(done, 1):.3f} |")
    for failure in failures[:5]:
        print("failed:", failure)


if __name__ == "__main__":
    main()
