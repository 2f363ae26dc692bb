"""A developer's ``invoke.local.yaml``, checked before invoke reads it: one line naming the file, the key and what is
expected, instead of a traceback (bad YAML), a silently ignored key (a typo) or a quoted ``"false"`` read as true.

Only the ``mlops`` table is the engine's; invoke's own settings (``run:``, ``tasks:``...) are left to invoke. Compute
and environments are the team's shapes (``invoke.yaml``): their content is checked when a task uses them. A developer's
``databricks.compute`` is a mapping (``{serverless: true}``) that replaces the team's whole (``developer_compute``);
a bare word (``compute: serverless``) is refused, as invoke could not merge it over the team's mapping.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, StrictBool, StrictFloat, StrictInt, StrictStr, ValidationError

from mlops_engine.errors import UserError


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocalOverrides(_Table):
    workspace_dir: StrictStr | None = None
    runs_dir: StrictStr | None = None
    mlflow_dir: StrictStr | None = None
    spark_master: StrictStr | None = None
    run_timeout_minutes: StrictInt | StrictFloat | None = None
    warm_spark: StrictBool | None = None


class DatabricksOverrides(_Table):
    profile: StrictStr | None = None
    run_timeout_minutes: StrictInt | StrictFloat | None = None
    upload_parallelism: StrictInt | None = None
    retry_timeout_seconds: StrictInt | StrictFloat | None = None
    library_store: StrictStr | None = None
    library_volume: StrictStr | None = None
    library_dbfs_root: StrictStr | None = None
    repos: dict[str, Any] | None = None
    compute: dict[str, Any] | None = None


class MlopsOverrides(_Table):
    workspace_root: StrictStr | None = None
    notebooks_package: StrictStr | None = None
    library_name: StrictStr | None = None
    library_format: StrictStr | None = None
    default_config: StrictStr | None = None
    runtime: StrictStr | None = None
    training_notebook: StrictStr | None = None
    release_branch: StrictStr | None = None
    target: StrictStr | None = None
    local: LocalOverrides | None = None
    databricks: DatabricksOverrides | None = None
    environments: dict[str, dict[str, Any]] | None = None


def _expected(error: dict[str, Any], model: type[BaseModel], where: tuple[Any, ...]) -> str:
    if error["type"] == "extra_forbidden":
        for part in where[:-1]:
            field = model.model_fields[part]
            model = next(arg for arg in getattr(field.annotation, "__args__", (field.annotation,))
                         if isinstance(arg, type) and issubclass(arg, BaseModel))
        return f"unknown key; {'.'.join(map(str, where[:-1])) or 'mlops'} takes: {', '.join(model.model_fields)}"
    if error["type"] == "bool_type":
        return f"expected true or false (unquoted), got {error['input']!r}"
    if error["type"] == "dict_type":
        return ("expected a mapping such as {serverless: true} or {existing_cluster_id: ...}, "
                f"got {error['input']!r}")
    if error["type"] in ("int_type", "float_type"):
        return f"expected a number (unquoted), got {error['input']!r}"
    return f"{error['msg'].lower()}, got {error['input']!r}"


def check_overrides(file: Path) -> MlopsOverrides:
    """Refuse ``file`` unless it is YAML whose ``mlops`` table has only the engine's keys with their types; return
    that table."""
    try:
        data = yaml.safe_load(file.read_text()) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise UserError(f"{file}{where}: not valid YAML ({getattr(error, 'problem', None) or error})") from None
    if not isinstance(data, dict):
        raise UserError(f"{file}: expected a mapping of settings (mlops: ...), got {type(data).__name__}")
    try:
        return MlopsOverrides.model_validate(data.get("mlops") or {})
    except ValidationError as error:
        first = error.errors()[0]
        where = tuple(part for part in first["loc"] if not isinstance(part, int) and part not in
                      ("str", "int", "float", "bool", "dict[str,any]", "function-after[...]"))
        key = ".".join(["mlops", *map(str, where)])
        raise UserError(f"{file}: {key}: {_expected(first, MlopsOverrides, where)}") from None


def developer_compute(overrides: MlopsOverrides) -> dict[str, Any] | None:
    """The developer's ``databricks.compute``, which replaces the team's as a whole (invoke would merge the two into
    a mapping naming two kinds of compute); None when the file leaves compute to the team."""
    if overrides.databricks is None or overrides.databricks.compute is None:
        return None
    return dict(overrides.databricks.compute)
