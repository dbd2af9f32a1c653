"""Serving the API: on ``Settings.api_host``:``api_port`` (127.0.0.1:8642 by default) with uvicorn, after the index and
the answerer are loaded. Any address but a loopback one needs an API key."""

from __future__ import annotations

import ipaddress
import socket

from .. import AssistantError, Settings, get_assistant, load_settings
from .app import api_keys, create_app


def is_loopback(host: str) -> bool:
    """Whether ``host`` serves this machine only ("localhost", 127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(settings: Settings) -> None:
    """AssistantError when the server would listen beyond this machine without a key."""
    if not is_loopback(settings.api_host) and not api_keys(settings.api_key):
        raise AssistantError(f"refusing to serve on {settings.api_host} without an API key: set ASSISTANT_API_KEY, "
                             "or serve on 127.0.0.1")


def check_port(host: str, port: int) -> None:
    """AssistantError when nothing can listen on ``host``:``port`` (in use, or not an address of this machine)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), port))
        except OSError as err:
            reason = err.strerror or str(err)
            raise AssistantError(f"cannot serve on {host}:{port} ({reason}); choose a free port with --port or "
                                 "ASSISTANT_API_PORT") from None


def serve(settings: Settings | None = None) -> None:
    """Check the address, load the index (building it on first use) and the answerer, then serve until interrupted.
    Every problem ends the process with one line."""
    import uvicorn

    try:
        settings = settings or load_settings()
        check_exposure(settings)
        check_port(settings.api_host, settings.api_port)
        print("Loading the index…", flush=True)
        assistant = get_assistant(settings)
        assistant.warm()
        assistant.answerer(settings.llm)
    except AssistantError as err:
        raise SystemExit(f"error: {' '.join(str(err).split())}") from None
    keys = len(api_keys(settings.api_key))
    print(f"Serving model {settings.api_model!r} (the {settings.llm} answerer) on "
          f"http://{settings.api_host}:{settings.api_port}/v1 "
          f"({f'{keys} API key(s)' if keys else 'no API key'})", flush=True)
    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port, log_level="info",
                timeout_graceful_shutdown=5)
