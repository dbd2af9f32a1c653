"""Server mode: the same ingest, retrieval and answers against a real ``chroma run`` on a free local port, a
restart of that server with more than 1,000 chunks stored, and a server that is down or does not answer (slow).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from assistant import ask
from assistant.index.embeddings import embeddings_for
from assistant.engine import Assistant
from assistant.errors import IndexError_
from assistant.index.ingest import ingest
from assistant.settings import Settings

from conftest import CORPUS, TINY_DOCUMENTS, free_port

pytestmark = pytest.mark.slow

CHROMA = Path(sys.executable).with_name("chroma")


class ChromaServer:
    """``chroma run --path DIR --host 127.0.0.1 --port N``, started and stopped by the test."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = path.with_suffix(".log")

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1",
                                          "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text(errors="replace")[-2000:]
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"chroma run did not answer on {self.url} within 120 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self.proc = None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    srv = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "data")
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def server_settings(server: ChromaServer, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The real corpus ingested into the server (the embedded index_dir is never created)."""
    unused = tmp_path_factory.mktemp("no-embedded-index") / "index"
    settings = Settings(corpus_dir=CORPUS, index_dir=unused, chroma_url=server.url, collection="corpus")
    report = ingest(settings=settings, progress=False)
    assert report.documents == len(list(CORPUS.glob("*.md"))) and report.added > 0 and not report.skipped
    assert not unused.exists()
    return settings


QUESTIONS = [
    "When is the deadline for the negotiations?",
    "Who is the Secretary of Commerce?",
    "For how many critical minerals is the US completely reliant on imports?",
    "What tariff rate will be imposed if talks fail?",
    "What is the capital of France?",
]


@pytest.mark.server
def test_server_ingest_is_idempotent(server_settings):
    again = ingest(settings=server_settings, progress=False)
    assert not again.changed and again.added == 0 and again.documents == 6


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.server
def test_server_answers_match_the_embedded_index(server_settings, corpus_settings, question):
    served = Assistant(server_settings).ask(question)
    embedded = Assistant(corpus_settings).ask(question)
    assert served.text == embedded.text
    assert [(c.source, c.start, c.end) for c in served.citations] == \
           [(c.source, c.start, c.end) for c in embedded.citations]
    assert served.abstained == embedded.abstained


@pytest.mark.server
def test_server_answer_through_the_cli(server_settings):
    env = {**os.environ, "ASSISTANT_CHROMA_URL": server_settings.chroma_url, "ASSISTANT_CORPUS_DIR": str(CORPUS),
           "ASSISTANT_INDEX_DIR": str(server_settings.index_dir)}
    done = subprocess.run([sys.executable, "-m", "assistant", "ask", "When is the deadline for the negotiations?"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("July 13, 2026") and "[1]" in done.stdout
    assert not server_settings.index_dir.exists()


@pytest.mark.server
def test_server_edit_and_delete_propagate(server, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in TINY_DOCUMENTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", chroma_url=server.url, collection="tiny")
    assert ingest(settings=settings, progress=False).documents == 3
    (corpus / "water-budget.md").write_text(TINY_DOCUMENTS["water-budget.md"].replace("18 percent", "23 percent"),
                                            encoding="utf-8")
    (corpus / "library-opening.md").unlink()
    report = ingest(settings=settings, progress=False)
    assert report.updated_documents == ["water-budget.md"] and report.deleted_documents == ["library-opening.md"]
    assistant = Assistant(settings)
    assert sorted(r.source for r in assistant.sources()) == ["bridge-repair.md", "water-budget.md"]
    assert "23 percent" in assistant.ask("By how much will household water use be cut?").text


def big_corpus(folder: Path) -> None:
    """Three copies of the real corpus under different names: 1,182 real chunks at chunk_size 120."""
    for copy in ("a", "b", "c"):
        sub = folder / copy
        sub.mkdir(parents=True)
        for path in CORPUS.glob("*.md"):
            shutil.copy(path, sub / path.name)


@pytest.mark.server
def test_server_restart_with_over_1000_chunks(tmp_path):
    """Real text and real embeddings (the corpus thrice in 120-character chunks), the server stopped and
    started again on the same folder and port, then the same index answers and a re-ingest writes nothing."""
    srv = ChromaServer(tmp_path / "data")
    srv.start()
    try:
        corpus = tmp_path / "corpus"
        big_corpus(corpus)
        settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", chroma_url=srv.url,
                            chunk_size=120, chunk_overlap=10, embedding_batch_size=64)
        first = ingest(settings=settings, progress=False)
        assert first.added > 1000 and first.documents == 18
        before = Assistant(settings).ask("When is the deadline for the negotiations?")

        srv.stop()
        with pytest.raises(IndexError_) as info:  # down: one line, at once, nothing lost
            Assistant(settings)
        assert "\n" not in str(info.value) and srv.url in str(info.value)
        srv.start()

        assistant = Assistant(settings)
        assert assistant.store.count() == first.added
        assert sum(r.n_chunks for r in assistant.sources()) == first.added
        after = assistant.ask("When is the deadline for the negotiations?")
        assert "July 13" in after.text and after.text == before.text
        again = ingest(settings=settings, progress=False)
        assert not again.changed and again.unchanged == first.added
    finally:
        srv.stop()


@pytest.mark.server
def test_server_going_down_under_a_running_assistant_is_one_line(server_settings, tmp_path):
    srv = ChromaServer(tmp_path / "data")
    srv.start()
    try:
        settings = server_settings.model_copy(update={"chroma_url": srv.url})
        corpus = tmp_path / "corpus"
        corpus.mkdir()
        for name, text in TINY_DOCUMENTS.items():
            (corpus / name).write_text(text, encoding="utf-8")
        settings = settings.model_copy(update={"corpus_dir": corpus})
        ingest(settings=settings, progress=False)
        assistant = Assistant(settings)
        assert "eleven weeks" in assistant.ask("How long will the Heron Bridge be closed?").text
        srv.stop()
        started = time.monotonic()
        with pytest.raises(IndexError_) as info:
            assistant.ask("How long will the Heron Bridge be closed?")
        assert time.monotonic() - started < 30
        assert "\n" not in str(info.value) and srv.url in str(info.value)
        with pytest.raises(IndexError_):
            ingest(settings=settings, progress=False)
        srv.start()  # back up: everything is still there and answers again
        assert "eleven weeks" in assistant.ask("How long will the Heron Bridge be closed?").text
        assert not ingest(settings=settings, progress=False).changed
    finally:
        srv.stop()


def test_slow_server_fails_within_the_timeout(silent_server, tmp_path, tiny_corpus):
    settings = Settings(corpus_dir=tiny_corpus, index_dir=tmp_path / "index", chroma_url=silent_server,
                        chroma_timeout=1.5)
    embeddings_for(settings)  # load the model first, so the time below is the server's
    started = time.monotonic()
    with pytest.raises(IndexError_) as info:
        ask("How long will the Heron Bridge be closed?", settings=settings)
    waited = time.monotonic() - started
    assert waited < 20, waited
    message = str(info.value)
    assert "\n" not in message and silent_server in message and "did not answer within 1.5 s" in message


def test_unreachable_server_fails_at_once_on_the_cli(tmp_path, tiny_corpus):
    env = {**os.environ, "ASSISTANT_CHROMA_URL": f"http://127.0.0.1:{free_port()}",
           "ASSISTANT_CORPUS_DIR": str(tiny_corpus), "ASSISTANT_INDEX_DIR": str(tmp_path / "index")}
    done = subprocess.run([sys.executable, "-m", "assistant", "ingest", "-q"], capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 2
    assert done.stderr.startswith("error: cannot open the index at http://127.0.0.1:")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
