"""The README cannot drift from the code: its configuration table is the one generated from the Settings, and the
files, make targets and backends it names exist. (Its formats table is checked in test_clean.py.)"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import AliasChoices, Field

from assistant.answerers import NAMES
from assistant.settings import Settings, TABLE_END, TABLE_START, markdown_table, readme_with_table

from conftest import REPO

README = REPO / "README.md"


def section(text: str, heading: str) -> str:
    """The text under ``## heading`` up to the next heading of that level."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start: end if end > 0 else None]


def test_the_configuration_table_is_the_generated_one():
    text = README.read_text(encoding="utf-8")
    assert text.count(TABLE_START) == 1 and text.count(TABLE_END) == 1
    assert TABLE_START in section(text, "Configuration")
    assert readme_with_table(text) == text, "the README's settings table is out of date: run `make readme`"


def test_every_setting_has_a_row_and_a_description():
    rows = markdown_table().splitlines()[2:]
    assert len(rows) == len(Settings.model_fields)
    for (name, field), row in zip(Settings.model_fields.items(), rows):
        assert row.startswith(f"| `ASSISTANT_{name.upper()}`"), row
        assert field.description, f"Settings.{name} has no description for the README"


def test_a_new_field_needs_nothing_but_a_description():
    class More(Settings):
        report_port: int = Field(8080, ge=1, le=65535, validation_alias=AliasChoices("ASSISTANT_REPORT_PORT",
                                                                                     "ASSISTANT_OLD_PORT"),
                                 description="Port the report | the app listens on.")
        home: Path = Field(Path.cwd() / "corpus", description="A folder.")

    rows = markdown_table(More).splitlines()
    assert rows[-2] == ("| `ASSISTANT_REPORT_PORT` or `ASSISTANT_OLD_PORT` | integer, 1 to 65535 | `8080` | "
                        "Port the report \\| the app listens on. |")
    assert rows[-1] == "| `ASSISTANT_HOME` | path | `./corpus` | A folder. |"  # the same on every machine


def test_the_table_is_rewritten_between_its_markers_only():
    text = f"# Title\n\nbefore\n{TABLE_START}\n| stale |\n{TABLE_END}\nafter\n"
    assert readme_with_table(text) == f"# Title\n\nbefore\n{TABLE_START}\n{markdown_table()}{TABLE_END}\nafter\n"


def test_the_files_the_readme_names_exist():
    text = README.read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:assistant|tests|bench|docs|evals)/[\w./-]*|[\w-]+\.py)`", text))
    named |= set(re.findall(r"\]\(((?:bench|docs)/[\w./-]+?)(?:#[\w-]*)?\)", text))
    generated = {"evals/report.md", "evals/report.png", "evals/results.json"}  # written by `assistant eval`
    missing = sorted(p for p in named - generated if not (REPO / p).exists())
    assert not missing, f"the README names files that are not there: {missing}"
    assert "assistant/load/loaders.py" in named  # the pattern finds paths at all


def test_the_make_targets_the_readme_names_exist():
    text = README.read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][\w-]*):", (REPO / "Makefile").read_text(encoding="utf-8"), re.M))
    named = set(re.findall(r"`make ([a-z][\w-]*)", text))
    assert {"chat", "test", "check", "readme"} <= named and named <= targets, named - targets


def test_the_backends_table_lists_the_registry():
    rows = re.findall(r"^\| `([a-z]\w*)`(?: \(default\))? \|", section(README.read_text(encoding="utf-8"), "Backends"),
                      re.M)
    assert tuple(rows[: len(NAMES)]) == NAMES
