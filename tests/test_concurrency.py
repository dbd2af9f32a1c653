"""32 questions at once, through threads and through the Gradio app, while an ingest writes to the same index:
zero errors and every answer right. Real model, real embedded Chroma, the real app on 127.0.0.1 (slow).
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import pytest

from assistant.engine import Assistant
from assistant.index.ingest import IngestReport, ingest
from assistant.settings import Settings

from conftest import TINY_DOCUMENTS, copy_corpus

pytestmark = pytest.mark.slow

# Each question with what its answer must say (None: it must abstain). Facts from the real corpus.
CASES = [
    ("When is the deadline for the negotiations?", r"July 13, 2026"),
    ("How many days do trading partners have to reach agreements?", r"\b180\b"),
    ("For how many critical minerals is the US completely reliant on imports?", r"\b12\b"),
    ("Who is the Secretary of Commerce?", r"Lutnick"),
    ("Which Foreign Ministry spokesperson responded to the G7 statement?", r"Mao Ning"),
    ("What share of global rare earth production did China account for in 2023?", r"60%"),
    ("What is the capital of France?", None),
    ("What tariff rate will be imposed if talks fail?", None),
]
QUESTIONS = [CASES[i % len(CASES)] for i in range(32)]


def check(answer_text: str, abstained: bool, expected: str | None) -> None:
    if expected is None:
        assert abstained and answer_text.startswith("The sources don't"), answer_text
    else:
        assert not abstained and re.search(expected, answer_text.split("\n")[0]), answer_text


@pytest.fixture
def live_settings(tmp_path: Path) -> Settings:
    """A copy of the real corpus, indexed; the test adds documents to it while questions are answered."""
    settings = Settings(corpus_dir=copy_corpus(tmp_path), index_dir=tmp_path / "index")
    assert ingest(settings=settings, progress=False).documents == 6
    return settings


def ingest_while(settings: Settings, busy: Callable[[], None]) -> tuple[IngestReport, float, float, float, float]:
    """Run ``busy`` while another thread adds documents and ingests them; the time spans of both."""
    corpus = Path(settings.corpus_dir)
    for i in range(4):  # enough new text that the ingest is still writing while questions arrive
        for name, text in TINY_DOCUMENTS.items():
            (corpus / f"new-{i}-{name}").write_text(text.replace("Millbrook", f"Millbrook {i}"), encoding="utf-8")
    result: dict = {}

    def writer() -> None:
        result["start"] = time.monotonic()
        result["report"] = ingest(settings=settings, progress=False)
        result["end"] = time.monotonic()

    thread = threading.Thread(target=writer)
    thread.start()
    busy_start = time.monotonic()
    busy()
    busy_end = time.monotonic()
    thread.join(timeout=600)
    assert "report" in result, "the ingest did not finish"
    return result["report"], result["start"], result["end"], busy_start, busy_end


def test_32_parallel_asks_in_threads_during_an_ingest(live_settings):
    assistant = Assistant(live_settings)
    answers: list = []

    def busy() -> None:
        with ThreadPoolExecutor(max_workers=32) as pool:
            answers.extend(pool.map(lambda case: (case, assistant.ask(case[0])), QUESTIONS))

    report, ingest_start, ingest_end, asks_start, asks_end = ingest_while(live_settings, busy)
    assert len(answers) == 32
    for (question, expected), answer in answers:
        check(answer.text, answer.abstained, expected)
        for c in answer.citations:
            assert assistant.document(c.source).text[c.start:c.end] == c.quote
    assert report.documents == 18 and len(report.new_documents) == 12
    assert ingest_start < asks_end and asks_start < ingest_end, "the questions and the ingest did not overlap"
    assert len(assistant.sources()) == 18


@pytest.mark.server
def test_32_parallel_chats_through_the_gradio_app_during_an_ingest(live_settings):
    """32 sessions of the chat at once (``/chat``: message → messages, textbox, the answer's JSON, export)."""
    from gradio_client import Client

    from chat_app import serve

    clients: list[Client] = []
    with serve(live_settings) as url:
        try:
            # A generous HTTP timeout: 32 sessions posting at once to one busy process may wait for the GIL.
            clients = [Client(url, verbose=False, analytics_enabled=False, download_files=False,
                              httpx_kwargs={"timeout": 300}) for _ in range(32)]
            replies: list = []

            def busy() -> None:
                jobs = [(case, client.submit(case[0], api_name="/chat")) for case, client in zip(QUESTIONS, clients)]
                replies.extend((case, job.result(timeout=600)) for case, job in jobs)

            report, ingest_start, ingest_end, asks_start, asks_end = ingest_while(live_settings, busy)
            assert len(replies) == 32
            for (question, expected), reply in replies:
                messages, textbox, answer, _export = reply
                assert textbox == "" and answer, reply  # an empty answer would be an error line
                check(answer["text"], answer["abstained"], expected)
                assert [m["role"] for m in messages][:2] == ["user", "assistant"]
                assert question in str(messages[0]["content"]), (question, messages[0])
            assert report.documents == 18
            assert ingest_start < asks_end and asks_start < ingest_end, "the chats and the ingest did not overlap"
        finally:
            for client in clients:
                client.close()
