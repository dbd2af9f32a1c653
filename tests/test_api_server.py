"""The OpenAI-compatible API (``assistant serve``): the real uvicorn server on a free 127.0.0.1 port over a throwaway
index of the tiny corpus, asked by the real ``openai`` client, LangChain's ``ChatOpenAI`` and plain HTTP. Answers and
their streams carry [n] markers whose sources are exact spans of the stored documents; follow-ups, keys, bad
requests, a full queue and 32 clients at once behave as OpenAI's clients expect."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

import httpx
import openai
import pytest
import uvicorn

from assistant import get_assistant
from assistant.api import create_app
from assistant.api.sources import without_sources
from assistant.api.streaming import REVISED, Deltas
from assistant.index.ingest import ingest
from assistant.settings import Settings

from conftest import REPO, TINY_DOCUMENTS, free_port

KEYS = ("first-key", "second-key")
MARKER = re.compile(r"\[(\d+)\]")


class Served:
    """The API app for ``settings`` served by uvicorn in a thread of this process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port, log_level="warning",
                                timeout_graceful_shutdown=5)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "Served":
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "the API server did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *_: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)

    def client(self, key: str | None = KEYS[0], **options: Any) -> openai.OpenAI:
        return openai.OpenAI(base_url=f"{self.url}/v1", api_key=key or "none", max_retries=0, timeout=120,
                             **options)


def tiny_index(folder: Path, **api: Any) -> Settings:
    corpus = folder / "corpus"
    corpus.mkdir()
    for name, text in TINY_DOCUMENTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=folder / "index", llm="extractive", **api)
    assert ingest(settings=settings, progress=False).documents == len(TINY_DOCUMENTS)
    return settings


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    settings = tiny_index(tmp_path_factory.mktemp("api"), api_key=",".join(KEYS))
    with Served(settings) as srv:
        yield srv


def stored_text(settings: Settings, source: str) -> str:
    document = get_assistant(settings).document(source)
    assert document is not None, source
    return document.text


def assert_cited(settings: Settings, content: str, extra: dict[str, Any]) -> None:
    """Every marker in the text has its source, every source quote is the stored document's span, and the
    Sources block lists each one."""
    text, _, block = content.partition("\n\nSources:\n")
    markers = {int(m) for m in MARKER.findall(text)}
    assert markers and markers == {s["marker"] for s in extra["sources"]}, content
    for source in extra["sources"]:
        assert stored_text(settings, source["source"])[source["start"]:source["end"]] == source["quote"]
        assert source["verified"] is True
        assert f'[{source["marker"]}] {source["title"]} ({source["source"]}): "{source["quote"]}"' in block
    assert len(extra["citations"]) == len(extra["sources"])
    assert {r["snippet"] for r in extra["search_results"]} <= {s["quote"] for s in extra["sources"]}


# -- the pieces without a server -----------------------------------------------------------------------------------
def test_deltas_send_only_new_verified_text_and_revise_safely():
    deltas = Deltas()
    assert [deltas.step(t) for t in ("A [1].", "A [1].", "A [1]. B [2].")] == ["A [1].", "", " B [2]."]
    assert deltas.finish("A [1]. B [2].") == "" and deltas.sent == "A [1]. B [2]."
    changed = Deltas()
    assert changed.step("A [1].") == "A [1]."
    assert changed.step("C [1].") == "" and changed.step("C [1]. D [2].") == ""  # not an extension: held back
    assert changed.finish("C [1]. D [2].") == REVISED + "C [1]. D [2]."
    assert changed.sent.endswith("C [1]. D [2].")  # the client ends with the final text, its markers intact


def test_history_drops_the_sources_block_this_server_appended():
    content = 'It closes on July 14 [1].\n\nSources:\n[1] Repairs (bridge.md): "close from July 14"'
    assert without_sources(content) == "It closes on July 14 [1]."
    assert without_sources("Sources: none needed") == "Sources: none needed"


# -- the server --------------------------------------------------------------------------------------------------------
@pytest.mark.server
def test_models_lists_the_one_served_model(served):
    models = served.client().models.list()
    assert [m.id for m in models.data] == ["assistant"]
    assert models.data[0].model_extra["answerer"] == "extractive"
    assert served.client(KEYS[1]).models.retrieve("assistant").id == "assistant"


@pytest.mark.server
def test_a_plain_answer_carries_markers_and_exact_sources(served):
    reply = served.client().chat.completions.create(
        model="assistant", messages=[{"role": "user", "content": "How much does the Heron Bridge repair cost?"}])
    content = reply.choices[0].message.content
    assert "2.7 million euros" in content and reply.choices[0].finish_reason == "stop"
    assert_cited(served.settings, content, reply.model_extra)
    assert reply.model_extra["abstained"] is False and "Heron Bridge" in reply.model_extra["query"]
    assert reply.usage.total_tokens == 0  # the extractive answerer runs no model


@pytest.mark.server
def test_a_streamed_answer_ends_with_its_text_and_sources_together(served):
    question = [{"role": "user", "content": "Who is the treasurer?"}]
    plain = served.client().chat.completions.create(model="assistant", messages=question)
    chunks = list(served.client().chat.completions.create(model="assistant", messages=question, stream=True))
    assert all(chunk.choices for chunk in chunks)
    streamed = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert streamed == plain.choices[0].message.content  # the same text, Sources block included
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and [c.choices[0].finish_reason for c in chunks[:-1]] == \
        [None] * (len(chunks) - 1)
    assert "Sources:\n[1]" in last.choices[0].delta.content and last.usage is not None
    assert_cited(served.settings, streamed, last.model_extra)
    assert last.model_extra["citations"] == ["https://example.org/millbrook/water-budget"]
    annotation = last.choices[0].delta.model_extra["annotations"][0]["url_citation"]
    assert streamed[annotation["start_index"]:annotation["end_index"]] == "[1]"
    assert "Ines Varga" in streamed


@pytest.mark.server
def test_the_stream_ends_with_done(served):
    body = {"model": "assistant", "stream": True, "messages": [{"role": "user", "content": "Who is the treasurer?"}]}
    with httpx.stream("POST", f"{served.url}/v1/chat/completions", json=body, timeout=60,
                      headers={"Authorization": f"Bearer {KEYS[0]}"}) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        events = [line for line in response.iter_lines() if line]
    assert events[-1] == "data: [DONE]" and all(e.startswith("data: ") for e in events)
    assert all("choices" in json.loads(e[6:]) for e in events[:-1])


@pytest.mark.server
def test_open_webui_source_events_are_streamed_on_request(served):
    question = [{"role": "user", "content": "How much does the Heron Bridge repair cost?"}]
    plain = list(served.client().chat.completions.create(model="assistant", messages=question, stream=True))
    assert not any("event" in (c.model_extra or {}) for c in plain)  # off unless asked (or set)
    chunks = list(served.client().chat.completions.create(model="assistant", messages=question, stream=True,
                                                          extra_body={"source_events": True}))
    events = [c.model_extra["event"] for c in chunks if "event" in (c.model_extra or {})]
    sources = chunks[-1].model_extra["sources"]
    assert len(events) == len(sources) and all(c.choices for c in chunks)
    for event, source in zip(events, sources):
        assert event["type"] == "source" and event["data"]["source"]["name"] == f"[{source['marker']}]"
        assert event["data"]["document"] == [source["quote"]]
        assert event["data"]["metadata"][0]["name"] == source["title"]


@pytest.mark.server
def test_a_follow_up_is_answered_about_the_earlier_subject(served):
    client = served.client()
    first = [{"role": "user", "content": "When does the Heron Bridge close?"}]
    earlier = client.chat.completions.create(model="assistant", messages=first).choices[0].message.content
    assert "July 14" in earlier
    follow_up = client.chat.completions.create(model="assistant", messages=[
        {"role": "system", "content": "You are a helpful assistant."}, *first,
        {"role": "assistant", "content": earlier},  # as a client sends it back: with its Sources block
        {"role": "user", "content": "How much does its repair cost?"}])
    assert "2.7 million euros" in follow_up.choices[0].message.content
    assert "Heron Bridge" in follow_up.model_extra["query"]
    assert {s["source"] for s in follow_up.model_extra["sources"]} == {"bridge-repair.md"}


@pytest.mark.server
def test_langchain_chat_openai_gets_cited_answers(served):
    from langchain_openai import ChatOpenAI

    chat = ChatOpenAI(model="assistant", base_url=f"{served.url}/v1", api_key=KEYS[1], max_retries=0, timeout=120)
    reply = chat.invoke("Who was the architect of the Quarry Lane library?")
    assert "Tomas Reyes" in reply.content and MARKER.search(reply.content) and "Sources:\n[1]" in reply.content
    streamed = "".join(str(piece.content) for piece in chat.stream("Who was the architect of the Quarry Lane library?"))
    assert streamed == reply.content


@pytest.mark.server
def test_a_wrong_or_missing_key_is_refused_in_openais_shape(served):
    with pytest.raises(openai.AuthenticationError) as wrong:
        served.client("not-a-key").chat.completions.create(
            model="assistant", messages=[{"role": "user", "content": "Who is the treasurer?"}])
    assert wrong.value.status_code == 401 and wrong.value.code == "invalid_api_key"
    missing = httpx.get(f"{served.url}/v1/models", timeout=10)
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    error = missing.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["type"] == "invalid_request_error"
    assert error["code"] == "invalid_api_key" and error["param"] is None and "\n" not in error["message"]


@pytest.mark.server
@pytest.mark.parametrize("body, fragment", [
    ({"model": "assistant", "messages": [{"role": "system", "content": "Be brief."}]}, "no user message"),
    ({"model": "assistant", "messages": []}, "messages must be a non-empty list"),
    ({"model": "gpt-4o", "messages": [{"role": "user", "content": "Who is the treasurer?"}]}, "unknown model"),
    ({"model": "assistant", "messages": [{"role": "user", "content": "word " * 1000}]}, "the limit is 2,000"),
    ({"model": "assistant", "messages": [{"role": "user", "content": "   "}]}, "the question is empty"),
    ({"model": "assistant", "messages": [{"role": "oracle", "content": "x"}]}, "needs a role"),
    ({"model": "assistant", "n": 3, "messages": [{"role": "user", "content": "x?"}]}, "n must be 1"),
    ("not json", "not JSON"),
])
def test_a_bad_request_is_a_400_with_one_line(served, body, fragment):
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    response = httpx.post(f"{served.url}/v1/chat/completions", content=content, timeout=30,
                          headers={"Authorization": f"Bearer {KEYS[0]}", "Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert fragment in error["message"] and "\n" not in error["message"]
    assert error["type"] == "invalid_request_error"


@pytest.mark.server
def test_the_openai_client_sees_a_bad_request(served):
    with pytest.raises(openai.BadRequestError) as refused:
        served.client().chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi?"}])
    assert refused.value.status_code == 400 and refused.value.param == "model"


@pytest.mark.server
def test_32_concurrent_clients_all_get_cited_answers(served):
    questions = ["Who is the treasurer?", "How much does the Heron Bridge repair cost?",
                 "Who was the architect of the Quarry Lane library?", "When is the public hearing on the price tiers?"]
    client = served.client()

    def ask(i: int) -> tuple[str, dict[str, Any]]:
        reply = client.chat.completions.create(model="assistant", messages=[{"role": "user",
                                                                             "content": questions[i % 4]}])
        return reply.choices[0].message.content, reply.model_extra

    with ThreadPoolExecutor(32) as pool:
        replies = list(pool.map(ask, range(32)))
    assert len(replies) == 32
    for content, extra in replies:
        assert_cited(served.settings, content, extra)
    assert len({content for content, _ in replies}) == 4  # each question its own answer, the same every time


@pytest.mark.server
def test_a_full_queue_answers_429_with_retry_after(tmp_path):
    settings = tiny_index(tmp_path, api_concurrency=1, api_max_queue=0, api_cors_origins="http://webui.example")
    with Served(settings) as srv:
        barrier = threading.Barrier(12)
        body = {"model": "assistant", "messages": [{"role": "user", "content": "Who is the treasurer?"}]}

        def post(_: int) -> httpx.Response:
            barrier.wait()
            return httpx.post(f"{srv.url}/v1/chat/completions", json=body, timeout=120)

        with ThreadPoolExecutor(12) as pool:
            responses = list(pool.map(post, range(12)))
        statuses = [r.status_code for r in responses]
        assert 200 in statuses and 429 in statuses and set(statuses) == {200, 429}, statuses
        busy = next(r for r in responses if r.status_code == 429)
        assert int(busy.headers["retry-after"]) >= 1
        assert busy.json()["error"]["code"] == "rate_limit_exceeded"
        # CORS: the configured origin is allowed, any other is not
        preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
        allowed = httpx.options(f"{srv.url}/v1/chat/completions", timeout=10,
                                headers={"Origin": "http://webui.example", **preflight})
        other = httpx.options(f"{srv.url}/v1/chat/completions", timeout=10,
                              headers={"Origin": "http://elsewhere.example", **preflight})
        assert allowed.headers.get("access-control-allow-origin") == "http://webui.example"
        assert "access-control-allow-origin" not in other.headers


@pytest.mark.server
def test_cors_is_off_unless_origins_are_configured(served):
    response = httpx.get(f"{served.url}/health", headers={"Origin": "http://webui.example"}, timeout=10)
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers


# -- the command -------------------------------------------------------------------------------------------------------
def serve_command(*args: str, env: dict[str, str] | None = None, **popen: Any) -> subprocess.Popen:
    full = {k: v for k, v in os.environ.items() if k != "ASSISTANT_API_KEY"}
    full.update(env or {})
    return subprocess.Popen([sys.executable, "-m", "assistant", "serve", *args], env=full, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "::"])
def test_serve_refuses_a_public_address_without_a_key(host):
    proc = serve_command("--host", host, "--port", str(free_port()))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == [f"error: refusing to serve on {host} without an API key: set ASSISTANT_API_KEY, or serve on "
                     "127.0.0.1"], err


@pytest.mark.server
def test_serve_runs_the_real_server_with_a_key(tmp_path):
    settings = tiny_index(tmp_path)
    port = free_port()
    env = {"ASSISTANT_CORPUS_DIR": str(settings.corpus_dir), "ASSISTANT_INDEX_DIR": str(settings.index_dir),
           "ASSISTANT_API_KEY": "k-1, k-2", "ASSISTANT_API_MODEL": "research"}
    proc = serve_command("--port", str(port), "--answerer", "extractive", env=env)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.communicate()[1]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "assistant serve did not start within 120 s"
            time.sleep(0.3)
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="k-2", max_retries=0)
        assert [m.id for m in client.models.list().data] == ["research"]
        reply = client.chat.completions.create(model="research", messages=[{"role": "user",
                                                                            "content": "Who is the treasurer?"}])
        assert "Ines Varga" in reply.choices[0].message.content and reply.model_extra["sources"]
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


# -- with the model ----------------------------------------------------------------------------------------------------
@pytest.mark.llm
@pytest.mark.server
def test_the_model_answers_through_the_api(tmp_path):
    """Needs the llamacpp extra, like every test marked llm."""
    settings = tiny_index(tmp_path).model_copy(update={
        "llm": "llamacpp", "llm_model": "smollm2", "llm_max_tokens": 128})  # the 135M model: quick on 2 cores
    with Served(settings) as srv:
        chunks = list(srv.client().chat.completions.create(
            model="assistant", stream=True, messages=[{"role": "user", "content": "Who is the treasurer?"}]))
        streamed = "".join(c.choices[0].delta.content or "" for c in chunks)
        assert chunks[-1].choices[0].finish_reason == "stop"
        assert_cited(settings, streamed, chunks[-1].model_extra)
        assert chunks[-1].usage.completion_tokens > 0  # the model wrote it
