"""Opening Chroma: an embedded ``PersistentClient`` in ``index_dir``, or an ``HttpClient`` for ``chroma_url``.

That choice is the only one the settings make about where the index lives; everything above the client is the
same for both. Chroma's HTTP client builds ``httpx.Client(timeout=None)``, which waits forever on a server that
accepts connections and never answers, so before an ``HttpClient`` is built the ``httpx`` module that chromadb
sees is wrapped to give each such client the ``chroma_timeout`` (a process-wide patch, applied once).
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterator, TypeVar
from urllib.parse import urlparse

from ...errors import IndexError_
from ...settings import Settings
from .chroma_errors import translate

if TYPE_CHECKING:
    import chromadb


def open_client(settings: Settings) -> "chromadb.ClientAPI":
    """An embedded PersistentClient at ``index_dir``, or an HttpClient when ``chroma_url`` is set.

    A server that is down fails at once; one that does not answer fails after ``chroma_timeout`` seconds (the
    Chroma client itself would wait forever). Errors are the assistant's ``IndexError_`` (see ``translate``)."""
    chromadb = import_chromadb()
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma_url:
            url = urlparse(settings.chroma_url)
            if not url.hostname:
                raise IndexError_(f"ASSISTANT_CHROMA_URL is not a URL: {settings.chroma_url!r}")
            with _override_checks_off():  # chromadb.api.fastapi is imported here, by the first HTTP client
                limit_http_wait(settings.chroma_timeout)
                return chromadb.HttpClient(host=url.hostname, port=url.port or 8000, ssl=url.scheme == "https",
                                           settings=chroma_settings)
        with _override_checks_off():  # the first client imports chromadb.api.rust (see import_chromadb)
            return chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)
    except IndexError_:
        raise
    except Exception as exc:  # chromadb raises bare Exception/ValueError subclasses for connection and disk errors
        raise translate(exc, settings, "cannot open the index") from exc


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _marked(method: _Method | None = None, **_options: Any) -> Any:
    """``overrides.override`` without its check: marks the method as an override and returns it unchanged."""
    if method is None:  # used as @override(check_signature=...)
        return _marked
    method.__override__ = True  # type: ignore[attr-defined]
    return method


def import_chromadb() -> Any:
    """The ``chromadb`` module, imported with the ``overrides`` package's checks off while its classes are built.

    chromadb decorates some 150 methods with ``@override``, which at import time disassembles the calling frame's
    bytecode to find the base class and compares signatures: a check of chromadb's own code, a quarter to a third
    of chromadb's import time and so of a cold ``assistant ask``. The decorator is swapped for one that only marks the
    method while chromadb's modules are first imported, then restored for everyone else. ``open_client`` does the
    same while it builds a client: chromadb imports the module of its API implementation (``chromadb.api.rust``,
    38 more ``@override`` methods, 70-90 ms checked) only when the first client's system starts."""
    if "chromadb" in sys.modules:
        return sys.modules["chromadb"]
    with _override_checks_off():
        import chromadb
    return chromadb


_checks_off = threading.Lock()
_checks_off_depth: list[Any] = [0, None]  # blocks inside ``_override_checks_off`` now, the decorators they saved


@contextmanager
def _override_checks_off() -> Iterator[None]:
    """``overrides.override`` (and its alias ``overrides``) only mark methods inside the block; the first block to
    start saves the checking decorators and the last to end restores them, so threads that open clients at once
    leave them restored."""
    import overrides

    with _checks_off:
        if _checks_off_depth[0] == 0:
            _checks_off_depth[1] = overrides.override, overrides.overrides
            overrides.override = overrides.overrides = _marked
        _checks_off_depth[0] += 1
    try:
        yield
    finally:
        with _checks_off:
            _checks_off_depth[0] -= 1
            if _checks_off_depth[0] == 0:
                overrides.override, overrides.overrides = _checks_off_depth[1]


_http_timeout: list[float] = [30.0]  # seconds; the last ``limit_http_wait`` wins, for every client built after


def limit_http_wait(seconds: float) -> None:
    """Give Chroma's HTTP clients built from now on a timeout of ``seconds`` (chromadb passes ``timeout=None``)."""
    from chromadb.api import fastapi

    _http_timeout[0] = seconds
    if not isinstance(fastapi.httpx, _HttpxWithTimeout):
        fastapi.httpx = _HttpxWithTimeout(fastapi.httpx)  # type: ignore[assignment]


class _HttpxWithTimeout:
    """The ``httpx`` module as chromadb's HTTP client sees it, except that ``Client`` gets a timeout."""

    def __init__(self, module: Any) -> None:
        self._module = module

    def Client(self, *args: Any, **kwargs: Any) -> Any:  # noqa: N802 (stands in for httpx.Client)
        if kwargs.get("timeout", 0) is None:
            kwargs["timeout"] = self._module.Timeout(_http_timeout[0])
        return self._module.Client(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)
