"""A store of model replies keyed by the exact request (model, sampling settings, messages, output format), so an
eval can be run again after a change to the code *after* the model (the gate, the fallback) without paying for
generation again. Off unless ``ASSISTANT_LLM_REPLY_CACHE`` names a folder; the chat never uses it by default.

A replayed reply carries the timings and token counts recorded when it was generated, and ``cached=True``, so a
report can tell replayed latencies from measured ones. Any change to the prompt or the shown units is a new key.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Sequence

from langchain_core.messages import BaseMessage


def request_key(model: str, settings: Any, messages: Sequence[BaseMessage], kwargs: dict[str, Any]) -> str:
    """The sha256 of everything that decides a reply at temperature 0."""
    payload = {"model": model, "path": str(settings.llm_model_path or settings.llm_model),
               "temperature": settings.llm_temperature, "max_tokens": settings.llm_max_tokens,
               "messages": [[m.type, m.content] for m in messages],
               "kwargs": json.dumps(kwargs, sort_keys=True, default=str)}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def load(folder: Path, key: str) -> dict[str, Any] | None:
    """The stored reply for ``key``, or None."""
    path = folder / key[:2] / f"{key}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def save(folder: Path, key: str, reply: dict[str, Any]) -> None:
    """Store ``reply`` under ``key`` (written to a temporary file, then renamed: a reader never sees half of it)."""
    target = folder / key[:2]
    target.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(reply, fh)
    os.replace(tmp, target / f"{key}.json")
