"""Serverless compute, locally: a serverless-5 project's runs reach Spark through a warm local Spark Connect server,
so a notebook meets what a serverless workspace gives it (a Spark Connect session; sparkContext, RDDs and cluster
settings refused with the serverless errors; Delta, %sql and three-level names working), through the real ``invoke``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from matrix import Bake

PROBES = Path(__file__).parent / "probe_notebooks"
SERVERLESS = Bake("databricks_runtime=serverless-5", {"databricks_runtime": "serverless-5"})
BRANCH = "probe"
Invoke = Callable[..., subprocess.CompletedProcess[str]]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def serverless_project(baked: Callable[[Bake], Path], tmp_path_factory: pytest.TempPathFactory,
                       invoke_in: Invoke) -> Path:
    """The serverless-5 bake (shared with the matrix) with the serverless probe sent to a branch folder."""
    source = baked(SERVERLESS)
    copy = tmp_path_factory.mktemp("serverless") / source.name
    shutil.copytree(source, copy)
    package = next(path.parent for path in copy.glob("*/set_environment.py"))
    (package / "probes").mkdir()
    shutil.copy(PROBES / "ServerlessProbe.py", package / "probes")
    for args in (("send", "--branch", BRANCH, "--target", "local"), ("build",), ("deploy", "--branch", BRANCH)):
        result = invoke_in(copy, *args)
        assert result.returncode == 0, result.stdout + result.stderr
    return copy


def test_a_serverless_project_s_notebook_meets_spark_connect_as_on_serverless(serverless_project: Path,
                                                                            invoke_in: Invoke) -> None:
    result = invoke_in(serverless_project, "run", "--notebook", "probes/ServerlessProbe", "--branch", BRANCH,
                       "--target", "local")
    assert result.returncode == 0, result.stdout + result.stderr
    run_dir = Path(re.search(r"file://(\S+)/log\.txt", result.stdout).group(1))
    verdicts = json.loads(json.loads((run_dir / "run.json").read_text())["notebook_result"])
    assert len(verdicts) == 10, verdicts
    assert {name for name, verdict in verdicts.items() if verdict != "ok"} == set(), verdicts
    assert "spark: Spark Connect server (serverless compute)" in (run_dir / "log.txt").read_text()

    stopped = invoke_in(serverless_project, "stop-spark")
    assert stopped.returncode == 0 and "stopped" in stopped.stdout, stopped.stdout + stopped.stderr
    assert not (serverless_project / ".workspace" / ".spark-connect" / "server.json").exists()
