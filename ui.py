"""Web chat for the research assistant: streamed, cited answers with their sources under each reply.

    python ui.py            # http://127.0.0.1:7860 (ASSISTANT_UI_PORT to change), fully offline

Presentation only: every answer comes from ``assistant.ask_stream``; nothing here decides what is said.
Importing this module has no side effects; ``main()`` launches the server.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Iterator, Mapping, Sequence

import gradio as gr

from assistant import Answer, AssistantError, Citation, Settings, ask_stream
from assistant.engine import get_assistant

logger = logging.getLogger(__name__)

TITLE = "Research assistant"
DESCRIPTION = ("Answers only from the indexed news and policy documents: every sentence cites a verified quote, "
               "and when the sources don't say, it tells you.")
EXAMPLES = [
    "When is the deadline for the negotiations?",
    "How many critical minerals does the US rely on imports for completely?",
    "Who is the Secretary of Commerce?",
    "Who is the U.S. Trade Representative?",
    "What share of rare earth processing does China control?",
    "What tariff rate will be imposed if talks fail?",
]
HOST = "127.0.0.1"
DEFAULT_PORT = 7860
CONCURRENCY = 4  # questions answered at once; the rest wait in the queue
ERROR_PREFIX = "⚠️ "  # marks a reply that is an error line, so it is left out of the history given to ask


# ---------------------------------------------------------------------------------------------- rendering


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def error_message(err: BaseException) -> str:
    """An error as the one chat line the user sees."""
    text = _one_line(str(err)) or type(err).__name__
    return f"{ERROR_PREFIX}{text[:1].upper()}{text[1:]}"


def citation_line(citation: Citation) -> str:
    """``[n] Title (date, source file): “quote”``."""
    where = ", ".join(part for part in (citation.date, citation.source) if part)
    return f"[{citation.marker}] {citation.title or citation.source} ({where}): “{_one_line(citation.quote)}”"


def sources_message(answer: Answer) -> dict[str, Any]:
    """The collapsible panel under an answer: its citations and the standalone query that was searched."""
    lines = [citation_line(c) for c in answer.citations] or ["No passage is quoted."]
    lines.append(f"Searched for: {_one_line(answer.query)}")
    metadata: dict[str, Any] = {"title": f"Sources ({len(answer.citations)})", "status": "done"}
    if answer.conflict:
        metadata["log"] = "the sources disagree"
    return {"role": "assistant", "content": "\n\n".join(lines), "metadata": metadata}


def answer_messages(answer: Answer) -> list[dict[str, Any]]:
    """The final reply: the answer text (an abstention is an answer too), then its sources panel."""
    return [{"role": "assistant", "content": answer.text}, sources_message(answer)]


# ------------------------------------------------------------------------------------------------ history


def _field(message: Any, name: str) -> Any:
    return message.get(name) if isinstance(message, Mapping) else getattr(message, name, None)


def _text(content: Any) -> str:
    """Plain text of a message's content: a string, a {"type": "text", "text": ...} part, or a list of them.
    Files and components carry no text and come back empty."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Mapping):
        text = content.get("text")
        return text if isinstance(text, str) else ""
    if isinstance(content, (list, tuple)):
        return "\n".join(t for t in (_text(part) for part in content) if t)
    text = getattr(content, "text", None)  # a TextMessage model
    return text if isinstance(text, str) else ""


def history_for_ask(history: Sequence[Any] | None) -> list[dict[str, str]]:
    """Gradio's chat history as the {"role", "content": str} turns ``ask`` takes: content flattened to text,
    sources panels (messages with a metadata title) dropped, and an exchange that ended in an error left out."""
    turns: list[dict[str, str]] = []
    for message in history or []:
        role = _field(message, "role")
        if role not in ("user", "assistant"):
            continue
        metadata = _field(message, "metadata")
        if isinstance(metadata, Mapping) and metadata.get("title"):
            continue
        text = _text(_field(message, "content")).strip()
        if role == "assistant" and text.startswith(ERROR_PREFIX.strip()):
            if turns and turns[-1]["role"] == "user":
                turns.pop()
            continue
        if text:
            turns.append({"role": role, "content": text})
    return turns


# ---------------------------------------------------------------------------------------------------- app


def documents_markdown(settings: Settings | None = None) -> str:
    """The indexed documents as a Markdown table (or the one-line reason there are none)."""
    try:
        records = get_assistant(settings).sources()
    except AssistantError as err:
        return error_message(err)
    if not records:
        return "No documents are indexed."

    def cell(value: Any) -> str:
        return _one_line(str(value or "")).replace("|", "\\|")

    rows = ["| Document | Date | Publisher | File | Chunks |", "|---|---|---|---|---|"]
    for r in records:
        meta = r.metadata or {}
        rows.append(f"| {cell(meta.get('title') or r.source)} | {cell(meta.get('date'))} | "
                    f"{cell(meta.get('publisher'))} | {cell(r.source)} | {r.n_chunks} |")
    return "\n".join(rows)


def build_app(settings: Settings | None = None) -> gr.Blocks:
    """The chat app (not launched). ``settings`` chooses the index and corpus; None reads ASSISTANT_* env vars."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # offline: no telemetry or version check, ever

    def respond(message: str, history: list[Any]) -> Iterator[str | list[dict[str, Any]]]:
        try:
            for item in ask_stream(message, history_for_ask(history), settings=settings):
                yield answer_messages(item) if isinstance(item, Answer) else item
        except AssistantError as err:
            yield error_message(err)
        except Exception:  # noqa: BLE001 - the user gets one line, the log gets the traceback
            logger.exception("answering %r failed", message)
            yield f"{ERROR_PREFIX}Something went wrong while answering; the details are in the server log."

    respond.__doc__ = "Answer a question from the corpus, with the conversation so far as history."

    with gr.Blocks(title=TITLE, fill_height=True, analytics_enabled=False) as app:
        gr.ChatInterface(
            respond,
            chatbot=gr.Chatbot(label="Assistant", scale=1, latex_delimiters=[], buttons=["copy", "copy_all"],
                               placeholder="Ask about the documents, or start with an example."),
            textbox=gr.Textbox(placeholder="Ask a question about the documents…", submit_btn=True, stop_btn=True),
            examples=EXAMPLES,
            title=TITLE,
            description=DESCRIPTION,
            api_name="chat",
            fill_height=True,
            analytics_enabled=False,
        )
        with gr.Accordion("Documents in the index", open=False):
            documents = gr.Markdown()
        app.load(lambda: documents_markdown(settings), None, documents, api_visibility="private")
    app.queue(default_concurrency_limit=CONCURRENCY)
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


def main(settings: Settings | None = None, *, port: int | None = None, open_browser: bool = False) -> None:
    """Load the index (building it on first use), then serve the chat on 127.0.0.1 until interrupted."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    port = port or ui_port()
    print("Loading the index…", flush=True)
    try:
        get_assistant(settings)
    except AssistantError as err:
        raise SystemExit(f"error: {_one_line(str(err))}") from None
    app = build_app(settings)
    try:
        app.launch(server_name=HOST, server_port=port, inbrowser=open_browser, ssr_mode=False, show_error=False)
    except OSError as err:
        raise SystemExit(f"error: cannot serve on {HOST}:{port} ({_one_line(str(err)).split('. ')[0]}); "
                         "set ASSISTANT_UI_PORT to a free port") from None


if __name__ == "__main__":
    main()
