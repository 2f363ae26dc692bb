"""The shape of the engine: no import cycles, small modules, only open_target knows both targets, and the local
target's sub-packages import one way (runs over the notebook runtime and Spark, over SQL, over the filesystem)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "mlops_engine"
ROOT = PACKAGE.name
MAX_LINES = 300
LOCAL_LAYERS = (("runs",), ("notebook", "spark"), ("sql",), ("filesystem", "secrecy"))
"""Top to bottom: a sub-package may import those below it (and its own layer's neighbours never)."""


def module_name(file: Path) -> str:
    parts = file.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(file: Path) -> set[str]:
    """The engine's modules ``file`` imports, at any depth of the file (lazy imports count too)."""
    package = module_name(file) if file.name == "__init__.py" else module_name(file).rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(file.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith(ROOT):
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith(ROOT))
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(file): file for file in PACKAGE.rglob("*.py")}
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
    lines = {module_name(file): len(file.read_text().splitlines()) for file in PACKAGE.rglob("*.py")}
    assert {name: count for name, count in lines.items() if count > MAX_LINES} == {}


def test_only_open_target_knows_both_targets() -> None:
    edges = graph()
    local, databricks = f"{ROOT}.local", f"{ROOT}.databricks"
    both = [name for name, targets in edges.items() if any(t.startswith(local) for t in targets)
            and any(t.startswith(databricks) for t in targets)]
    assert both == [f"{ROOT}.open_target"]
    outside = [name for name, targets in edges.items() if name.startswith((f"{ROOT}.commands", f"{ROOT}.contract"))
               and any(t.startswith((local, databricks)) for t in targets)]
    assert outside == [], "commands and the contract reach targets only through open_target"


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) < 3 or parts[1] != "local":
        return None
    return next((depth for depth, names in enumerate(LOCAL_LAYERS) if parts[2] in names), None)


def test_local_sub_packages_import_downwards_only() -> None:
    upward = sorted(f"{name} -> {target}" for name, targets in graph().items() for target in targets
                    if layer_of(name) is not None and layer_of(target) is not None
                    and name.split(".")[2] != target.split(".")[2] and layer_of(target) <= layer_of(name))
    assert upward == []


def test_every_local_module_sits_in_a_sub_package() -> None:
    flat = sorted(file.name for file in (PACKAGE / "local").glob("*.py"))
    assert flat == ["__init__.py", "target.py"]
