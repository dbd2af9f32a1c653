"""What each event of the chat does: answer, show a citation, read a document, list the sources, take uploads, record
feedback. Every handler takes and returns plain values (the session's turns live in Gradio state); the answers come
from the facade's shared Assistant, with the answerer and number of sources chosen per question.
"""

from __future__ import annotations

import logging
import re
import tempfile
import uuid
from pathlib import Path
from typing import Any, Iterator

import gradio as gr

from .. import Answer, AssistantError, Settings, get_assistant, supported_types
from ..documents import Document
from ..load.readers.pdf import printed_note
from . import conversation, feedback, page_image, render, uploads
from .export import conversation_markdown

logger = logging.getLogger(__name__)

ERROR_PREFIX = conversation.ERROR_PREFIX
LOADING = "Loading the local model (once per process, about half a minute)…"
Outputs = tuple[Any, ...]  # chat messages, turns, textbox, answer JSON, export file, export path


def one_line(text: Any) -> str:
    return " ".join(str(text).split())


def error_message(err: BaseException) -> str:
    """An error as one line for the user (first letter upper-cased)."""
    text = one_line(str(err)) or type(err).__name__
    return f"{text[:1].upper()}{text[1:]}"


class ChatHandlers:
    """The chat's event handlers for one index (``settings``); shared by every session."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.export_dir = Path(tempfile.mkdtemp(prefix="assistant-export-"))

    # ------------------------------------------------------------------------------------------------ answers

    def answerer_ready(self, name: str) -> None:
        """Start the answerer ``name`` now, so a backend that cannot start says so in one line naming it."""
        try:
            get_assistant(self.settings).answerer(name)
        except AssistantError:
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. a missing optional package
            logger.exception("starting the %s answerer failed", name)
            raise AssistantError(f"the {name} answerer is not available ({one_line(exc) or type(exc).__name__})") \
                from exc

    def export_file(self, turns: list[dict[str, Any]], previous: str | None) -> str | None:
        """The conversation as a Markdown file to download (the session's previous export is removed)."""
        if not turns:
            return None
        path = self.export_dir / f"conversation-{uuid.uuid4().hex[:8]}.md"
        path.write_text(conversation_markdown(turns), encoding="utf-8")
        if previous and Path(previous).parent == self.export_dir:
            Path(previous).unlink(missing_ok=True)
        return str(path)

    def respond(self, message: str, turns: list[dict[str, Any]] | None, answerer: str | None,
                top_k: float | None, previous_export: str | None) -> Iterator[Outputs]:
        """Answer a question from the corpus, with this session's conversation as history."""
        turns = list(turns or [])
        question = str(message or "")
        name = answerer or self.settings.llm
        k = int(top_k) if top_k else self.settings.top_k
        turn = conversation.new_turn(question, {"answerer": name, "top_k": k})
        history = conversation.history(turns)
        turns.append(turn)
        yield conversation.messages(turns)[0], turns, "", None, previous_export, previous_export
        try:
            self.answerer_ready(name)
            chosen = get_assistant(self.settings).answerer(name)
            if getattr(chosen, "ready", True) is False:  # a local model still loading: say so, then wait for it
                yield (conversation.messages(turns, streaming=LOADING)[0], turns, "", None, previous_export,
                       previous_export)
                chosen.model()
            for item in get_assistant(self.settings).ask_stream(question, history, answerer=name, top_k=k):
                if isinstance(item, Answer):
                    turns[-1] = conversation.finish(turn, item)
                    path = self.export_file(turns, previous_export)
                    yield conversation.messages(turns)[0], turns, "", item.to_dict(), path, path
                else:
                    yield (conversation.messages(turns, streaming=item)[0], turns, "", None, previous_export,
                           previous_export)
        except AssistantError as err:
            yield self._failed(turns, turn, error_message(err), previous_export)
        except Exception:  # noqa: BLE001 - the user gets one line, the log gets the traceback
            logger.exception("answering %r failed", question)
            yield self._failed(turns, turn, "Something went wrong while answering; the details are in the server "
                                            "log.", previous_export)

    def _failed(self, turns: list[dict[str, Any]], turn: dict[str, Any], line: str,
                previous_export: str | None) -> Outputs:
        turns[-1] = conversation.fail(turn, line)
        path = self.export_file(turns, previous_export)
        return conversation.messages(turns)[0], turns, "", {"error": turns[-1]["error"]}, path, path

    # ------------------------------------------------------------------------------------------------ sources

    def show_citation(self, target: str, turns: list[dict[str, Any]] | None) -> str:
        """The source panel for "turn:marker" (as sent by a click on a marker)."""
        match = re.match(r"\s*(\d+):(\d+)", str(target or ""))
        if not match:
            return render.EMPTY_PANEL
        citation = conversation.citation(turns or [], int(match.group(1)), int(match.group(2)))
        if citation is None:
            return render.error_html(f"{ERROR_PREFIX}There is no citation [{match.group(2)}] in that answer.")
        document = get_assistant(self.settings).document(citation["source"])
        return render.passage_html(citation, document, figure=self.page_figure(citation, document))

    def page_figure(self, citation: dict[str, Any], document: Document | None) -> str:
        """The PDF page a citation's quote begins on, drawn with the quote highlighted; "" for a document that is
        no PDF, whose file is gone or is no longer the one indexed, or whose page cannot be drawn (the text alone
        is shown then)."""
        if document is None or not document.metadata.get("pages"):
            return ""
        span = render.quote_span(citation, document)
        path = page_image.pdf_path(self.settings.corpus_dir, document.source)
        if span is None or path is None:
            return ""
        first, part, last = page_image.quote_on_page(document, *span)
        try:
            drawn = page_image.page_image(path, first, part, timeout=self.settings.pdf_timeout,
                                          max_memory_mb=self.settings.pdf_max_memory_mb)
        except Exception:  # noqa: BLE001 - the text panel is still shown; the log gets the traceback
            logger.exception("drawing page %d of %s failed", first, path)
            return ""
        if drawn is None or drawn.pages != len(document.metadata["pages"]):
            return ""

        def label(page: int) -> str:
            return f"{page}{printed_note(document.metadata, page, page)}"

        return render.page_figure_html(drawn.png, (drawn.width, drawn.height), label(first), document.title,
                                       found=drawn.found, continues=label(first + 1) if last > first else "")

    def read_document(self, source: str | None) -> str:
        """A whole indexed document."""
        if not source:
            return render.document_html(None)
        document = get_assistant(self.settings).document(source)
        if document is None:
            return render.error_html(f"{ERROR_PREFIX}{source} is not in the index.")
        return render.document_html(document)

    def documents_table_html(self) -> str:
        """Every indexed document with its metadata and chunk count, as an HTML table."""
        try:
            return render.documents_table_html(get_assistant(self.settings).sources())
        except AssistantError as err:
            return render.error_html(ERROR_PREFIX + error_message(err))

    def document_choices(self) -> list[tuple[str, str]]:
        """(label, source) pairs for the document picker."""
        try:
            records = get_assistant(self.settings).sources()
        except AssistantError:
            return []
        return [(f"{(r.metadata or {}).get('title') or r.source} ({r.source})", r.source) for r in records]

    def refresh_sources(self) -> tuple[str, Any]:
        return self.documents_table_html(), gr.update(choices=self.document_choices())

    def upload(self, files: list[Any] | None, progress: gr.Progress = gr.Progress()) -> tuple[str, str, Any, None]:
        """Check, save and index uploaded files; one line per file."""
        if not files:
            return f"Choose one or more {supported_types()} files first.", *self.refresh_sources(), None
        items = []
        for f in files:
            path = Path(f if isinstance(f, str) else getattr(f, "name", None) or f["path"])
            name = getattr(f, "orig_name", None) or (f.get("orig_name") if isinstance(f, dict) else None) or path.name
            items.append((path, name))

        def step(done: int, total: int, name: str) -> None:
            progress((done, total), desc=f"indexing {name}" if done < total else "done", unit="files")

        results = uploads.add_files(items, self.settings, progress=step)
        report = "\n".join(f"- {r.line()}" for r in results)
        if any(r.ok for r in results):
            report += "\n\nThe new documents can be asked about now; they are listed under *Sources*."
        return report, *self.refresh_sources(), None

    # ----------------------------------------------------------------------------------------------- feedback

    def on_like(self, turns: list[dict[str, Any]] | None,
                data: gr.LikeData) -> tuple[str, dict[str, Any] | None, Any]:
        """Record a thumbs up/down for the answer the rated message belongs to."""
        turns = turns or []
        _, owner = conversation.messages(turns)
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        if data.liked not in (True, False) or not isinstance(index, int) or not 0 <= index < len(owner):
            return "", None, gr.update(visible=False)
        turn_no = owner[index]
        rating = "up" if data.liked else "down"
        record = feedback.feedback_record(turns[turn_no], rating)
        feedback.append(self.settings.feedback_path, record)
        note = (f"Thanks: {'thumbs up' if data.liked else 'thumbs down'} recorded for answer {turn_no + 1}. "
                "Add a comment below if you like.")
        return note, {"id": record["id"], "turn": turn_no, "rating": rating}, gr.update(visible=True)

    def send_comment(self, comment: str, pending: dict[str, Any] | None,
                     turns: list[dict[str, Any]] | None) -> tuple[str, str]:
        """Append a comment to the last rating given in this session."""
        if not pending or not (turns and 0 <= pending["turn"] < len(turns)):
            return "Rate an answer with thumbs up or down first.", comment
        if not one_line(comment):
            return "The comment is empty.", comment
        feedback.append(self.settings.feedback_path, feedback.feedback_record(
            turns[pending["turn"]], pending["rating"], comment, feedback_id=pending["id"]))
        return f"Comment saved with your rating of answer {pending['turn'] + 1}.", ""

    # -------------------------------------------------------------------------------------------------- misc

    @staticmethod
    def pick_example(data: gr.SelectData) -> str:
        value = data.value
        return str(value.get("text", "") if isinstance(value, dict) else value or "")

    @staticmethod
    def clear() -> tuple[list, list, str, None, None, str]:
        return [], [], "", None, None, render.EMPTY_PANEL
