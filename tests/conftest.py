"""Shared fixtures: a tiny made-up corpus, settings pointing at it, and one built index of the real corpus."""

from __future__ import annotations

import os
import socket
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from assistant.index.ingest import ingest
from assistant.settings import Settings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"

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


@contextmanager
def assistant_env_removed() -> Iterator[None]:
    """No ``ASSISTANT_*`` variable from the developer's shell is seen inside: every setting is its default unless
    the code sets it. (For module- and session-scoped fixtures; tests use ``isolated_env``.)"""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("ASSISTANT_"):
                patch.delenv(name)
        yield


@pytest.fixture
def isolated_env() -> Iterator[None]:
    """The test sees no ``ASSISTANT_*`` variable of the developer's shell (the shared corpora's eval indexes stay in
    their cache folders, which are named by a hash of their contents and settings, so nothing stale is reused)."""
    with assistant_env_removed():
        yield


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
