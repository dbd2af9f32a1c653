"""Surviving other writers and crashes: two real ingest processes on one index, SIGKILL mid-ingest ten times,
and a damaged store detected and rebuilt from the corpus. Real model, real embedded Chroma (slow).

Killing and restarting a fresh ``assistant ingest`` ten times would import the encoder's runtime and the index
libraries ten times. So one worker process imports them once (and makes sure the ONNX export exists), and
forks a new process for every ingest; each forked child is a real, separate ingest process that opens its own
encoder session and Chroma itself, and is killed with SIGKILL at a random moment.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from assistant.index.chunking import split
from assistant.load.loaders import discover, load
from assistant.settings import Settings

from conftest import CORPUS, TINY_DOCUMENTS, copy_corpus

pytestmark = pytest.mark.slow

# The worker: loads the model once, then on each command forks a child that does the work in a fresh process.
WORKER = r'''
import json, os, sys
import onnxruntime, tokenizers  # imported once; each forked child opens its own session (ORT's threads don't fork)
from assistant.index.embeddings import model_path
from assistant.index.onnx_encoder import default_cache_dir, ensure_encoder
from assistant.settings import Settings
_defaults = Settings()
ensure_encoder(model_path(_defaults.embedding_model), _defaults.encoder_cache_dir or default_cache_dir(),
               _defaults.onnx_quantization)  # the export exists before the first child needs it
print("ready", flush=True)
for line in sys.stdin:
    command, settings_json = line.rstrip("\n").split(" ", 1)
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            settings = Settings.model_validate_json(settings_json)
            if command == "ingest":
                from assistant.index.ingest import ingest
                ingest(settings=settings, progress=False)
            elif command == "rebuild":
                from assistant.index.ingest import ingest
                ingest(settings=settings, rebuild=True, progress=False)
            elif command == "verify":
                from assistant.index.ingest import ingest
                from assistant.engine import Assistant
                report = ingest(settings=settings, progress=False)
                assistant = Assistant(settings)
                store = assistant.store
                chunks = store.all_chunks()
                answer = assistant.ask("How long will the Heron Bridge be closed?")
                spans_ok = all(store.document(c.source).text[c.start:c.end] == c.text for c in chunks)
                out = {"summary": report.summary(), "notes": report.notes,
                       "records": {s: [r.fingerprint, r.n_chunks] for s, r in store.documents().items()},
                       "count": store.count(), "ids": [c.id for c in chunks], "spans_ok": spans_ok,
                       "answer": answer.text, "cited": [c.source for c in answer.citations]}
                print("result " + json.dumps(out), flush=True)
        except BaseException as exc:
            print("error " + type(exc).__name__ + ": " + str(exc).replace("\n", " "), flush=True)
            code = 1
        finally:
            sys.stdout.flush()
            os._exit(code)
    print(f"child {pid}", flush=True)
    _, status = os.waitpid(pid, 0)
    print(f"exit {status}", flush=True)
'''


class Worker:
    """Drives the worker process: each call forks one child process and reports how it ended."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)
        assert self._line() == "ready"

    def _line(self) -> str:
        line = self.proc.stdout.readline()
        assert line, f"the worker died (exit code {self.proc.poll()})"
        return line.rstrip("\n")

    def start(self, command: str, settings: Settings) -> int:
        self.proc.stdin.write(f"{command} {settings.model_dump_json()}\n")
        self.proc.stdin.flush()
        lines = []
        while not (line := self._line()).startswith("child "):
            lines.append(line)
        self._pending = lines
        return int(line.split()[1])

    def finish(self) -> tuple[int, list[str]]:
        """The child's wait status and what it printed."""
        lines = self._pending
        while not (line := self._line()).startswith("exit "):
            lines.append(line)
        return int(line.split()[1]), lines

    def run(self, command: str, settings: Settings) -> list[str]:
        self.start(command, settings)
        status, lines = self.finish()
        assert status == 0, lines
        return lines

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self.proc.stdout.close()


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    w = Worker()
    try:
        yield w
    finally:
        w.close()


def expected_index(settings: Settings) -> dict[str, set[str]]:
    """The chunk ids each readable corpus file should have in the index."""
    files, _ = discover([settings.corpus_dir], settings.corpus_dir)
    out = {}
    for file in files:
        doc = load(file, settings.max_file_bytes)
        out[doc.source] = {c.id for c in split(doc, settings.chunk_size, settings.chunk_overlap)}
    return out


def verify(worker: Worker, settings: Settings) -> dict:
    """Restart ingest in a fresh process, then check the index against the corpus and ask a question."""
    lines = worker.run("verify", settings)
    results = [json.loads(line[len("result "):]) for line in lines if line.startswith("result ")]
    assert results, lines
    got = results[0]
    expected = expected_index(settings)
    assert sorted(got["records"]) == sorted(expected), got["summary"]
    assert len(got["ids"]) == len(set(got["ids"])) == got["count"]  # no duplicates, nothing unaccounted for
    assert set(got["ids"]) == set().union(*expected.values())
    assert got["count"] == sum(n for _, n in got["records"].values())
    for source, (_, n_chunks) in got["records"].items():
        assert n_chunks == len(expected[source]), source
    assert got["spans_ok"]
    assert "eleven weeks" in got["answer"] and "bridge-repair.md" in got["cited"], got["answer"]
    return got


def mutate(corpus: Path, step: int, rng: random.Random) -> None:
    """Change the corpus so each interrupted ingest has new, edited and deleted documents to deal with."""
    extra = corpus / f"extra-{step % 3}.md"
    if extra.exists():
        extra.unlink()
    else:
        extra.write_text(f"# Extra note {step}\n\n" + CORPUS.joinpath("article.md").read_text(encoding="utf-8")
                         .split("\n", 12)[-1][: 1500 + 400 * step], encoding="utf-8")
    edited = corpus / "library-opening.md"
    edited.write_text(TINY_DOCUMENTS["library-opening.md"].replace("38,000", f"{38000 + rng.randint(1, 999):,}"),
                      encoding="utf-8")


@pytest.fixture
def crash_settings(tmp_path: Path) -> Settings:
    """The article plus the tiny corpus in small chunks: about 50 chunks, a second or two to embed."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "article.md", corpus / "article.md")
    for name, text in TINY_DOCUMENTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", chunk_size=300, chunk_overlap=40,
                    embedding_batch_size=8)


def test_sigkill_at_random_points_ten_times_then_restart_converges(worker, crash_settings):
    rng = random.Random(int(os.environ.get("CRASH_SEED", "6")))
    started = time.perf_counter()
    worker.run("ingest", crash_settings)
    full = time.perf_counter() - started  # a complete ingest from scratch: the window the kills fall into
    verify(worker, crash_settings)
    killed = 0
    for step in range(10):
        mutate(crash_settings.corpus_dir, step, rng)
        # Alternate the chunk size so that every document is re-chunked: each ingest writes and deletes about
        # as much as the first one did, and the kill falls anywhere in that work.
        settings = crash_settings.model_copy(update={"chunk_size": 300 + 60 * ((step + 1) % 2)})
        command = "rebuild" if step % 4 == 3 else "ingest"
        pid = worker.start(command, settings)
        time.sleep(rng.uniform(0.05, full))
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # it finished first: a restart after a clean finish must converge too
        status, lines = worker.finish()
        killed += os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        assert os.WIFSIGNALED(status) or status == 0, lines
        got = verify(worker, settings)
        assert not got["notes"], got["notes"]  # SQLite's journal kept it recoverable: no rebuild was needed
    assert killed >= 5, f"only {killed} of 10 ingests were still running when killed"


# -- two writers -------------------------------------------------------------------------------------------

WAITING_INGEST = r'''
import sys
from assistant.index.embeddings import embeddings_for
from assistant.settings import Settings
embeddings_for(Settings())
print("ready", flush=True)
sys.stdin.readline()
from assistant.cli import main
main(["ingest", "--quiet"])
'''


def holds_lock(index_dir: Path) -> bool:
    """Whether some process holds the index's write lock (probed without keeping it)."""
    path = index_dir / ".write.lock"
    if not path.exists():
        return False
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


@pytest.fixture
def writer_settings(tmp_path: Path) -> Settings:
    """The whole corpus plus the tiny one in small chunks: the first writer is busy for a few seconds."""
    corpus = copy_corpus(tmp_path)
    for name, text in TINY_DOCUMENTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", chunk_size=300, chunk_overlap=40,
                    embedding_batch_size=8)


def ingest_process(settings: Settings, lock_timeout: float) -> subprocess.Popen:
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir), "ASSISTANT_INDEX_DIR": str(settings.index_dir),
           "ASSISTANT_CHUNK_SIZE": str(settings.chunk_size), "ASSISTANT_CHUNK_OVERLAP": str(settings.chunk_overlap),
           "ASSISTANT_EMBEDDING_BATCH_SIZE": "8", "ASSISTANT_LOCK_TIMEOUT": str(lock_timeout)}
    proc = subprocess.Popen([sys.executable, "-c", WAITING_INGEST], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def test_second_writer_process_waits_or_fails_clearly(worker, writer_settings):
    first = ingest_process(writer_settings, 60)
    impatient = ingest_process(writer_settings, 1)
    patient = ingest_process(writer_settings, 600)
    try:
        first.stdin.write("go\n")
        first.stdin.flush()
        deadline = time.monotonic() + 120
        while not holds_lock(writer_settings.index_dir):
            assert first.poll() is None and time.monotonic() < deadline, "the first ingest never took the lock"
            time.sleep(0.02)
        started = time.monotonic()
        for proc in (impatient, patient):
            proc.stdin.write("go\n")
            proc.stdin.flush()
        out, err = impatient.communicate(timeout=120)
        waited = time.monotonic() - started
        assert impatient.returncode == 2, (out, err)
        assert err.startswith("error: another process is writing the index at") and "waited 1 s" in err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert waited < 30
        assert first.poll() is None, "the first ingest ended before the second one gave up"

        out1, err1 = first.communicate(timeout=600)
        out2, err2 = patient.communicate(timeout=600)
        assert first.returncode == 0 and out1.startswith("indexed:"), (out1, err1)
        assert patient.returncode == 0 and out2.startswith("index up to date, nothing written"), (out2, err2)
    finally:
        for proc in (first, impatient, patient):
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    verify(worker, writer_settings)


# -- a damaged store -----------------------------------------------------------------------------------------

def test_damaged_store_is_detected_and_rebuilt_from_the_corpus(worker, tiny_settings):
    worker.run("ingest", tiny_settings)
    sqlite = tiny_settings.index_dir / "chroma.sqlite3"
    data = bytearray(sqlite.read_bytes())
    data[:4096] = b"\xff" * 4096  # the SQLite header and first page: "file is not a database"
    sqlite.write_bytes(bytes(data))

    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(tiny_settings.corpus_dir),
           "ASSISTANT_INDEX_DIR": str(tiny_settings.index_dir)}
    asked = subprocess.run([sys.executable, "-m", "assistant", "ask", "How long will the bridge close?"],
                           capture_output=True, text=True, env=env, timeout=600)
    assert asked.returncode == 2
    assert asked.stderr.startswith(f"error: the index at {tiny_settings.index_dir} is damaged")
    assert "`assistant ingest` rebuilds it" in asked.stderr and asked.stderr.count("\n") == 1

    got = verify(worker, tiny_settings)  # its ingest finds the damage, moves the files aside and rebuilds
    assert len(got["notes"]) == 1 and "was damaged" in got["notes"][0] and "rebuilt" in got["notes"][0]
    moved = [p for p in tiny_settings.index_dir.parent.iterdir() if p.name.startswith("index.damaged-")]
    assert len(moved) == 1 and (moved[0] / "chroma.sqlite3").read_bytes() == bytes(data)  # kept for inspection
