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

# Damaged embedded files, as the first line of Chroma's message says them (lower case). chromadb's Rust core
# reports them as a generic InternalError, so the text is all there is to go by.
_CORRUPT_MARKERS = ("not a database", "malformed", "corrupt",  # SQLite's own words
                    "code: 11)", "code: 26)",  # SQLITE_CORRUPT, SQLITE_NOTADB as the Rust core prints them
                    "disk image",  # "database disk image is malformed"
                    "hnsw segment reader", "error loading hnsw", "failed to load")  # the vector index's files


def translate(exc: BaseException, settings: Settings, what: str) -> IndexError_:
    """A Chroma, HTTP or disk error as the assistant's one-line ``IndexError_``; ``what`` says what failed.

    What it recognises, first match wins:

    - damaged files of the embedded store (never with ``chroma_url``: a server's files are the server's to
      mend): the first line of the message names a broken SQLite file ("file is not a database", "database
      disk image is malformed", result codes 11 and 26, "corrupt") or a vector index that does not load
      ("error loading hnsw", "hnsw segment reader", "failed to load"). An ``IndexCorruptError`` that says
      ``assistant ingest`` rebuilds the store, with Chroma's words in ``detail``. By text only: chromadb has no
      exception type for these (its Rust core raises a generic ``InternalError``);
    - a timeout: a ``TimeoutError`` (sockets) or an ``httpx.TimeoutException`` (connect, read, write, pool)
      anywhere in the cause or context chain (chromadb's client re-raises some as ``ValueError``, keeping the
      original as context), or, where no type is left, a message that says "timed out" (a server's or a
      proxy's reply relayed as a bare ``Exception``). The message names ``chroma_timeout``;
    - anything else: ``<what> at <where>: <first line of the message>``.
    """
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
    """Whether ``exc``, or what caused it (ten links at most), is an HTTP or socket timeout (see ``translate``)."""
    import httpx  # chromadb's own HTTP library; imported once the first error happens

    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, (TimeoutError, httpx.TimeoutException)) or "timed out" in str(exc).lower():
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
