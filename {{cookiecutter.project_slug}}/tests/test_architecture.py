"""The shape of tooling/: no import cycles, small modules, and only open_target knows both targets."""

from __future__ import annotations

import ast
from pathlib import Path

TOOLING = Path(__file__).resolve().parents[1] / "tooling"
MAX_LINES = 300


def module_name(file: Path) -> str:
    parts = file.relative_to(TOOLING.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(file: Path) -> set[str]:
    """The tooling modules ``file`` imports, at any depth of the file (lazy imports count too)."""
    package = module_name(file) if file.name == "__init__.py" else module_name(file).rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(file.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("tooling"):
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("tooling"))
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(file): file for file in TOOLING.rglob("*.py")}
    return {name: imports(file) & set(modules) - {name} for name, file in modules.items()}


def test_no_import_cycles() -> None:
    edges = graph()
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for nxt in sorted(edges[name]):
            if state.get(nxt) == "open":
                cycles.append(path[path.index(nxt):] + [nxt] if nxt in path else [name, nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[name] = "done"

    for name in sorted(edges):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_modules_stay_small() -> None:
    lines = {module_name(file): len(file.read_text().splitlines()) for file in TOOLING.rglob("*.py")}
    assert {name: count for name, count in lines.items() if count > MAX_LINES} == {}


def test_only_open_target_knows_both_targets() -> None:
    edges = graph()
    both = [name for name, targets in edges.items() if any(t.startswith("tooling.local") for t in targets)
            and any(t.startswith("tooling.databricks") for t in targets)]
    assert both == ["tooling.open_target"]
    outside = [name for name, targets in edges.items() if name.startswith(("tooling.commands", "tooling.target"))
               and any(t.startswith(("tooling.local", "tooling.databricks")) for t in targets)]
    assert outside == [], "commands and the contract reach targets only through open_target"
