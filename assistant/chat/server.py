"""Serving the chat: on ``Settings.chat_host``:``chat_port`` (127.0.0.1:7860 by default), with the chat's styles,
upload limit and optional login, after the index is loaded."""

from __future__ import annotations

import logging
import os
import threading

import gradio as gr

from .. import Assistant, AssistantError, Settings, get_assistant, load_settings
from .app import build_app
from .assets import CSS
from .handlers import one_line

# Gradio refuses uploads above this multiple of upload_max_bytes before they reach the disk; smaller files that
# are still over the limit get the chat's own one-line reason.
UPLOAD_HARD_LIMIT_FACTOR = 4


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """``user:password`` (ASSISTANT_CHAT_AUTH) as a pair, None when unset; ValueError naming the problem."""
    if value is None or not value.strip():
        return None
    user, sep, password = value.strip().partition(":")
    if not sep or not user or not password:
        raise ValueError("ASSISTANT_CHAT_AUTH must be 'user:password' with both parts non-empty")
    return user, password


def launch(app: gr.Blocks, settings: Settings | None = None, *, port: int | None = None,
           open_browser: bool = False, prevent_thread_lock: bool = False, quiet: bool = False) -> int:
    """Serve ``app`` on the settings' host and port (``port`` wins) with the chat's styles, click handling, upload
    limit and optional login. Returns the port."""
    settings = settings or Settings()
    port = port or settings.chat_port
    app.launch(server_name=settings.chat_host, server_port=port, inbrowser=open_browser, ssr_mode=False,
               show_error=False, prevent_thread_lock=prevent_thread_lock, quiet=quiet, css=CSS,
               auth=parse_auth(settings.chat_auth), auth_message="Log in to the research assistant.",
               max_file_size=UPLOAD_HARD_LIMIT_FACTOR * settings.upload_max_bytes, footer_links=["api", "settings"])
    return port


def load_model_in_background(assistant: Assistant, name: str) -> threading.Thread | None:
    """Start loading answerer ``name``'s model in a thread, so the chat serves at once and the first question
    finds the model ready (None when the answerer has no model to load). A failure is logged here and reported
    in one line by the first question."""
    chosen = assistant.answerer(name)
    if getattr(chosen, "ready", True):
        return None
    print("Loading the local model in the background; the chat answers once it is ready.", flush=True)

    def load() -> None:
        try:
            chosen.model()
        except Exception:  # noqa: BLE001
            logging.getLogger(__name__).exception("loading the %s model failed", name)

    thread = threading.Thread(target=load, name="model-loader", daemon=True)
    thread.start()
    return thread


def serve(settings: Settings | None = None, *, port: int | None = None, open_browser: bool = False) -> None:
    """Load the index (building it on first use), then serve the chat until interrupted. Every problem (a bad
    setting, an index that cannot open, a port in use) ends the process with one line."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    try:
        settings = settings or load_settings()
        parse_auth(settings.chat_auth)
        print("Loading the index…", flush=True)
        assistant = get_assistant(settings)
        assistant.warm()
        load_model_in_background(assistant, settings.llm)
    except (AssistantError, ValueError) as err:
        raise SystemExit(f"error: {one_line(str(err))}") from None
    app = build_app(settings)
    try:
        launch(app, settings, port=port, open_browser=open_browser)
    except OSError as err:
        raise SystemExit(f"error: cannot serve on {settings.chat_host}:{port or settings.chat_port} "
                         f"({one_line(str(err)).split('. ')[0]}); choose a free port with --port or "
                         "ASSISTANT_CHAT_PORT") from None
