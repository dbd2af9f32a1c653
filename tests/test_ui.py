"""The web chat end to end: a real index of the corpus, the Gradio app on a free local port, gradio_client calls.

The ChatInterface exposes one endpoint, ``/chat(message)``. Its history is not a parameter: it lives in the
session's state, so one ``Client`` (one session) is one conversation. The endpoint returns what the chat
function yielded last: a list of two messages (the answer, then the "Sources (n)" panel) or, for an error,
one string.
"""

from __future__ import annotations

import json
import os
import re
import socket
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest
from gradio_client import Client

from assistant import Settings
from assistant.engine import get_assistant
from ui import EXAMPLES, TITLE, build_app, history_for_ask

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
MARKER = re.compile(r"\[\d+\]")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app serving a throwaway index of the corpus on 127.0.0.1."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # gradio_client ignores analytics_enabled=False without it
    settings = Settings(index_dir=tmp_path_factory.mktemp("index"), corpus_dir=CORPUS)
    assert get_assistant(settings).sources(), "the index of the corpus is empty"
    app = build_app(settings)
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, ssr_mode=False)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


@pytest.fixture
def client(url: str) -> Iterator[Client]:
    """A new session, so a new conversation."""
    c = Client(url, verbose=False, analytics_enabled=False, download_files=False)
    try:
        yield c
    finally:
        c.close()


def ask(client: Client, question: str) -> tuple[str, dict[str, Any]]:
    """The answer text and the sources panel of one reply."""
    reply = client.predict(question, api_name="/chat")
    assert isinstance(reply, list) and len(reply) == 2, reply
    answer, panel = reply
    assert answer["role"] == "assistant" and not answer.get("metadata"), answer
    assert panel["metadata"]["title"] == f"Sources ({len(MARKER.findall(panel['content']))})", panel
    return answer["content"], panel


@pytest.mark.slow
def test_endpoint_takes_the_message_only(client: Client) -> None:
    api = client.view_api(print_info=False, return_format="dict")
    chat = api["named_endpoints"]["/chat"]
    assert [p["parameter_name"] for p in chat["parameters"]] == ["message"]


@pytest.mark.slow
def test_page_has_title_and_examples(url: str) -> None:
    with urllib.request.urlopen(url + "config", timeout=30) as resp:
        config = json.load(resp)
    text = json.dumps(config, ensure_ascii=False)
    assert config["title"] == TITLE
    for example in EXAMPLES:
        assert example in text, example


@pytest.mark.slow
def test_answer_streams_and_cites(client: Client) -> None:
    job = client.submit("When is the deadline for the negotiations?", api_name="/chat")
    final = job.result(timeout=300)
    outputs = job.outputs()
    assert any(isinstance(o, str) for o in outputs[:-1]), "the answer text was not streamed before the final reply"
    answer, panel = final
    assert "July 13, 2026" in answer["content"]
    assert "[1]" in answer["content"]
    assert panel["content"].startswith("[1] ")
    assert "): “" in panel["content"] and "(2026-" in panel["content"]
    assert "Searched for: When is the deadline for the negotiations?" in panel["content"]


@pytest.mark.slow
def test_follow_up_uses_the_conversation(client: Client) -> None:
    ask(client, "When is the deadline for the negotiations?")
    text, panel = ask(client, "What happens if it is missed?")
    assert text.strip()
    assert MARKER.search(text), text
    searched = panel["content"].rsplit("Searched for: ", 1)[1]
    assert "deadline" in searched.lower(), searched  # the standalone query carries the previous question


@pytest.mark.slow
def test_off_topic_question_abstains_as_an_answer(client: Client) -> None:
    text, panel = ask(client, "What is the capital of France?")
    assert "sources don't say" in text
    assert "Searched for: What is the capital of France?" in panel["content"]


@pytest.mark.slow
def test_empty_question_is_one_error_line(client: Client) -> None:
    reply = client.predict("", api_name="/chat")
    assert isinstance(reply, str), reply
    assert reply.startswith("⚠️") and "empty" in reply
    assert "\n" not in reply and "Traceback" not in reply
    # The failed exchange stays out of the conversation: the next question is answered on its own.
    text, panel = ask(client, "When is the deadline for the negotiations?")
    assert "July 13, 2026" in text


def test_history_for_ask_normalises_gradio_messages() -> None:
    history = [
        {"role": "user", "content": [{"type": "text", "text": "When is the deadline?"}]},
        {"role": "assistant", "content": "July 13, 2026 [1].", "metadata": None},
        {"role": "assistant", "content": "[1] A title (2026-01-15, article.md): “…”",
         "metadata": {"title": "Sources (1)", "status": "done"}},
        {"role": "user", "content": ""},
        {"role": "assistant", "content": "⚠️ The question is empty"},
        {"role": "user", "content": [{"type": "file", "file": {"path": "/tmp/x.png"}}, "and this?"]},
        {"role": "system", "content": "ignored"},
    ]
    assert history_for_ask(history) == [
        {"role": "user", "content": "When is the deadline?"},
        {"role": "assistant", "content": "July 13, 2026 [1]."},
        {"role": "user", "content": "and this?"},
    ]
    assert history_for_ask(None) == []
