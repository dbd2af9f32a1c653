"""Web chat for the research assistant: streamed answers whose [n] markers open the exact passage they quote.

    python ui.py            # http://127.0.0.1:7860 (ASSISTANT_UI_PORT to change), fully offline

Presentation only: answers come from ``Assistant.ask_stream``; rendering, uploads, feedback and export live in
``assistant/chatui/``. Importing this module has no side effects; ``main()`` launches the server.

Named endpoints (``gradio_client``): ``/chat(message, answerer, top_k)``, ``/show_citation(target)``,
``/upload(files)``, ``/read_document(source)``, ``/feedback_comment(comment)``. A ``Client`` is one session,
so one conversation.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import uuid
from pathlib import Path
from typing import Any, Iterator

import gradio as gr

from assistant import Answer, AssistantError, Settings
from assistant.chat import conversation, feedback, render, uploads
from assistant.load.loaders import supported_types
from assistant.chat.assets import CLICK_JS, CSS
from assistant.chat.export import conversation_markdown
from assistant.engine import get_assistant

logger = logging.getLogger(__name__)

TITLE = "Research assistant"
DESCRIPTION = ("Answers only from the indexed news and policy documents. Every sentence cites a verified quote: "
               "click a marker such as [1] to see the passage. When the sources don't say, it tells you.")
EXAMPLES = [
    "When is the deadline for the negotiations?",
    "How many critical minerals does the US rely on imports for completely?",
    "Who is the Secretary of Commerce?",
    "Who is the U.S. Trade Representative?",
    "What share of rare earth processing does China control?",
    "What tariff rate will be imposed if talks fail?",
]
ANSWERERS = ["extractive", "llamacpp", "openai"]
HOST = "127.0.0.1"
DEFAULT_PORT = 7860
CONCURRENCY = 4  # questions answered at once; the rest wait in the queue
MAX_QUEUE = 64  # waiting requests beyond this are refused with "queue full"
ERROR_PREFIX = conversation.ERROR_PREFIX
# Gradio refuses uploads above this multiple of upload_max_bytes before they reach the disk; smaller files that
# are still over the limit get the chat's own one-line reason.
UPLOAD_HARD_LIMIT_FACTOR = 4



# ------------------------------------------------------------------------------------------------ helpers


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


def error_message(err: BaseException) -> str:
    """An error as one line for the user (first letter upper-cased)."""
    text = _one_line(str(err)) or type(err).__name__
    return f"{text[:1].upper()}{text[1:]}"


def answer_settings(settings: Settings, answerer: str | None, top_k: float | int | None) -> Settings:
    """The settings for one question: the app's, with the answerer and number of sources chosen in the panel."""
    update: dict[str, Any] = {}
    if answerer:
        if answerer not in ANSWERERS:
            raise AssistantError(f"unknown answerer {answerer!r}; choose one of {', '.join(ANSWERERS)}")
        update["llm"] = answerer
    if top_k:
        update["top_k"] = max(1, min(50, int(top_k)))
    return settings.model_copy(update=update) if update else settings


def assistant_for(settings: Settings, answerer: str | None, top_k: float | int | None):
    """The shared Assistant for these choices, or AssistantError with one line when the backend can't start."""
    chosen = answer_settings(settings, answerer, top_k)
    try:
        return get_assistant(chosen)
    except AssistantError:
        raise
    except Exception as exc:  # noqa: BLE001 - e.g. a missing optional package or an unreachable server
        logger.exception("starting the %s answerer failed", chosen.llm)
        raise AssistantError(f"the {chosen.llm} answerer is not available ({_one_line(exc) or type(exc).__name__})") \
            from exc


def documents_table_html(settings: Settings) -> str:
    """Every indexed document with its metadata and chunk count, as an HTML table."""
    try:
        return render.documents_table_html(get_assistant(settings).sources())
    except AssistantError as err:
        return render.error_html(ERROR_PREFIX + error_message(err))


def document_choices(settings: Settings) -> list[tuple[str, str]]:
    """(label, source) pairs for the document picker."""
    try:
        records = get_assistant(settings).sources()
    except AssistantError:
        return []
    return [(f"{(r.metadata or {}).get('title') or r.source} ({r.source})", r.source) for r in records]


# ---------------------------------------------------------------------------------------------------- app


def build_app(settings: Settings | None = None) -> gr.Blocks:
    """The chat app (not launched; use ``launch``). ``settings`` chooses the index and corpus; None reads
    ASSISTANT_* environment variables."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # offline: no telemetry or version check, ever
    settings = settings or Settings()
    export_dir = Path(tempfile.mkdtemp(prefix="assistant-export-"))

    def export_file(turns: list[dict[str, Any]], previous: str | None) -> str | None:
        if not turns:
            return None
        path = export_dir / f"conversation-{uuid.uuid4().hex[:8]}.md"
        path.write_text(conversation_markdown(turns), encoding="utf-8")
        if previous and Path(previous).parent == export_dir:
            Path(previous).unlink(missing_ok=True)
        return str(path)

    def respond(message: str, turns: list[dict[str, Any]] | None, answerer: str, top_k: float,
                previous_export: str | None) -> Iterator[tuple[Any, ...]]:
        turns = list(turns or [])
        question = str(message or "")
        turn = conversation.new_turn(question, {"answerer": answerer, "top_k": int(top_k or settings.top_k)})
        history = conversation.history(turns)
        turns.append(turn)
        msgs, _ = conversation.messages(turns)
        yield msgs, turns, "", None, previous_export, previous_export
        try:
            assistant = assistant_for(settings, answerer, top_k)
            for item in assistant.ask_stream(question, history):
                if isinstance(item, Answer):
                    turns[-1] = conversation.finish(turn, item)
                    path = export_file(turns, previous_export)
                    yield conversation.messages(turns)[0], turns, "", item.to_dict(), path, path
                else:
                    yield (conversation.messages(turns, streaming=item)[0], turns, "", None, previous_export,
                           previous_export)
        except AssistantError as err:
            turns[-1] = conversation.fail(turn, error_message(err))
            path = export_file(turns, previous_export)
            yield conversation.messages(turns)[0], turns, "", {"error": turns[-1]["error"]}, path, path
        except Exception:  # noqa: BLE001 - the user gets one line, the log gets the traceback
            logger.exception("answering %r failed", question)
            turns[-1] = conversation.fail(turn, "Something went wrong while answering; the details are in the "
                                                "server log.")
            path = export_file(turns, previous_export)
            yield conversation.messages(turns)[0], turns, "", {"error": turns[-1]["error"]}, path, path

    respond.__doc__ = "Answer a question from the corpus, with this session's conversation as history."

    def show_citation(target: str, turns: list[dict[str, Any]] | None) -> str:
        """The source panel for "turn:marker" (as sent by a click on a marker)."""
        match = re.match(r"\s*(\d+):(\d+)", str(target or ""))
        if not match:
            return render.EMPTY_PANEL
        citation = conversation.citation(turns or [], int(match.group(1)), int(match.group(2)))
        if citation is None:
            return render.error_html(f"{ERROR_PREFIX}There is no citation [{match.group(2)}] in that answer.")
        document = get_assistant(settings).document(citation["source"])
        return render.passage_html(citation, document)

    def read_document(source: str | None) -> str:
        """A whole indexed document."""
        if not source:
            return render.document_html(None)
        document = get_assistant(settings).document(source)
        if document is None:
            return render.error_html(f"{ERROR_PREFIX}{source} is not in the index.")
        return render.document_html(document)

    def refresh_sources() -> tuple[str, Any]:
        return documents_table_html(settings), gr.update(choices=document_choices(settings))

    def upload(files: list[Any] | None, progress: gr.Progress = gr.Progress()) -> tuple[str, str, Any, None]:
        """Check, save and index uploaded files; one line per file."""
        if not files:
            return "Choose one or more .md, .txt, .html or .pdf files first.", *refresh_sources(), None
        items = []
        for f in files:
            path = Path(f if isinstance(f, str) else getattr(f, "name", None) or f["path"])
            name = getattr(f, "orig_name", None) or (f.get("orig_name") if isinstance(f, dict) else None) or path.name
            items.append((path, name))

        def step(done: int, total: int, name: str) -> None:
            progress((done, total), desc=f"indexing {name}" if done < total else "done", unit="files")

        results = uploads.add_files(items, settings, progress=step)
        report = "\n".join(f"- {r.line()}" for r in results)
        if any(r.ok for r in results):
            report += "\n\nThe new documents can be asked about now; they are listed under *Sources*."
        return report, *refresh_sources(), None

    def on_like(turns: list[dict[str, Any]] | None, data: gr.LikeData) -> tuple[str, dict[str, Any] | None, Any]:
        """Record a thumbs up/down for the answer the rated message belongs to."""
        turns = turns or []
        _, owner = conversation.messages(turns)
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        if data.liked not in (True, False) or not isinstance(index, int) or not 0 <= index < len(owner):
            return "", None, gr.update(visible=False)
        turn_no = owner[index]
        rating = "up" if data.liked else "down"
        record = feedback.feedback_record(turns[turn_no], rating)
        feedback.append(settings.feedback_path, record)
        note = (f"Thanks: {'thumbs up' if data.liked else 'thumbs down'} recorded for answer {turn_no + 1}. "
                "Add a comment below if you like.")
        return note, {"id": record["id"], "turn": turn_no, "rating": rating}, gr.update(visible=True)

    def send_comment(comment: str, pending: dict[str, Any] | None,
                     turns: list[dict[str, Any]] | None) -> tuple[str, str]:
        """Append a comment to the last rating given in this session."""
        if not pending or not (turns and 0 <= pending["turn"] < len(turns)):
            return "Rate an answer with thumbs up or down first.", comment
        if not _one_line(comment):
            return "The comment is empty.", comment
        feedback.append(settings.feedback_path, feedback.feedback_record(
            turns[pending["turn"]], pending["rating"], comment, feedback_id=pending["id"]))
        return f"Comment saved with your rating of answer {pending['turn'] + 1}.", ""

    def pick_example(data: gr.SelectData) -> str:
        value = data.value
        return str(value.get("text", "") if isinstance(value, dict) else value or "")

    def clear() -> tuple[list, list, str, None, None, str]:
        return [], [], "", None, None, render.EMPTY_PANEL

    with gr.Blocks(title=TITLE, fill_height=True, analytics_enabled=False) as app:
        turns = gr.State([])
        pending_feedback = gr.State(None)
        export_path = gr.State(None)
        gr.Markdown(f"## {TITLE}\n{DESCRIPTION}")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(
                            label="Conversation", elem_id="chatbot", height=560, latex_delimiters=[],
                            buttons=["copy"], group_consecutive_messages=False,
                            examples=[{"text": q} for q in EXAMPLES],
                            placeholder="Ask about the documents, or start with an example.")
                        with gr.Row():
                            textbox = gr.Textbox(placeholder="Ask a question about the documents…", show_label=False,
                                                 scale=6, submit_btn=True, elem_id="question", max_lines=6)
                        with gr.Row():
                            clear_btn = gr.Button("New conversation", size="sm", variant="secondary")
                            export_btn = gr.DownloadButton("Export as Markdown", size="sm", value=None,
                                                           elem_id="export")
                        feedback_note = gr.Markdown(elem_id="feedback-note")
                        with gr.Row(visible=False) as comment_row:
                            comment_box = gr.Textbox(placeholder="Optional comment on this answer…",
                                                     show_label=False, scale=5, elem_id="feedback-comment")
                            comment_btn = gr.Button("Send comment", size="sm", scale=1)
                        with gr.Accordion("Settings", open=False, elem_id="settings"):
                            answerer = gr.Dropdown(ANSWERERS, value=settings.llm, label="Answerer",
                                                   info="extractive: quotes only, no LLM; llamacpp / openai: an "
                                                        "LLM writes, every quote is still verified.")
                            top_k = gr.Slider(1, 20, value=min(settings.top_k, 20), step=1,
                                              label="Number of sources",
                                              info="Passages retrieved and handed to the answerer.")
                    with gr.Column(scale=2):
                        source_panel = gr.HTML(render.EMPTY_PANEL, label="Source", elem_id="source-panel",
                                               padding=True)
            with gr.Tab("Sources", id="sources"):
                documents_table = gr.HTML(elem_id="documents-table")
                picker = gr.Dropdown(label="Read a document in full", choices=[], elem_id="document-picker")
                document_view = gr.HTML(render.document_html(None), elem_id="document-view")
            with gr.Tab("Add documents", id="add"):
                gr.Markdown(f"Upload {supported_types()} files (up to {settings.upload_max_bytes:,} bytes "
                            "each). They are checked, saved under `uploads/` in the corpus and indexed; a file "
                            "that is refused gets a one-line reason and changes nothing.")
                files = gr.File(file_count="multiple", label="Files", elem_id="upload-files")
                upload_btn = gr.Button("Add to the index", variant="primary", elem_id="upload-button")
                upload_report = gr.Markdown(elem_id="upload-report")
        cite_target = gr.Textbox(visible="hidden", elem_id="cite-target", label="Citation (turn:marker)")
        last_answer = gr.JSON(visible="hidden", label="Answer")

        chat_outputs = [chatbot, turns, textbox, last_answer, export_btn, export_path]
        textbox.submit(respond, [textbox, turns, answerer, top_k, export_path], chat_outputs, api_name="chat",
                       concurrency_id="answer")
        chatbot.example_select(pick_example, None, textbox, api_visibility="private", queue=False) \
            .then(respond, [textbox, turns, answerer, top_k, export_path], chat_outputs, api_visibility="private",
                  concurrency_id="answer")
        cite_target.change(show_citation, [cite_target, turns], source_panel, api_name="show_citation",
                          concurrency_limit=None, queue=False)
        chatbot.like(on_like, [turns], [feedback_note, pending_feedback, comment_row], api_visibility="private")
        comment_btn.click(send_comment, [comment_box, pending_feedback, turns], [feedback_note, comment_box],
                          api_name="feedback_comment")
        comment_box.submit(send_comment, [comment_box, pending_feedback, turns], [feedback_note, comment_box],
                           api_visibility="private")
        chatbot.clear(clear, None, [chatbot, turns, textbox, export_btn, export_path, source_panel],
                      api_visibility="private")
        clear_btn.click(clear, None, [chatbot, turns, textbox, export_btn, export_path, source_panel], api_visibility="private")
        upload_btn.click(upload, [files], [upload_report, documents_table, picker, files], api_name="upload",
                         concurrency_limit=1)
        picker.change(read_document, picker, document_view, api_name="read_document")
        app.load(refresh_sources, None, [documents_table, picker], api_visibility="private")
        app.load(None, None, None, js=CLICK_JS)
    app.queue(default_concurrency_limit=CONCURRENCY, max_size=MAX_QUEUE)
    return app


def ui_port() -> int:
    """The port from ASSISTANT_UI_PORT, default 7860."""
    raw = os.environ.get("ASSISTANT_UI_PORT", "").strip()
    if not raw:
        return DEFAULT_PORT
    try:
        port = int(raw)
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise SystemExit(f"error: ASSISTANT_UI_PORT must be a port number (1-65535), not {raw!r}")
    return port


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """``user:password`` (ASSISTANT_UI_AUTH) as a pair, None when unset; ValueError naming the problem."""
    if value is None or not value.strip():
        return None
    user, sep, password = value.strip().partition(":")
    if not sep or not user or not password:
        raise ValueError("ASSISTANT_UI_AUTH must be 'user:password' with both parts non-empty")
    return user, password


def launch(app: gr.Blocks, settings: Settings | None = None, *, port: int | None = None,
           open_browser: bool = False, prevent_thread_lock: bool = False, quiet: bool = False) -> int:
    """Serve ``app`` on 127.0.0.1 with the chat's styles, click handling, upload limit and optional login.
    Returns the port."""
    settings = settings or Settings()
    port = port or ui_port()
    app.launch(server_name=HOST, server_port=port, inbrowser=open_browser, ssr_mode=False, show_error=False,
               prevent_thread_lock=prevent_thread_lock, quiet=quiet, css=CSS,
               auth=parse_auth(settings.ui_auth), auth_message="Log in to the research assistant.",
               max_file_size=UPLOAD_HARD_LIMIT_FACTOR * settings.upload_max_bytes, footer_links=["api", "settings"])
    return port


def main(settings: Settings | None = None, *, port: int | None = None, open_browser: bool = False) -> None:
    """Load the index (building it on first use), then serve the chat on 127.0.0.1 until interrupted."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    settings = settings or Settings()
    try:
        parse_auth(settings.ui_auth)
    except ValueError as err:
        raise SystemExit(f"error: {err}") from None
    print("Loading the index…", flush=True)
    try:
        get_assistant(settings).warm()
    except AssistantError as err:
        raise SystemExit(f"error: {_one_line(str(err))}") from None
    app = build_app(settings)
    try:
        launch(app, settings, port=port, open_browser=open_browser)
    except OSError as err:
        raise SystemExit(f"error: cannot serve on {HOST}:{port or ui_port()} ({_one_line(str(err)).split('. ')[0]}); "
                         "set ASSISTANT_UI_PORT to a free port") from None


if __name__ == "__main__":
    main()
