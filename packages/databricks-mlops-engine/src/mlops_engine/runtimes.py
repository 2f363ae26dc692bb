"""The Databricks runtimes a project can run on, as data (``runtimes.json``, from Databricks' release notes).

A project names its runtime once (``mlops.runtime`` in invoke.yaml, from the cookiecutter answer): the job
cluster's ``spark_version``, the local environment's pins and the local Spark's settings all follow from it, so a
notebook meets locally the library versions and SQL semantics (ANSI mode, Delta as the default format) it meets
on the cluster. A local Python or library that differs from the runtime's is refused before anything runs.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

from packaging.utils import canonicalize_name

from mlops_engine.errors import UserError


@dataclass(frozen=True)
class Runtime:
    """One Databricks runtime: what its clusters run and what the local target must match."""

    key: str
    name: str
    spark_version: str | None
    python: str
    spark_conf: Mapping[str, str]
    pins: Mapping[str, str]
    preinstalled: Mapping[str, str]
    delta_spark: str | None
    engine_supported: bool
    serverless: bool = False
    connect_client: Mapping[str, str] = field(default_factory=dict)
    """The Spark Connect client libraries a serverless runtime's local environment adds to pyspark."""

    @property
    def python_minor(self) -> str:
        """``3.12`` for Python 3.12.3."""
        return ".".join(self.python.split(".")[:2])

    def local_pins(self) -> dict[str, str]:
        """The versions the local environment must have: the runtime's libraries, Delta and the preinstalled set."""
        delta = {"delta-spark": self.delta_spark} if self.delta_spark else {}
        return {**self.pins, **delta, **self.connect_client, **self.preinstalled}


@functools.cache
def _table() -> dict[str, Any]:
    return json.loads(files("mlops_engine").joinpath("runtimes.json").read_text())


def runtime_keys(supported_only: bool = True) -> list[str]:
    """The runtimes a project can choose (all that are recorded with ``supported_only=False``)."""
    return [key for key, data in _table()["runtimes"].items() if data["engine_supported"] or not supported_only]


def load_runtime(key: str) -> Runtime:
    """The runtime ``key`` names; refused with the choices when it is unknown or not supported locally."""
    data = _table()["runtimes"].get(key)
    if data is None or not data["engine_supported"]:
        raise UserError(f"mlops.runtime: {key!r} is not a runtime this engine runs; choose one of: "
                        f"{', '.join(runtime_keys())}")
    return Runtime(key=key, name=data["name"], spark_version=data["spark_version"], python=data["python"],
                   spark_conf=dict(data["spark_conf"]), pins=dict(data["pins"]),
                   preinstalled=dict(data["preinstalled"]), delta_spark=data.get("delta_spark"),
                   engine_supported=bool(data["engine_supported"]), serverless=bool(data["serverless"]),
                   connect_client=dict(data.get("connect_client") or {}))


def serverless_settable_conf() -> frozenset[str]:
    """The Spark properties a serverless notebook or job may set (Databricks' documented list, in the table)."""
    return frozenset(_table()["serverless_spark_conf"]["settable"])


def serverless_conf_error(key: str) -> str:
    """The message serverless compute gives for setting any other property."""
    return _table()["serverless_spark_conf"]["error"].format(config=key)


def mismatches(runtime: Runtime) -> list[str]:
    """How this Python and its libraries differ from ``runtime``'s (empty when they match)."""
    found = []
    local_minor = f"{sys.version_info.major}.{sys.version_info.minor}"
    if local_minor != runtime.python_minor:
        found.append(f"Python {local_minor} (the runtime's is {runtime.python_minor})")
    for name, version in runtime.local_pins().items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{canonicalize_name(name)} missing (the runtime's is {version})")
            continue
        if installed != version:
            found.append(f"{canonicalize_name(name)} {installed} (the runtime's is {version})")
    return found


def check_local_environment(runtime: Runtime) -> None:
    """Refuse a local environment that is not ``runtime``'s, in one line naming what differs and the fix."""
    found = mismatches(runtime)
    if found:
        fix = (f"use python{runtime.python_minor}: scripts/setup_dev.sh" if found[0].startswith("Python")
               else "reinstall it: pip install -r requirements-dev.txt")
        raise UserError(f"this environment is not {runtime.name}'s: {'; '.join(found)}; {fix}")
