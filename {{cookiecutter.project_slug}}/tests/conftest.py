"""The project's fixtures. The engine's pytest plugin gives ``spark``, ``mlflow_server``, ``mlflow_tracking`` and
``project_notebooks`` (a notebook of this project run on the local target)."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def names(mlflow_tracking: str) -> dict[str, str]:
    """Fresh experiment and model names, so tests never see each other's runs."""
    suffix = uuid.uuid4().hex[:8]
    return {"experiment": f"train-{suffix}", "model": f"model-{suffix}", "evaluation": f"eval-{suffix}"}
