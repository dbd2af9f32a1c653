"""The writer lock: one process at a time writes an embedded index.

Chroma's embedded mode is not safe for two writing processes, so every write (ingest, rebuild, an upload in the
chat) holds a file lock, ``.write.lock`` in ``index_dir``, for as long as it writes. A second writer waits up to
``lock_timeout`` seconds and then fails with ``IndexLockedError``; readers never take it. A Chroma server
orders its own writes, so with ``chroma_url`` set there is no lock.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

from ...errors import IndexLockedError
from ...settings import Settings

LOCK_FILE = ".write.lock"  # in index_dir; kept there when a damaged store's other files are moved aside


@contextlib.contextmanager
def write_lock(settings: Settings) -> Iterator[None]:
    """One writer at a time for the embedded store (Chroma's embedded mode is not process-safe)."""
    if settings.chroma_url:
        yield
        return
    from filelock import FileLock, Timeout

    Path(settings.index_dir).mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(Path(settings.index_dir) / LOCK_FILE))
    try:
        lock.acquire(timeout=settings.lock_timeout)
    except Timeout as exc:
        raise IndexLockedError(
            f"another process is writing the index at {settings.index_dir} "
            f"(waited {settings.lock_timeout:g} s); try again when it finishes") from exc
    try:
        yield
    finally:
        lock.release()
