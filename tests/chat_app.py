"""Helpers for the chat tests: a copy of the corpus (uploads write into it) indexed in a temp dir, and the app
launched on 127.0.0.1 on a free port."""

from __future__ import annotations

import os
import shutil
import socket
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from assistant import Settings
from assistant.engine import get_assistant

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def chat_settings(folder: Path) -> Settings:
    """Settings for a private copy of the corpus, its own index and feedback file under ``folder``."""
    corpus = folder / "corpus"
    shutil.copytree(CORPUS, corpus)
    return Settings(corpus_dir=corpus, index_dir=folder / "index", feedback_path=folder / "feedback.jsonl",
                    upload_max_bytes=200_000)


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """The chat for ``settings`` served on a free local port; yields its URL and closes it afterwards."""
    import ui

    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # gradio_client ignores analytics_enabled=False without it
    assert get_assistant(settings).sources(), "the index of the corpus is empty"
    app = ui.build_app(settings)
    port = ui.launch(app, settings, port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()
