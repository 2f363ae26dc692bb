"""Reading the generated pipeline files as their CI providers read them; shared by the per-provider tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

SECRET_MARKERS = ("$(DATABRICKS_", "secrets.")


def release_branch(project: Path) -> str:
    return yaml.safe_load((project / "invoke.yaml").read_text())["mlops"]["environments"]["production"][
        "release_branch"]


def strings_outside_env(node: Any, inside_env: bool = False) -> Iterator[str]:
    """Every string of the document that is not a value of an ``env:`` mapping."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from strings_outside_env(value, inside_env or key == "env")
    elif isinstance(node, list):
        for item in node:
            yield from strings_outside_env(item, inside_env)
    elif isinstance(node, str) and not inside_env:
        yield node


def secret_leaks(document: Any) -> list[str]:
    """Strings that name a secret outside an ``env:`` mapping (where a provider would print or expand them)."""
    return [text for text in strings_outside_env(document) if any(marker in text for marker in SECRET_MARKERS)]
