"""Thumbs up/down on answers, appended as one JSON object per line for later review.

A rating is written as soon as it is given; a comment added afterwards is a second line with the same ``id``.
Lines are written whole under a lock (one ``write`` of an ``O_APPEND`` file), so concurrent sessions never
interleave.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from pathlib import Path
from typing import Any, Literal, Mapping

_lock = threading.Lock()
MAX_COMMENT_CHARS = 2000


def feedback_record(turn: Mapping[str, Any], rating: Literal["up", "down"], comment: str = "",
                    feedback_id: str | None = None) -> dict[str, Any]:
    """The record for one rated answer: the question, answer text, citations, searched query and settings."""
    answer = turn.get("answer") or {}
    return {
        "id": feedback_id or uuid.uuid4().hex,
        "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "rating": rating,
        "comment": " ".join(str(comment or "").split())[:MAX_COMMENT_CHARS],
        "question": turn.get("question", ""),
        "answer": answer.get("text", turn.get("error", "")),
        "abstained": answer.get("abstained"),
        "conflict": answer.get("conflict"),
        "query": answer.get("query"),
        "citations": answer.get("citations", []),
        "settings": dict(turn.get("settings") or {}),
    }


def append(path: Path | str, record: Mapping[str, Any]) -> None:
    """Append ``record`` as one JSON line to ``path`` (created with its folder if missing)."""
    path = Path(path)
    line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
    with _lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(line)


def read(path: Path | str) -> list[dict[str, Any]]:
    """Every record in a feedback file (for review tools and tests); [] when there is none."""
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
