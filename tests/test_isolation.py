"""The tests' isolation (``tests/conftest.py``): a developer's ``ASSISTANT_*`` variables and caches change nothing a
test sees, the costly shared caches (models, encoder, eval indexes) stay shared, and no Assistant outlives its test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.answer import places
from assistant.settings import Settings, cache_dir

from conftest import KEPT_VARIABLES, OUTER_CACHES, OWN_FOLDERS, REPO, SHARED_CACHES


def field(variable: str) -> str:
    return variable.removeprefix("ASSISTANT_").lower()


def test_every_setting_is_its_default_and_the_writable_folders_are_the_tests_own(tmp_path_factory):
    settings, defaults = Settings(), Settings.model_construct()  # model_construct reads no environment
    own, kept = {field(v) for v in OWN_FOLDERS}, {field(v) for v in KEPT_VARIABLES}
    for name in Settings.model_fields:
        if name in own:
            assert Path(getattr(settings, name)).is_relative_to(tmp_path_factory.getbasetemp()), name
        elif name == "llm":  # conftest sets the fast mode (the last test of this file checks the default)
            assert settings.llm == "extractive" and defaults.llm == "llamacpp"
        elif name not in kept:
            assert getattr(settings, name) == getattr(defaults, name), name
    assert not {n for n in os.environ if n.startswith("ASSISTANT_")} - KEPT_VARIABLES - set(OWN_FOLDERS) \
        - {"ASSISTANT_LLM"}


def test_the_big_caches_are_shared_and_the_others_are_the_sessions_own():
    for name in SHARED_CACHES:
        assert cache_dir(name).resolve() == OUTER_CACHES[name].resolve(), name
    outer_root = OUTER_CACHES["models"].parent
    for name in ("keyword", "places", "anything-new"):
        assert not cache_dir(name).resolve().is_relative_to(outer_root.resolve()), name


def test_place_names_come_from_the_sessions_cache():
    places.place_names.cache_clear()
    try:
        assert places.is_place("South Korea") and not places.is_place("Ada Quill")
    finally:
        places.place_names.cache_clear()


def test_a_developers_variables_and_caches_do_not_reach_a_test(tmp_path):
    """The tests above, in a pytest run from a shell with settings of its own and a stale cache."""
    home = tmp_path / "cache"
    stale = home / "assistant" / "places" / "places-1.json"
    stale.parent.mkdir(parents=True)
    stale.write_text('["Ada Quill"]', encoding="utf-8")  # a cache that calls a person a place
    env = {**os.environ, "XDG_CACHE_HOME": str(home), "ASSISTANT_TOP_K": "3", "ASSISTANT_LLM": "openai",
           "ASSISTANT_INDEX_DIR": str(tmp_path / "my-index"), "ASSISTANT_FEEDBACK_PATH": str(tmp_path / "mine.jsonl"),
           "ASSISTANT_KEYWORD_CACHE_DIR": str(tmp_path / "my-keyword"), "ASSISTANT_DEBUG": "1"}
    tests = [f"{__file__}::{name}" for name in ("test_every_setting_is_its_default_and_the_writable_folders_are_the_"
                                                "tests_own", "test_the_big_caches_are_shared_and_the_others_are_the_"
                                                "sessions_own", "test_place_names_come_from_the_sessions_cache")]
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests], cwd=REPO,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "3 passed" in result.stdout, result.stdout + result.stderr
    assert stale.read_text(encoding="utf-8") == '["Ada Quill"]'
    assert sorted(p.name for p in (home / "assistant").iterdir()) == sorted([*SHARED_CACHES, "places"])
    assert not {"my-index", "mine.jsonl", "my-keyword"} & {p.name for p in tmp_path.iterdir()}


_seen: list[object] = []


@pytest.mark.slow
def test_an_assistant_is_shared_within_a_test(corpus_settings):
    from assistant import get_assistant

    _seen.append(get_assistant(corpus_settings))
    assert get_assistant(corpus_settings) is _seen[0]


@pytest.mark.slow
def test_but_not_with_the_next_test(corpus_settings):
    from assistant import get_assistant

    if not _seen:
        pytest.skip("runs after test_an_assistant_is_shared_within_a_test")
    assert get_assistant(corpus_settings) is not _seen[0]


def test_the_default_answerer_is_the_local_model_and_tests_get_the_fast_mode(monkeypatch):
    from assistant.settings import Settings

    assert Settings().llm == "extractive"  # conftest: tests that mean the model say so
    monkeypatch.delenv("ASSISTANT_LLM")
    assert Settings().llm == "llamacpp"
