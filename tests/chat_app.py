"""Helpers for the chat tests: a copy of the corpus (uploads write into it) indexed in a temp dir, and the app
launched on 127.0.0.1 on a free port."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from assistant import Settings, get_assistant
from assistant.chat.app import build_app
from assistant.chat.server import launch
from conftest import copy_corpus, free_port


# A document the tests upload and then ask about.
NEW_DOCUMENT = """\
---
title: "Harbour authority orders eleven electric tugboats"
date: 2026-02-03
publisher: Port Bulletin
url: https://example.org/port/tugboats
---

The Kestrel harbour authority ordered eleven electric tugboats from the Varna shipyard on February 3, 2026.
The first of them is due in the spring of 2027, and the order is worth 96 million euros.
"""


def chat_settings(folder: Path) -> Settings:
    """Settings for a private copy of the corpus, its own index and feedback file under ``folder``."""
    return Settings(corpus_dir=copy_corpus(folder), index_dir=folder / "index", feedback_path=folder / "feedback.jsonl",
                    upload_max_bytes=200_000)


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """The chat for ``settings`` served on a free local port; yields its URL and closes it afterwards."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # gradio_client ignores analytics_enabled=False without it
    assert get_assistant(settings).sources(), "the index of the corpus is empty"
    app = build_app(settings)
    port = launch(app, settings, port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The chat's settings, one private corpus copy per test module (import this fixture into the module)."""
    return chat_settings(tmp_path_factory.mktemp("chat"))


@pytest.fixture(scope="module")
def url(settings: Settings) -> Iterator[str]:
    """The chat served for ``settings`` for the whole module."""
    with serve(settings) as address:
        yield address
