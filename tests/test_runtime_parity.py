"""Runtime parity: a project's job cluster, local pins and local Python are its chosen runtime's, as the runtime
table (the engine's ``runtimes.json``, from Databricks' release notes) gives them; so is this repository's own
environment for the default runtime. Any difference fails here."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from matrix import DEFAULTS, MATRIX, Bake
from packaging.utils import canonicalize_name

from bakery import ENGINE_DIR, TEMPLATE_DIR

TABLE = json.loads((ENGINE_DIR / "src" / "mlops_engine" / "runtimes.json").read_text())["runtimes"]
RUNTIME_BAKES = [bake for bake in MATRIX if bake.name == "default" or "databricks_runtime" in bake.answers]


def pins(file: Path) -> dict[str, str]:
    """``name==version`` lines of a requirements or constraints file, by canonical name."""
    found = {}
    for line in file.read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", line):
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def local_pins(runtime: dict) -> dict[str, str]:
    """What the local environment must pin for ``runtime``: its libraries, Delta, Spark Connect's client (serverless)
    and the preinstalled set."""
    wanted = {**runtime["pins"], "delta-spark": runtime["delta_spark"], **runtime.get("connect_client", {}),
              **runtime["preinstalled"]}
    return {canonicalize_name(name): version for name, version in wanted.items()}


def test_every_choice_is_a_runtime_of_the_table_the_engine_runs() -> None:
    assert DEFAULTS["databricks_runtime"] == [key for key, data in TABLE.items() if data["engine_supported"]]
    assert {bake.answer("databricks_runtime", DEFAULTS["databricks_runtime"][0]) for bake in RUNTIME_BAKES} == set(
        DEFAULTS["databricks_runtime"])


@pytest.mark.parametrize("bake", RUNTIME_BAKES, ids=lambda bake: bake.name)
def test_a_baked_project_runs_and_pins_its_runtime(baked: Callable[[Bake], Path], bake: Bake) -> None:
    key = bake.answer("databricks_runtime", DEFAULTS["databricks_runtime"][0])
    runtime = TABLE[key]
    project = baked(bake)
    settings = yaml.safe_load((project / "invoke.yaml").read_text())["mlops"]
    assert settings["runtime"] == key
    if runtime["serverless"]:  # jobs on serverless, local runs on Spark Connect
        assert settings["databricks"]["compute"] == {"serverless": True}
    else:
        assert settings["databricks"]["compute"]["new_cluster"]["spark_version"] == runtime["spark_version"]
    declared = {**pins(project / "requirements.txt"), **pins(project / "requirements-dev.txt")}
    wanted = local_pins(runtime)
    assert {name: declared.get(name) for name in wanted} == wanted
    locked = pins(project / "constraints.txt")
    assert {name: locked.get(name) for name in wanted} == wanted
    assert all(locked[name] == version for name, version in declared.items() if name in locked)
    minor = ".".join(runtime["python"].split(".")[:2])
    assert f'requires-python = ">={minor}"' in (project / "pyproject.toml").read_text()
    assert f'python="python{minor}"' in (project / "scripts" / "setup_dev.sh").read_text()


def test_this_repository_s_environment_is_the_default_runtime_s() -> None:
    wanted = local_pins(TABLE[DEFAULTS["databricks_runtime"][0]])
    for file in ("requirements-dev.txt", "constraints-dev.txt"):
        found = pins(TEMPLATE_DIR / file)
        assert {name: found.get(name) for name in wanted} == wanted, file
