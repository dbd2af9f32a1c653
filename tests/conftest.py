"""Shared fixtures: a tiny made-up corpus, settings pointing at it, and one built index of the real corpus; and the
isolation every test gets: no ``ASSISTANT_*`` variable of the developer's shell, the assistant's writable caches
in temporary folders, and no Assistant or keyword index shared with the test before."""

from __future__ import annotations

import functools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Iterator

import pytest

from assistant.index.ingest import ingest
from assistant.settings import Settings, cache_dir

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"

# -- isolation -------------------------------------------------------------------------------------------------------
# The ``ASSISTANT_*`` variables a test still sees: where the deliberately shared caches are (below) and which browser
# the browser tests drive. Any other one (ASSISTANT_TOP_K, ASSISTANT_LLM, ...) would change what the tests see.
KEPT_VARIABLES = frozenset({"ASSISTANT_EVAL_INDEX_DIR", "ASSISTANT_ENCODER_CACHE_DIR", "ASSISTANT_CHROMIUM"})
# Folders of ``$XDG_CACHE_HOME/assistant`` that stay shared with the machine: each is keyed by its content (so
# nothing stale is used) and costly to make again: the joined GGUF models (1.1 GB, minutes to join), the ONNX
# export of the encoder, and the index of each shared corpus' eval subset (ingest re-checks it on every run).
# Every other folder there (the keyword indexes, the place names, any new cache) is the session's own.
SHARED_CACHES = ("models", "encoders", "eval-index")
OUTER_CACHES = {name: cache_dir(name) for name in SHARED_CACHES}  # as the developer's environment says
# The writable folders every test has of its own (a test that forgets to pass one writes nothing of the developer's).
OWN_FOLDERS = {"ASSISTANT_INDEX_DIR": "index", "ASSISTANT_KEYWORD_CACHE_DIR": "keyword",
               "ASSISTANT_FEEDBACK_PATH": "feedback.jsonl"}
_session = pytest.MonkeyPatch()
_HOME = pytest.StashKey[Path]()  # the session's $XDG_CACHE_HOME


def _isolate(patch: pytest.MonkeyPatch, folder: Path) -> None:
    """Through ``patch``: no ``ASSISTANT_*`` variable but the kept ones, and the OWN_FOLDERS under ``folder``."""
    for name in list(os.environ):
        if name.startswith("ASSISTANT_") and name not in KEPT_VARIABLES:
            patch.delenv(name)
    for name, own in OWN_FOLDERS.items():
        patch.setenv(name, str(folder / own))
    # The default answerer is the local model; a test that means it says so (``answerer=`` or ASSISTANT_LLM), and
    # every other test gets the extractive fast mode, so that the tiers without the model stay fast.
    patch.setenv("ASSISTANT_LLM", "extractive")


def pytest_configure(config: pytest.Config) -> None:
    """Before any test module is imported (some build Settings at import): the developer's ``ASSISTANT_*``
    variables go, and ``$XDG_CACHE_HOME`` is a temporary folder whose shared caches link to the machine's."""
    home = Path(tempfile.mkdtemp(prefix="assistant-tests-cache-"))
    config.stash[_HOME] = home
    _isolate(_session, home / "session")
    _session.setenv("XDG_CACHE_HOME", str(home))
    (home / "assistant").mkdir()
    for name, outer in OUTER_CACHES.items():
        outer.mkdir(parents=True, exist_ok=True)
        (home / "assistant" / name).symlink_to(outer, target_is_directory=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    _session.undo()
    if _HOME in config.stash:
        shutil.rmtree(config.stash[_HOME], ignore_errors=True)  # the links only: rmtree does not follow them


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Each test: no ``ASSISTANT_*`` variable but the kept ones (one an earlier test or the code under test set is
    gone too), its own index folder, keyword cache and feedback file; afterwards the shared Assistants and keyword
    indexes are forgotten (``assistant.reset``), so no test sees another's."""
    _isolate(monkeypatch, tmp_path_factory.mktemp("own"))
    yield
    if "assistant.engine" in sys.modules:  # else nothing was shared (and the import would cost seconds)
        import assistant

        assistant.reset()


TINY_DOCUMENTS = {
    "water-budget.md": """\
---
title: "Millbrook adopts its 2031 water budget"
date: 2031-03-04
kind: news
publisher: Millbrook Gazette
url: https://example.org/millbrook/water-budget
---

# Millbrook adopts its 2031 water budget

On March 4, 2031 the Millbrook town council adopted a water budget that cuts household use by 18 percent
over five years. The plan caps the summer draw from the Alder reservoir at 4.2 million litres a day and
raises the price of the top consumption tier.

The treasurer, Ines Varga, said the reservoir had fallen to 41 percent of capacity in the dry autumn and
that the town could not count on another wet spring. Leak repairs on the old cast-iron mains in the
north quarter are expected to save a further 6 percent of the supply.

Farmers on the eastern plots will get a separate allowance measured by new meters, which the council
will install before the irrigation season. Residents can read the full budget at the town hall.

A public hearing on the price tiers is set for April 12, when the council will also hear a proposal to
reuse treated water for the parks and the sports fields along the river.
""",
    "library-opening.md": """\
---
title: "The Quarry Lane library opens its doors"
date: 2031-05-20
kind: news
publisher: Millbrook Gazette
---

The new Quarry Lane library opened on May 20 in the converted stone mill by the canal. It holds about
38,000 books, a children's reading room on the ground floor and a workshop with two 3D printers.

The architect, Tomas Reyes, kept the mill's timber beams and the old waterwheel, which now turns a small
generator that lights the reading room in the evenings.

Opening hours are 9 am to 8 pm on weekdays and 10 am to 4 pm on Saturdays. Library cards are free for
residents; visitors may borrow up to three books with a deposit.

The first month's programme includes a local history talk on the quarry, a chess club on Thursdays and
story time for toddlers every morning at ten.
""",
    "bridge-repair.md": """\
---
title: "Repairs close the Heron Bridge for eleven weeks"
date: 2031-07-08
kind: notice
publisher: Millbrook Public Works
---

The Heron Bridge over the river Lune will close to cars from July 14 for eleven weeks while crews replace
the corroded bearings and resurface the deck. Pedestrians and cyclists can still cross on a temporary
walkway on the downstream side.

Engineers found that two of the six steel bearings had rusted through during the spring inspection. The
repair costs 2.7 million euros, of which the regional fund pays 60 percent.

Buses will detour over the Mill Street crossing, adding about ten minutes to the route into the town
centre. Deliveries to the market square are allowed before 7 am.

The works office asks drivers to plan ahead during the closure and to follow the yellow diversion signs.
""",
}


def run_python(code: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``code`` run by this Python in a fresh process (for what one import or exit does), its output captured."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def copy_corpus(folder: Path) -> Path:
    """A private copy of the real corpus in ``folder/corpus`` (tests that add or edit documents use one)."""
    corpus = folder / "corpus"
    corpus.mkdir(parents=True)
    for path in CORPUS.glob("*.md"):
        (corpus / path.name).write_bytes(path.read_bytes())
    return corpus


def pdf_bytes(objects: list[bytes]) -> bytes:
    """A PDF with the given objects (1 is the catalog) and a correct xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(out)


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """Three small markdown documents with YAML front matter, in their own folder."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in TINY_DOCUMENTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def tiny_settings(tmp_path: Path, tiny_corpus: Path) -> Settings:
    return Settings(corpus_dir=tiny_corpus, index_dir=tmp_path / "index")


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for one index of the real corpus, built once per session and shared by the tests."""
    settings = Settings(corpus_dir=CORPUS, index_dir=tmp_path_factory.mktemp("corpus-index") / "index")
    report = ingest(settings=settings, progress=False)
    assert not report.skipped, [str(s) for s in report.skipped]
    assert report.documents == len(list(CORPUS.glob("*.md")))
    return settings


@pytest.fixture
def silent_server() -> Iterator[str]:
    """``http://127.0.0.1:<port>`` of a TCP server that accepts connections and never answers: a hung or
    overloaded Chroma or model server."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        sock.close()


# -- the shared PDF reports (read at test time, never copied; tests skip without them) ------------------------------
REPORTS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "reports"
needs_reports = pytest.mark.skipif(not REPORTS.is_dir(), reason="the shared reports corpus is absent")


@functools.lru_cache(maxsize=None)
def report(name: str):
    """The shared report whose file name starts with ``name``, loaded as the assistant loads it (once per run)."""
    from assistant.load.loaders import SourceFile, load

    path = next(REPORTS.glob(name + "*.pdf"))
    return load(SourceFile(path, path.name), 10**9)
