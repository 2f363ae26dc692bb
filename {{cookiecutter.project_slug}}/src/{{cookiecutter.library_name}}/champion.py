"""The model registry side of promotion: register a version, move ``@champion`` safely, roll back.

Aliases, not the deprecated stages: ``@champion`` is the version scoring uses and ``@previous`` the
one it replaced, so a rollback is one call. The same calls work on the workspace registry and on
Unity Catalog (three-level names such as ``main.forecasting.demand_model``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import mlflow
from mlflow import MlflowClient
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException

CHAMPION_ALIAS = "champion"
PREVIOUS_ALIAS = "previous"
MISSING_MODEL_ERRORS = frozenset({"RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"})


class NoChampionError(RuntimeError):
    """The registered model has no ``@champion`` version to score with."""


@dataclass(frozen=True)
class Champion:
    """The loaded champion model and the registry version it came from."""

    model_name: str
    version: str
    model: Any


def aliased_version(client: MlflowClient, model_name: str, alias: str = CHAMPION_ALIAS) -> str | None:
    """The version number ``alias`` points to, or None when the model or the alias does not exist."""
    try:
        model = client.get_registered_model(model_name)
    except MlflowException as error:
        if error.error_code in MISSING_MODEL_ERRORS:
            return None
        raise
    version = dict(model.aliases or {}).get(alias)
    return None if version is None else str(version)


def load_champion(model_name: str, client: MlflowClient | None = None) -> Champion:
    """Load the version ``@champion`` points to; fail clearly when there is none."""
    version = aliased_version(client or MlflowClient(), model_name)
    if version is None:
        raise NoChampionError(
            f"registered model {model_name!r} has no @{CHAMPION_ALIAS} version: "
            "run ModelEvaluation to promote a candidate first"
        )
    return Champion(model_name, version, mlflow.sklearn.load_model(f"models:/{model_name}/{version}"))


def register_version(run_id: str, model_name: str, tags: Mapping[str, str]) -> ModelVersion:
    """Register the ``model`` logged by ``run_id`` as a new version of ``model_name``, with ``tags``."""
    return mlflow.register_model(f"runs:/{run_id}/model", model_name, tags=dict(tags))


def promote(client: MlflowClient, model_name: str, version: str, expected_champion: str | None) -> bool:
    """Compare-and-set: point ``@champion`` at ``version`` only if it still points at ``expected_champion``.

    The alias is re-read just before it is moved; if another promotion happened since the caller
    read it, nothing changes and False is returned. The registry has no atomic compare-and-set, so
    two promotions within the same few milliseconds can still race; across an evaluation they cannot.
    The replaced champion stays reachable as ``@previous``.
    """
    current = aliased_version(client, model_name)
    if current != expected_champion:
        return False
    if current is not None:
        client.set_registered_model_alias(model_name, PREVIOUS_ALIAS, current)
    client.set_registered_model_alias(model_name, CHAMPION_ALIAS, version)
    return True


def rollback(client: MlflowClient, model_name: str) -> tuple[str, str]:
    """Point ``@champion`` back at ``@previous``; return (demoted version, restored version).

    ``@previous`` is removed afterwards, so a second rollback fails instead of flipping back.
    """
    current = aliased_version(client, model_name)
    previous = aliased_version(client, model_name, PREVIOUS_ALIAS)
    if current is None or previous is None:
        raise RuntimeError(
            f"cannot roll back {model_name!r}: it needs both @{CHAMPION_ALIAS} and @{PREVIOUS_ALIAS}, "
            f"found champion={current} previous={previous}"
        )
    client.set_registered_model_alias(model_name, CHAMPION_ALIAS, previous)
    client.delete_registered_model_alias(model_name, PREVIOUS_ALIAS)
    client.set_model_version_tag(model_name, current, "rolled_back", "true")
    return current, previous
