"""Bulk reads and writes in pieces Chroma accepts: reads ``PAGE`` rows at a time, writes in client-sized batches.

One unpaged ``get`` of about 100k chunks fails in SQLite ("too many SQL variables"), so every read of a whole
collection goes through ``paged``, which asks for ``PAGE`` rows at a time by offset until a short page. A write
request may hold at most what the client says (``get_max_batch_size``, and never more than 1,000 rows here), so
writes and deletes are cut into ``batch_slices`` of ``batch_size`` rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    import chromadb

PAGE = 10_000  # rows per read: one unpaged get of ~100k chunks fails in SQLite ("too many SQL variables")
MAX_BATCH = 1000  # rows per write request at the most


def paged(collection: "chromadb.Collection", include: list[str]) -> Iterator[tuple[str, Any, Any]]:
    """Every row of ``collection`` as (id, document, metadata), read ``PAGE`` rows at a time (None where not
    included)."""
    offset = 0
    while True:
        got = collection.get(include=include, limit=PAGE, offset=offset)  # type: ignore[arg-type]
        ids = got["ids"]
        texts = got.get("documents") or [None] * len(ids)
        metas = got.get("metadatas") or [None] * len(ids)
        yield from zip(ids, texts, metas)
        if len(ids) < PAGE:
            return
        offset += PAGE


def batch_size(client: "chromadb.ClientAPI") -> int:
    """Rows per write request: what the client accepts, at most ``MAX_BATCH``."""
    return max(1, min(client.get_max_batch_size(), MAX_BATCH))


def batch_slices(n: int, step: int) -> Iterator[slice]:
    """``slice``s that cut ``n`` rows into consecutive batches of ``step`` rows (the last one shorter)."""
    for start in range(0, n, step):
        yield slice(start, start + step)
