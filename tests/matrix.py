"""The answer matrix the tests cover, derived from cookiecutter.json's choices."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bakery import TEMPLATE_DIR

DEFAULTS = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())


@dataclass(frozen=True)
class Bake:
    """One combination of answers, named for readable test ids."""

    name: str
    answers: dict[str, str] = field(default_factory=dict)

    def answer(self, key: str, default: str) -> str:
        """The answer for ``key``, else the value the template derives."""
        return self.answers.get(key, default)


def _choices(key: str) -> list[str]:
    return list(DEFAULTS[key])


MATRIX = [
    Bake("default"),
    *(Bake(f"{key}={choice}", {key: choice}) for key in ("library_format", "databricks_runtime", "ci_provider")
      for choice in _choices(key)[1:]),
    Bake("three-developers", {"developers": "kyle,joe,ann"}),
    Bake("custom-names", {"project_name": "Churn Model", "notebooks_package": "churn_notebooks",
                          "library_name": "churnlib", "workspace_root": "/Shared/teams/churn"}),
]
