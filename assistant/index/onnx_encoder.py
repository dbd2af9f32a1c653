"""The sentence encoder on ONNX Runtime: exported once from the packaged weights, then run without torch.

``ensure_encoder`` exports a sentence-transformers folder (a BERT-style transformer with mean or CLS pooling)
with ``torch.onnx.export``, pooling and L2-normalisation included in the graph, fuses attention and layer norms
with onnxruntime's BERT optimizer, quantises the weights to int8 (per channel) with
``onnxruntime.quantization.quantize_dynamic`` unless fp32 is asked for, and caches the result keyed by the model files and the recipe.
Only the export imports torch. ``OnnxEmbeddings`` then encodes with ``tokenizers`` + ``onnxruntime``: it
tokenises exactly like sentence-transformers (same tokenizer.json, same ``max_seq_length`` truncation, newlines
as spaces like LangChain's wrapper), sorts texts by token count to cut padding, and runs batches on two threads
(batches of one: two at once, on one thread each).

The cache is written to a temporary folder and renamed into place, under a file lock, so concurrent processes
never see half an export; the export is deterministic, so the encoder's id (a hash of the ONNX file) is the same
wherever it is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import functools
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Sequence

from ..errors import AssistantError
from ..settings import cache_dir

if TYPE_CHECKING:
    import numpy as np
    import onnxruntime

RECIPE = 2  # bump when the export graph or the quantisation changes: old caches are then ignored
OPSET = 17
Quantization = Literal["int8", "fp32"]
_MODEL_FILES = ("config.json", "tokenizer.json", "sentence_bert_config.json", "1_Pooling/config.json", "modules.json")
_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
_SAMPLE = 256 * 1024


@dataclass(frozen=True)
class Encoder:
    """An exported encoder on disk: the ONNX file, the tokenizer it expects and what it produces."""

    folder: Path
    encoder_id: str  # e.g. "onnx-int8-1f2e3d4c5b6a": the quantisation and a hash of the ONNX file
    dimension: int
    max_length: int
    pooling: str

    @property
    def model_file(self) -> Path:
        return self.folder / "model.onnx"

    @property
    def tokenizer_file(self) -> Path:
        return self.folder / "tokenizer.json"


def _pooling(model_dir: Path) -> str:
    path = model_dir / "1_Pooling" / "config.json"
    if not path.is_file():
        return "mean"
    config = json.loads(path.read_text(encoding="utf-8"))
    if config.get("pooling_mode_mean_tokens"):
        return "mean"
    if config.get("pooling_mode_cls_token"):
        return "cls"
    raise AssistantError(f"the onnx embedding backend supports mean or CLS pooling only; {path} asks for another "
                         "(use ASSISTANT_EMBEDDING_BACKEND=torch)")


def _max_length(model_dir: Path) -> int:
    path = model_dir / "sentence_bert_config.json"
    if path.is_file():
        value = json.loads(path.read_text(encoding="utf-8")).get("max_seq_length")
        if value:
            return int(value)
    return 512


def cache_key(model_dir: Path, quantization: Quantization) -> str:
    """A folder name for this model's export: the model's small files hashed, the weights by size and samples.

    Cheap enough for every cold start (three 256 KB samples of the weights are read, not all 90 MB), and a copy
    of the model reuses the export; the full content hash of the export is the encoder id the index checks.
    """
    digest = hashlib.sha256(f"recipe={RECIPE};opset={OPSET};q={quantization}".encode())
    for name in _MODEL_FILES:
        path = model_dir / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"-"))
    for name in _WEIGHTS:
        path = model_dir / name
        if path.is_file():
            size = path.stat().st_size
            digest.update(f"{name}:{size}".encode())
            with path.open("rb") as weights:
                for offset in (0, size // 2, max(0, size - _SAMPLE)):
                    weights.seek(offset)
                    digest.update(weights.read(_SAMPLE))
    return f"encoder-{quantization}-{digest.hexdigest()[:16]}"


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/assistant/encoders`` (``~/.cache/assistant/encoders``)."""
    return cache_dir("encoders")


def load_encoder(folder: Path) -> Encoder | None:
    """The export in ``folder``, or None when it is missing or incomplete."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("recipe") != RECIPE or not (folder / "model.onnx").is_file() \
            or not (folder / "tokenizer.json").is_file():
        return None
    return Encoder(folder=folder, encoder_id=str(manifest["encoder_id"]), dimension=int(manifest["dimension"]),
                   max_length=int(manifest["max_length"]), pooling=str(manifest["pooling"]))


def ensure_encoder(model_dir: Path, cache_dir: Path, quantization: Quantization = "int8",
                   lock_timeout: float = 600.0) -> Encoder:
    """The cached export of ``model_dir``, exporting it first when it is missing (this step imports torch)."""
    folder = Path(cache_dir) / cache_key(model_dir, quantization)
    encoder = load_encoder(folder)
    if encoder is not None:
        return encoder
    from filelock import FileLock, Timeout

    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(folder) + ".lock", timeout=lock_timeout):
            encoder = load_encoder(folder)  # another process may have finished it while we waited
            if encoder is None:
                _export_into(model_dir, folder, quantization)
                encoder = load_encoder(folder)
    except Timeout as exc:
        raise AssistantError(f"another process has been exporting the encoder to {folder} for over "
                             f"{lock_timeout:g} s") from exc
    if encoder is None:
        raise AssistantError(f"the ONNX export in {folder} is incomplete; delete it and try again")
    return encoder


def _export_into(model_dir: Path, folder: Path, quantization: Quantization) -> None:
    """Export (and quantise) into a temporary sibling folder, then rename it to ``folder`` in one step."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        pooling = _pooling(model_dir)
        raw = tmp / "model-raw.onnx"
        dimension = export_onnx(model_dir, raw, pooling)
        fp32 = tmp / "model-fp32.onnx"
        fuse(raw, fp32, model_dir)
        raw.unlink()
        final = tmp / "model.onnx"
        if quantization == "int8":
            quantize(fp32, final)
            fp32.unlink()
        else:
            fp32.rename(final)
        shutil.copyfile(model_dir / "tokenizer.json", tmp / "tokenizer.json")
        digest = hashlib.sha256(final.read_bytes()).hexdigest()
        manifest = {"recipe": RECIPE, "opset": OPSET, "quantization": quantization, "pooling": pooling,
                    "dimension": dimension, "max_length": _max_length(model_dir), "source": str(model_dir),
                    "sha256": digest, "encoder_id": f"onnx-{quantization}-{digest[:12]}"}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        if folder.exists():  # a stale or incomplete export (we hold the lock, so nobody is writing it)
            shutil.rmtree(folder)
        os.rename(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def export_onnx(model_dir: Path, out: Path, pooling: str = "mean") -> int:
    """Export the transformer with pooling and L2-normalisation to ``out`` (fp32). Returns the vector size."""
    import logging
    import warnings

    os.environ["HF_HUB_OFFLINE"] = "1"
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    # Eager attention exports the classic BERT attention pattern, which onnxruntime's optimizer fuses (see fuse).
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.inner(input_ids=input_ids, attention_mask=attention_mask,
                                token_type_ids=token_type_ids).last_hidden_state
            if pooling == "cls":
                pooled = hidden[:, 0]
            else:
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    sample = torch.ones(2, 16, dtype=torch.long)
    dynamic = {name: {0: "batch", 1: "tokens"} for name in ("input_ids", "attention_mask", "token_type_ids")}
    dynamic["embedding"] = {0: "batch"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("torch.onnx").setLevel(logging.ERROR)
        torch.onnx.export(Pooled(model), (sample, sample, torch.zeros_like(sample)), str(out),
                          input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["embedding"], dynamic_axes=dynamic, opset_version=OPSET,
                          dynamo=False, do_constant_folding=True)
    return int(model.config.hidden_size)


def fuse(source: Path, out: Path, model_dir: Path) -> None:
    """Fuse attention, GELU and layer norms with onnxruntime's BERT optimizer (about 1.5x faster on CPU).

    Another architecture is copied unchanged: the fusions are an optimisation, not a requirement."""
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type") != "bert":
        shutil.copyfile(source, out)
        return
    from onnxruntime.transformers import optimizer

    model = optimizer.optimize_model(str(source), model_type="bert", num_heads=int(config["num_attention_heads"]),
                                     hidden_size=int(config["hidden_size"]), opt_level=1)
    model.save_model_to_file(str(out))


def quantize(source: Path, out: Path) -> None:
    """Dynamic int8 quantisation, one scale per weight column (per-tensor scales cost 0.04 in mean cosine)."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_dynamic logs a 'consider pre-processing' hint on the root logger
    try:
        quantize_dynamic(str(source), str(out), weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"DefaultTensorType": 1})  # FLOAT: fused ops defeat shape inference
    finally:
        root.setLevel(level)


class OnnxEmbeddings:
    """LangChain's ``Embeddings`` interface over an exported encoder: ``tokenizers`` + ``onnxruntime``, no torch.

    Vectors are L2-normalised (cosine search). Safe to call from several threads (ONNX Runtime sessions are).
    It implements the interface without inheriting from ``langchain_core.embeddings.Embeddings``: importing that
    class pulls in LangChain's callbacks and langsmith (0.3-0.7 s of a cold question). LangChain's vector stores
    only call these methods, so it can be passed wherever an ``Embeddings`` is expected.

    With batches of one (int8), ``threads`` texts are encoded at once, each run on one thread, instead of one text
    at a time on ``threads`` threads: a sentence of a few dozen tokens is too small to share out over two cores
    (4.3 ms a sentence on two threads, 5.1 ms on one), so two at once take 40% less time for the ~30-70
    candidate sentences of an answer and for the chunks of an ingest. The vectors are bit-identical either way
    (a run's result does not depend on its thread count: measured on the corpus' chunks and sentences).
    """

    backend = "onnx"

    def __init__(self, encoder: Encoder, *, threads: int = 2, batch_size: int = 32) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.encoder = encoder
        self.encoder_id = encoder.encoder_id
        self.dimension = encoder.dimension
        self.batch_size = batch_size
        self._parallel = threads if batch_size == 1 else 1  # runs at once (see above)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1 if self._parallel > 1 else threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # no busy-waiting on 2 shared cores
        # ONNX Runtime builds the session (loads and optimises the graph: 40-65 ms) without holding the GIL, so it
        # is built on a thread of its own while the caller goes on (the tokenizer below, then opening the store
        # and importing chromadb); the first use waits for it, and gets its error if it failed.
        self._building: Future[onnxruntime.InferenceSession] = Future()
        threading.Thread(target=self._build_session, args=(ort, str(encoder.model_file), options),
                         name="onnx-session").start()
        self._tokenizer = Tokenizer.from_file(str(encoder.tokenizer_file))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=encoder.max_length)

    def _build_session(self, ort: Any, model_file: str, options: Any) -> None:
        try:
            session = ort.InferenceSession(model_file, options, providers=["CPUExecutionProvider"])
            self._building.set_result(session)
        except BaseException as exc:  # noqa: BLE001 (handed to whoever waits for the session)
            self._building.set_exception(exc)

    @property
    def _session(self) -> "onnxruntime.InferenceSession":
        """The ONNX Runtime session, once built (raises what building it raised)."""
        return self._building.result()

    @functools.cached_property
    def _inputs(self) -> set[str]:
        return {i.name for i in self._session.get_inputs()}

    def encode(self, texts: Sequence[str]) -> "np.ndarray":
        """An (n, dimension) float32 array of unit vectors, in the order of ``texts``."""
        import numpy as np

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch([t.replace("\n", " ").strip() for t in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))  # similar lengths share a batch
        batches = [order[begin:begin + self.batch_size] for begin in range(0, len(order), self.batch_size)]

        def run(rows: list[int]) -> None:
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            types = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                enc = encodings[i]
                n = len(enc.ids)
                ids[r, :n] = enc.ids
                mask[r, :n] = 1
                types[r, :n] = enc.type_ids
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            out[rows] = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]

        if self._parallel > 1 and len(batches) > 1:
            for _ in self._workers().map(run, batches):  # each batch writes its own rows of ``out``
                pass
        else:
            for rows in batches:
                run(rows)
        return out

    def _workers(self) -> ThreadPoolExecutor:
        """The threads that run batches at once (started on first use, shared by every caller)."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self._parallel, thread_name_prefix="onnx-encoder")
            return self._pool

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector per text."""
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        """The vector of one query."""
        return self.encode([text])[0].tolist()

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """``embed_documents`` in a worker thread."""
        import asyncio

        return await asyncio.to_thread(self.embed_documents, texts)

    async def aembed_query(self, text: str) -> list[float]:
        """``embed_query`` in a worker thread."""
        import asyncio

        return await asyncio.to_thread(self.embed_query, text)
