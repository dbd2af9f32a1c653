"""The web chat end to end: a real index of a copy of the corpus, the app on a free local port, gradio_client calls.

Endpoints: ``/chat(message, answerer, top_k)`` returns (chat messages, textbox, answer JSON, export file);
``/show_citation("turn:marker")`` the source panel; ``/upload(files)`` one line per file. The conversation lives in
the session's state, so one ``Client`` is one conversation.
"""

from __future__ import annotations

import html
import json
import re
import threading
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest
from gradio_client import Client, handle_file

from assistant import Answer, AssistantError, Citation, Settings, get_assistant, load_settings
from assistant.answerers import ANSWERERS, NAMES
from assistant.chat import conversation, feedback, render, uploads
from assistant.chat.app import EXAMPLES, TITLE, build_app
from assistant.chat.export import conversation_markdown
from assistant.chat.server import parse_auth
from assistant.documents import Document
from assistant.text import terms
from chat_app import NEW_DOCUMENT, serve, settings, url  # noqa: F401 (settings, url: module fixtures)

MARKER_LINK = re.compile(r'href="#cite-(\d+)-(\d+)"')

@pytest.fixture
def client(url: str) -> Iterator[Client]:
    """A new session, so a new conversation."""
    c = Client(url, verbose=False, analytics_enabled=False, download_files=False)
    try:
        yield c
    finally:
        c.close()


def ask(client: Client, question: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The chat window's messages and the answer's JSON after one question."""
    messages, textbox, answer, _export = client.predict(question, api_name="/chat")
    assert textbox == ""
    return messages, answer


def content(message: dict[str, Any]) -> str:
    parts = message["content"]
    return "".join(p.get("text", "") for p in parts) if isinstance(parts, list) else str(parts)


@pytest.mark.slow
@pytest.mark.server
def test_endpoints_and_page(client: Client, url: str) -> None:
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert [p["parameter_name"] for p in api["/chat"]["parameters"]] == ["message", "answerer", "top_k"]
    assert {"/show_citation", "/upload", "/read_document", "/feedback_comment"} <= set(api)
    with urllib.request.urlopen(url + "config", timeout=30) as resp:
        config = json.load(resp)
    assert config["title"] == TITLE
    text = json.dumps(config, ensure_ascii=False)
    for example in EXAMPLES:
        assert example in text, example


@pytest.mark.slow
@pytest.mark.server
def test_answer_has_clickable_markers_and_the_panel_shows_the_quote(client: Client, settings: Settings) -> None:
    job = client.submit("When is the deadline for the negotiations?", api_name="/chat")
    messages, _, answer, export = job.result(timeout=300)
    assert len(job.outputs()) > 1, "the answer was not streamed"
    assert "July 13, 2026" in answer["text"] and not answer["abstained"]
    shown = content(messages[1])
    links = {(int(t), int(m)) for t, m in MARKER_LINK.findall(shown)}
    assert links == {(0, c["marker"]) for c in answer["citations"]}, shown
    assert "Searched for:" in shown and html.escape(answer["query"]) in shown
    assert messages[2]["metadata"]["title"] == f"Sources ({len(answer['citations'])})"
    assert Path(export["path"]).read_text(encoding="utf-8").count("> ") >= len(answer["citations"])

    for citation in answer["citations"]:
        panel = client.predict(f"0:{citation['marker']}", api_name="/show_citation")
        marked = re.search(r'<mark class="quote">(.*?)</mark>', panel, re.S)
        assert marked, panel
        assert html.unescape(marked.group(1).replace("<br>", "\n")) == citation["quote"]
        document = get_assistant(settings).document(citation["source"])
        assert document.text[citation["start"]:citation["end"]] == citation["quote"]
        assert html.escape(document.title) in panel
        assert f"characters {citation['start']:,}–{citation['end']:,}" in panel
    missing = client.predict("0:99", api_name="/show_citation")
    assert "no citation [99]" in missing


@pytest.mark.slow
@pytest.mark.server
def test_follow_up_uses_this_sessions_conversation(client: Client) -> None:
    ask(client, "When is the deadline for the negotiations?")
    messages, answer = ask(client, "What happens if it is missed?")
    assert len(messages) == 6
    assert answer["citations"] and "deadline" in answer["query"].lower(), answer["query"]
    assert html.escape(answer["query"]) in content(messages[4])
    # Markers of the second answer point at turn 1, and the first answer's still work.
    assert MARKER_LINK.findall(content(messages[4]))[0][0] == "1"
    assert "<mark" in client.predict("0:1", api_name="/show_citation")


@pytest.mark.slow
@pytest.mark.server
def test_abstention_is_an_answer_not_an_error(client: Client) -> None:
    messages, answer = ask(client, "What is the capital of France?")
    assert answer["abstained"] and "sources don't say" in answer["text"]
    shown = content(messages[1])
    assert "Not in the sources" in shown and "error" not in shown
    assert "Searched for:" in shown


@pytest.mark.slow
@pytest.mark.server
def test_disagreeing_sources_are_flagged_with_both_sides_cited(client: Client) -> None:
    messages, answer = ask(client, "Who is the U.S. Trade Representative?")
    assert answer["conflict"], answer["text"]
    shown = content(messages[1])
    assert "The sources disagree" in shown
    assert len({c["source"] for c in answer["citations"]}) >= 2
    assert len(set(MARKER_LINK.findall(shown))) == len(answer["citations"])


@pytest.mark.slow
@pytest.mark.server
def test_login_is_required_when_configured(settings: Settings) -> None:
    locked = settings.model_copy(update={"chat_auth": "analyst:correct horse"})
    with serve(locked) as address:
        with pytest.raises(Exception):  # noqa: B017 - gradio_client raises its own error types for a 401
            Client(address, verbose=False, analytics_enabled=False)
        with pytest.raises(ValueError, match="Could not login"):
            Client(address, auth=("analyst", "wrong"), verbose=False, analytics_enabled=False)
        c = Client(address, auth=("analyst", "correct horse"), verbose=False, analytics_enabled=False,
                   download_files=False)
        try:
            _, answer = ask(c, "Who is the Secretary of Commerce?")
            assert answer["citations"]
        finally:
            c.close()


@pytest.mark.slow
@pytest.mark.server
def test_empty_question_is_one_line_and_stays_out_of_the_history(client: Client) -> None:
    messages, answer = ask(client, "   ")
    assert answer == {"error": "The question is empty"}
    assert "Error: The question is empty" in content(messages[1])
    messages, answer = ask(client, "When is the deadline for the negotiations?")
    assert answer["query"] == "When is the deadline for the negotiations?"  # no failed turn in the history
    assert MARKER_LINK.findall(content(messages[3]))[0][0] == "1"


@pytest.mark.slow
@pytest.mark.server
def test_the_answerer_and_number_of_sources_are_per_question(client: Client) -> None:
    _, _, narrow, _ = client.predict("When is the deadline for the negotiations?", "extractive", 3, api_name="/chat")
    assert narrow["meta"]["answerer"] == "extractive" and len(narrow["meta"]["retrieved"]) == 3
    _, _, wide, _ = client.predict("When is the deadline for the negotiations?", "extractive", 12, api_name="/chat")
    assert len(wide["meta"]["retrieved"]) == 12


@pytest.mark.slow
@pytest.mark.server
def test_unavailable_backend_is_one_line(client: Client) -> None:
    _, textbox, answer, _ = client.predict("When is the deadline?", "openai", 8, api_name="/chat")
    if "error" in answer:  # no OpenAI-compatible server is configured here
        assert "\n" not in answer["error"] and "openai" in answer["error"].lower(), answer
    else:  # a backend that answers must still cite
        assert answer["citations"] or answer["abstained"]


@pytest.mark.slow
@pytest.mark.server
def test_upload_a_good_file_then_ask_about_it(client: Client, settings: Settings, tmp_path: Path) -> None:
    upload = tmp_path / "Tugboat order (Kestrel).md"
    upload.write_text(NEW_DOCUMENT, encoding="utf-8")
    report, table, picker, files = client.predict([handle_file(upload)], api_name="/upload")
    assert report.startswith("- Added Tugboat order (Kestrel).md as uploads/Tugboat-order-Kestrel.md (1 chunk)"), \
        report
    assert (settings.corpus_dir / "uploads" / "Tugboat-order-Kestrel.md").read_text(encoding="utf-8") == NEW_DOCUMENT
    assert "uploads/Tugboat-order-Kestrel.md" in table
    assert ["Harbour authority orders eleven electric tugboats (uploads/Tugboat-order-Kestrel.md)",
            "uploads/Tugboat-order-Kestrel.md"] in picker["choices"]

    _, answer = ask(client, "How many electric tugboats did the Kestrel harbour authority order?")
    assert not answer["abstained"], answer["text"]
    cited = [c for c in answer["citations"] if c["source"] == "uploads/Tugboat-order-Kestrel.md"]
    assert cited and "eleven" in cited[0]["quote"], answer
    panel = client.predict(f"0:{cited[0]['marker']}", api_name="/show_citation")
    assert "Port Bulletin" in panel and "https://example.org/port/tugboats" in panel and "<mark" in panel

    full = client.predict("uploads/Tugboat-order-Kestrel.md", api_name="/read_document")
    assert "Varna shipyard" in full

    again, *_ = client.predict([handle_file(upload)], api_name="/upload")  # the same file again changes nothing
    assert "as uploads/Tugboat-order-Kestrel.md" in again
    assert not (settings.corpus_dir / "uploads" / "Tugboat-order-Kestrel-2.md").exists()


@pytest.mark.slow
@pytest.mark.server
def test_bad_uploads_get_one_line_reasons_and_change_nothing(client: Client, settings: Settings,
                                                             tmp_path: Path) -> None:
    before = {r.source: r.fingerprint for r in get_assistant(settings).sources()}
    files = {
        "binary.txt": b"\x00\x01\x02 not text",
        "controls.md": bytes(range(1, 9)) * 20,  # (a Latin-1 file is read now: legacy encodings are detected)
        "empty.html": b"",
        "picture.png": b"\x89PNG\r\n\x1a\n",
        "big.txt": b"word " * 50_000,
        "fake.pdf": b"this is not a pdf",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    report, *_ = client.predict([handle_file(tmp_path / n) for n in files], api_name="/upload")
    lines = report.splitlines()
    assert len(lines) == len(files), report
    expected = {"binary.txt": "binary content", "controls.md": "binary content (control characters)", "empty.html": "empty file",
                "picture.png": "unsupported type .png", "big.txt": "too large (250,000 bytes; the limit is 200,000)",
                "fake.pdf": "not a PDF"}
    for line, (name, reason) in zip(lines, expected.items()):
        assert line.startswith(f"- Refused {name}: ") and reason in line, line
    assert {r.source: r.fingerprint for r in get_assistant(settings).sources()} == before
    stored = {p.name for p in (settings.corpus_dir / "uploads").glob("*")} if (settings.corpus_dir / "uploads").exists() else set()
    assert not stored & set(files), stored


@pytest.mark.slow
@pytest.mark.server
def test_eight_parallel_sessions_get_their_own_answers(url: str, settings: Settings) -> None:
    questions = [
        "When is the deadline for the negotiations?",
        "Who is the Secretary of Commerce?",
        "How many critical minerals does the US rely on imports for completely?",
        "What share of rare earth processing does China control?",
        "What is the capital of France?",
        "Who is the U.S. Trade Representative?",
        "What tariff rate will be imposed if talks fail?",
        "What does Executive Order 14272 direct?",
    ]
    expected = {q: get_assistant(settings).ask(q) for q in questions}
    results: dict[str, tuple[Any, Any]] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(questions))

    def session(question: str) -> None:
        c = Client(url, verbose=False, analytics_enabled=False, download_files=False)
        try:
            barrier.wait(timeout=60)
            first = c.predict(question, api_name="/chat")[2]
            follow = c.predict("Tell me more about that.", api_name="/chat")
            results[question] = (first, follow)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread below
            errors.append(exc)
        finally:
            c.close()

    threads = [threading.Thread(target=session, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert set(results) == set(questions)
    for question, (first, (messages, _, follow, _)) in results.items():
        assert first["text"] == expected[question].text and first["query"] == question
        assert len(messages) == 6 and html.escape(question) in content(messages[0])
        # each follow-up carries its own session's subject (terms of its own first question, or the name its first
        # answer gave for "that"), no other session's
        carried = set(terms(follow["query"])) - set(terms("Tell me more about that."))
        assert carried and carried <= set(terms(question)) | set(terms(first["text"])), (question, follow["query"])


# ----------------------------------------------------------------------------------- the pieces, directly


def test_rendering_escapes_document_text_and_links() -> None:
    text = 'Intro.\n\nThe <script>alert("x")</script> tag and [1] and **bold** stay text.\n\nEnd.'
    start = text.index("The <script>")
    end = text.index(" stay text.")
    doc = Document("evil.md", text, {"title": "<b>T</b>", "url": "javascript:alert(1)", "publisher": "P&Co"})
    citation = {"marker": 1, "source": "evil.md", "quote": text[start:end], "start": start, "end": end}
    panel = render.passage_html(citation, doc)
    assert "<script>" not in panel and "&lt;script&gt;" in panel
    assert "javascript:" not in panel and "&lt;b&gt;T&lt;/b&gt;" in panel and "P&amp;Co" in panel
    assert panel.count("<mark") == 1
    answer = {"text": "A <img src=x onerror=alert(1)> [1] and [7].", "citations": [citation], "query": "q <i>",
              "abstained": False}
    shown = render.answer_html(answer, 3)
    assert "<img" not in shown and 'href="#cite-3-1"' in shown and "#cite-3-7" not in shown
    assert "\n" not in shown  # one line: Markdown leaves raw HTML alone
    changed = render.passage_html({**citation, "start": 0, "end": 5}, doc)  # offsets moved: the quote is found
    assert changed.count("<mark") == 1 and "&lt;script&gt;" in changed
    gone = render.passage_html({**citation, "quote": "not in the text"}, doc)
    assert "changed since this answer" in gone


def test_upload_names_are_made_safe() -> None:
    assert uploads.safe_name("../../etc/Report 2026 (final).MD") == "Report-2026-final.md"
    assert uploads.safe_name("C:\\Users\\x\\Zürich notes.txt") == "Zurich-notes.txt"
    assert uploads.safe_name("a" * 300 + ".pdf") == "a" * 96 + ".pdf"
    for bad, reason in [(".md", "no usable characters"), ("notes", "unsupported type (none)"),
                        ("run.sh", "unsupported type .sh"), ("???.html", "no usable characters")]:
        with pytest.raises(uploads.UploadError, match=re.escape(reason)):
            uploads.safe_name(bad)


def test_feedback_lines_and_markdown_export(tmp_path: Path) -> None:
    answer = Answer("July 13, 2026 [1].", [Citation(1, "a.md", "A", "deadline of July 13", 5, 24,
                                                     "https://example.org/a", "2026-01-15", "Pub")], False, "When?")
    turn = conversation.finish(conversation.new_turn("When?", {"answerer": "extractive", "top_k": 8}), answer)
    path = tmp_path / "sub" / "feedback.jsonl"
    record = feedback.feedback_record(turn, "down", "  wrong\nsource ")
    feedback.append(path, record)
    feedback.append(path, feedback.feedback_record(turn, "down", "second", feedback_id=record["id"]))
    lines = feedback.read(path)
    assert [r["comment"] for r in lines] == ["wrong source", "second"] and lines[0]["id"] == lines[1]["id"]
    assert lines[0]["question"] == "When?" and lines[0]["citations"][0]["quote"] == "deadline of July 13"
    assert lines[0]["settings"] == {"answerer": "extractive", "top_k": 8}

    failed = conversation.fail(conversation.new_turn("", {}), "The question is empty")
    md = conversation_markdown([turn, failed])
    assert "## 1. When?" in md and "July 13, 2026 [1]." in md and "> deadline of July 13" in md
    assert "[1] **A**, Pub, 2026-01-15, `a.md` (characters 5–24), <https://example.org/a>" in md
    assert "*Error:* The question is empty" in md
    assert conversation.history([turn, failed]) == [{"role": "user", "content": "When?"},
                                                    {"role": "assistant", "content": "July 13, 2026 [1].",
                                                     "abstained": False}]


def test_the_answerer_menu_is_the_registry_and_building_the_app_opens_no_index(tmp_path: Path) -> None:
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", llm="extractive")
    config = build_app(settings).config
    (menu,) = [c["props"] for c in config["components"] if c["props"].get("label") == "Answerer"]
    assert [tuple(choice) for choice in menu["choices"]] == [(name, name) for name in NAMES]
    assert menu["value"] == "extractive"
    assert all(spec.description in menu["info"] for spec in ANSWERERS)
    (slider,) = [c["props"] for c in config["components"] if c["props"].get("label") == "Number of sources"]
    assert slider["value"] == settings.top_k
    assert not (tmp_path / "index").exists()


def test_chat_settings_read_their_variables_and_the_former_names(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = load_settings()
    assert (defaults.chat_host, defaults.chat_port, defaults.chat_auth) == ("127.0.0.1", 7860, None)
    monkeypatch.setenv("ASSISTANT_UI_PORT", "7001")
    monkeypatch.setenv("ASSISTANT_UI_AUTH", "ana:pw")
    assert (load_settings().chat_port, load_settings().chat_auth) == (7001, "ana:pw")
    monkeypatch.setenv("ASSISTANT_CHAT_PORT", "7002")
    monkeypatch.setenv("ASSISTANT_CHAT_CONCURRENCY", "2")
    assert (load_settings().chat_port, load_settings().chat_concurrency) == (7002, 2)
    assert load_settings(chat_port=7003).chat_port == 7003
    monkeypatch.setenv("ASSISTANT_CHAT_PORT", "70000")
    with pytest.raises(AssistantError, match=r"^invalid setting chat_port \(ASSISTANT_CHAT_PORT or ASSISTANT_UI_PORT\)"):
        load_settings()


def test_login_setting() -> None:
    assert parse_auth(None) is None and parse_auth("") is None
    assert parse_auth("ana:s3cr:et") == ("ana", "s3cr:et")
    for bad in ("ana", "ana:", ":pw"):
        with pytest.raises(ValueError, match="user:password"):
            parse_auth(bad)

