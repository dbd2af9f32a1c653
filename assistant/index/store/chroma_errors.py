"""Chroma's, httpx's and the disk's errors as the assistant's own one-line ``IndexError_`` family.

Everything the store does can fail below it: the server is down or does not answer, the embedded files are
damaged, the disk is full. The user gets one line that says where the index is and what to do, never a
traceback: ``translate`` turns one such error into an ``IndexError_`` (an ``IndexCorruptError`` for damaged
embedded files, which ``assistant ingest`` rebuilds), and ``translated`` does it for every error a store method
lets out. Errors that are already the assistant's pass through unchanged.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

from ...errors import IndexCorruptError, IndexError_
from ...settings import Settings

_CORRUPT_MARKERS = ("not a database", "malformed", "corrupt", "code: 11)", "code: 26)", "disk image",
                    "hnsw segment reader", "error loading hnsw", "failed to load")


def translate(exc: BaseException, settings: Settings, what: str) -> IndexError_:
    """A Chroma, HTTP or disk error as the assistant's one-line IndexError_ (IndexCorruptError for broken files)."""
    where = settings.chroma_url or settings.index_dir
    text = one_line(exc)
    if not settings.chroma_url and any(m in text.lower() for m in _CORRUPT_MARKERS):
        error = IndexCorruptError(f"the index at {where} is damaged ({text}); `assistant ingest` rebuilds it "
                                  f"from the corpus")
        error.detail = text
        return error
    if _timed_out(exc):
        return IndexError_(f"{what} at {where}: the Chroma server did not answer within "
                           f"{settings.chroma_timeout:g} s")
    return IndexError_(f"{what} at {where}: {text}")


def _timed_out(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) is an HTTP or socket timeout."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, TimeoutError) or "Timeout" in type(exc).__name__ or "timed out" in str(exc).lower():
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def one_line(exc: BaseException) -> str:
    """The first line of ``exc``'s message, or its type's name when it has none."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


_F = TypeVar("_F", bound=Callable[..., Any])


def translated(what: str) -> Callable[[_F], _F]:
    """Decorate a method of an object with ``settings``: its errors leave it as ``translate(exc, settings, what)``.

    For the store's reads and writes (server down, slow, damaged files, ...); an ``IndexError_`` passes through."""
    def wrap(method: _F) -> _F:
        @functools.wraps(method)
        def inner(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except IndexError_:
                raise
            except Exception as exc:
                raise translate(exc, self.settings, what) from exc
        return inner  # type: ignore[return-value]
    return wrap
