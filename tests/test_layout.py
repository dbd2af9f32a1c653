"""The package's folders follow the data path, and its import graph has no cycle.

Stages, in the order data flows: load (read and clean files) → index (chunk, embed, store, retrieve) → answer
(question analysis, answerers, gate, citations) → the engine (the pipeline) → the shells (chat, HTTP API, evaluation, cli).
A module may import from its own stage and the stages before it, and from the shared root modules (settings,
errors, documents, text, the answerer registry). Every import counts, deferred ones inside functions included.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"
SHARED = {"assistant.settings", "assistant.errors", "assistant.documents", "assistant.text", "assistant.answerers"}
ORDER = ["load", "index", "answer", "engine", "shell"]
SHELLS = {"chat", "api", "evaluation", "cli", "__main__"}


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules ``name`` imports (``from . import x`` counts as importing x)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                target = f"{module}.{alias.name}"
                found.add(target if target in known else module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in known and m != name}


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports(name, path, set(mods)) for name, path in mods.items()}


def stage(name: str) -> str | None:
    """The stage a module belongs to; None for the shared root modules and the facade (``assistant``)."""
    if name in SHARED or name == "assistant":
        return None
    first = name.split(".")[1]
    if first in SHELLS:
        return "shell"
    return first if first in ORDER else None


def test_every_module_belongs_to_a_stage_or_is_shared():
    loose = [name for name in graph() if stage(name) is None and name not in SHARED and name != "assistant"]
    assert not loose, f"modules outside the layout: {loose}"


def test_the_import_graph_has_no_cycle():
    edges = graph()
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            cycle = visit(node)
            assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_each_stage_imports_only_from_itself_and_the_stages_before_it():
    backward = []
    for source, targets in graph().items():
        here = stage(source)
        for target in targets:
            there = stage(target)
            if target in SHARED or target == "assistant" and here == "shell":
                continue
            if source in SHARED and target not in SHARED:
                backward.append(f"{source} (shared) -> {target}")
            elif here and there and ORDER.index(there) > ORDER.index(here):
                backward.append(f"{source} ({here}) -> {target} ({there})")
    assert not backward, "imports against the data path:\n" + "\n".join(sorted(backward))


def test_the_checker_sees_a_cycle_and_a_backward_import(tmp_path):
    """The graph reader resolves relative imports, deferred ones included (the tests above rely on it)."""
    (tmp_path / "pkg").mkdir()
    first = tmp_path / "pkg" / "first.py"
    first.write_text("def f():\n    from .second import g\n", encoding="utf-8")
    second = tmp_path / "pkg" / "second.py"
    second.write_text("from . import first\n", encoding="utf-8")
    known = {"pkg", "pkg.first", "pkg.second"}
    assert imports("pkg.first", first, known) == {"pkg.second"}
    assert imports("pkg.second", second, known) == {"pkg.first"}


def test_the_shells_use_the_facade_not_the_engine_or_the_index():
    """The CLI, the chat and the evals reach the pipeline and the index only through ``assistant`` (the facade)."""
    reached = []
    for source, targets in graph().items():
        if stage(source) != "shell":
            continue
        reached += [f"{source} -> {t}" for t in targets if t == "assistant.engine" or t.startswith("assistant.index")]
    assert not reached, "shells past the facade:\n" + "\n".join(sorted(reached))
