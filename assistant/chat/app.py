"""The web chat's page: streamed answers whose [n] markers open the exact passage they quote.

    python -m assistant.chat      # or: assistant chat, make chat, python ui.py

Layout and wiring only: what each event does is in :mod:`.handlers`, serving in :mod:`.server`. Building the app
has no side effects (no index is opened until a page loads or a question comes).

Named endpoints (``gradio_client``): ``/chat(message, answerer, top_k)``, ``/show_citation(target)``,
``/upload(files)``, ``/read_document(source)``, ``/feedback_comment(comment)``. A ``Client`` is one session,
so one conversation.
"""

from __future__ import annotations

import os

import gradio as gr

from .. import Settings, supported_types
from ..answerers import ANSWERERS, describe
from . import render
from .assets import CLICK_JS
from .handlers import ChatHandlers

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
MAX_SOURCES_SHOWN = 20  # the slider's top: more passages than this are for the API, not the panel


def answerer_menu(settings: Settings) -> gr.Dropdown:
    """The answerer menu: one choice per registry entry (``assistant.answerers.ANSWERERS``), described below it."""
    return gr.Dropdown([(spec.name, spec.name) for spec in ANSWERERS], value=settings.llm, label="Answerer",
                       info=f"Who writes the answer: {describe()}.", elem_id="answerer")


def build_app(settings: Settings | None = None) -> gr.Blocks:
    """The chat app (not launched; see ``server.launch``). ``settings`` chooses the index, corpus and chat options;
    None reads the ASSISTANT_* environment variables."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # offline: no telemetry or version check, ever
    settings = settings or Settings()
    on = ChatHandlers(settings)

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
                            answerer = answerer_menu(settings)
                            top_k = gr.Slider(1, MAX_SOURCES_SHOWN, value=min(settings.top_k, MAX_SOURCES_SHOWN),
                                              step=1, label="Number of sources", elem_id="top-k",
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

        chat_inputs = [textbox, turns, answerer, top_k, export_path]
        chat_outputs = [chatbot, turns, textbox, last_answer, export_btn, export_path]
        cleared = [chatbot, turns, textbox, export_btn, export_path, source_panel]
        comment_outputs = [feedback_note, comment_box]
        textbox.submit(on.respond, chat_inputs, chat_outputs, api_name="chat", concurrency_id="answer")
        chatbot.example_select(on.pick_example, None, textbox, api_visibility="private", queue=False) \
            .then(on.respond, chat_inputs, chat_outputs, api_visibility="private", concurrency_id="answer")
        cite_target.change(on.show_citation, [cite_target, turns], source_panel, api_name="show_citation",
                           concurrency_limit=None, queue=False)
        chatbot.like(on.on_like, [turns], [feedback_note, pending_feedback, comment_row], api_visibility="private")
        comment_btn.click(on.send_comment, [comment_box, pending_feedback, turns], comment_outputs,
                          api_name="feedback_comment")
        comment_box.submit(on.send_comment, [comment_box, pending_feedback, turns], comment_outputs,
                           api_visibility="private")
        chatbot.clear(on.clear, None, cleared, api_visibility="private")
        clear_btn.click(on.clear, None, cleared, api_visibility="private")
        upload_btn.click(on.upload, [files], [upload_report, documents_table, picker, files], api_name="upload",
                         concurrency_limit=1)
        picker.change(on.read_document, picker, document_view, api_name="read_document")
        app.load(on.refresh_sources, None, [documents_table, picker], api_visibility="private")
        app.load(None, None, None, js=CLICK_JS)
    app.queue(default_concurrency_limit=settings.chat_concurrency, max_size=settings.chat_max_queue)
    return app
