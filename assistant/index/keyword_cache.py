"""The keyword index kept on disk between processes, for large stores.

Building BM25 means reading every chunk from the store and tokenising it: about 37 s at 100k chunks, paid by the
first question of every new process (each ``assistant ask`` from the shell). Above ``keyword_cache_min_chunks``
the built index is saved under ``keyword_cache_dir``, in a folder per store, named after the document records it
was built from; the next process loads it (a few seconds) when the records are unchanged. A write to the store
changes the records, so a stale index is never loaded; older folders of the store are removed when a new one is
saved.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from typing import Any

from .keyword import KeywordIndex
from ..text import TERMS_VERSION
from ..settings import Settings, cache_dir
from .store import IndexStore

log = logging.getLogger(__name__)


def keyword_index(store: IndexStore, settings: Settings, signature: Any) -> KeywordIndex:
    """The BM25 index of ``store`` whose document records have ``signature``: loaded from disk when saved for
    the same records, else built from every chunk (and saved, for a large store)."""
    if settings.keyword_cache_min_chunks <= 0 or store.count() < settings.keyword_cache_min_chunks:
        return KeywordIndex(store.all_chunks())
    store_key = hashlib.sha256(f"{store.location}\0{settings.collection}".encode()).hexdigest()[:16]
    folder = (settings.keyword_cache_dir or cache_dir("keyword")) / store_key
    target = folder / hashlib.sha256(json.dumps([signature, TERMS_VERSION]).encode()).hexdigest()[:24]
    index = KeywordIndex.load(target)
    if index is not None:
        return index
    index = KeywordIndex(store.all_chunks())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        index.save(target)
        for old in folder.iterdir():  # indexes of earlier versions of this store
            if old != target and ".tmp-" not in old.name:
                shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:  # a full or read-only disk costs speed, never an answer
        log.warning("could not save the keyword index to %s: %s", target, exc)
    return index
