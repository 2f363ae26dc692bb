"""The local target keeps Spark warm between runs, as a workspace keeps its cluster, and stops it when asked.

Through the real ``invoke`` command line in a baked project: the second run attaches to the driver the
first one left (its Spark is ready in about a second), keeps the classic-cluster API (``sc``, RDDs, Python
UDFs) and sees none of the first run's temporary views or SQL settings; ``invoke stop-spark`` stops the
driver; ``invoke ci`` stops the driver it started itself.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Invoke = Callable[..., subprocess.CompletedProcess[str]]
pytestmark = pytest.mark.slow
BRANCH = "warm"
FIRST = """# Databricks notebook source
spark.range(3).createOrReplaceTempView("first_runs_view")
spark.conf.set("spark.sql.shuffle.partitions", "7")
dbutils.notebook.exit(str(sc.parallelize(range(10)).sum()))
"""
SECOND = """# Databricks notebook source
import json
from pyspark.sql import functions as F

doubled = F.udf(lambda value: value * 2, "long")
dbutils.notebook.exit(json.dumps({
    "views": [table.name for table in spark.catalog.listTables() if table.isTemporary],
    "partitions": spark.conf.get("spark.sql.shuffle.partitions"),
    "rdd_sum": sc.parallelize(range(5)).sum(),
    "udf": [row[0] for row in spark.range(3).select(doubled("id")).collect()],
}))
"""
READY = re.compile(r"spark: (.+?) ready in ([\d.]+) s")


@pytest.fixture
def warm_project(project_copy: Path, invoke_in: Invoke) -> Path:
    """A project with the two notebooks sent and its library deployed to the branch folder."""
    package = next(path.parent for path in project_copy.glob("*/set_environment.py"))
    (package / "WarmFirst.py").write_text(FIRST)
    (package / "WarmSecond.py").write_text(SECOND)
    for args in (("send", "--branch", BRANCH, "--target", "local"), ("build",), ("deploy", "--branch", BRANCH)):
        result = invoke_in(project_copy, *args)
        assert result.returncode == 0, result.stdout + result.stderr
    return project_copy


def driver_pid(project: Path) -> int | None:
    """The warm driver's process id while its record says it runs."""
    record = project / ".workspace" / ".spark-driver" / "driver.json"
    return json.loads(record.read_text())["pid"] if record.is_file() else None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def run(invoke_in: Invoke, project: Path, notebook: str) -> tuple[str, str, str]:
    """Run a notebook; its exit value, its log and what the command printed."""
    result = invoke_in(project, "run", "--notebook", notebook, "--branch", BRANCH, "--target", "local")
    assert result.returncode == 0, result.stdout + result.stderr
    log_file = Path(re.search(r"file://(\S+/log\.txt)", result.stdout).group(1))
    exit_value = json.loads((log_file.parent / "run.json").read_text())["notebook_result"]  # the run's own record
    return exit_value, log_file.read_text(), result.stdout


def test_a_second_run_attaches_to_the_warm_driver_with_its_own_session(warm_project: Path, invoke_in: Invoke) -> None:
    first, first_log, _said = run(invoke_in, warm_project, "WarmFirst")
    assert first == "45"
    assert READY.search(first_log).group(1).startswith("warm driver"), first_log
    pid = driver_pid(warm_project)
    assert pid is not None and alive(pid)

    second, second_log, said = run(invoke_in, warm_project, "WarmSecond")
    assert "driver and MLflow tracking server stay up for the next run" in said, said
    assert "stop after 1 min idle" in said, said
    how, seconds = READY.search(second_log).groups()
    assert how.startswith("warm driver") and float(seconds) < 3, second_log
    assert json.loads(second) == {"views": [], "partitions": "4", "rdd_sum": 10, "udf": [0, 2, 4]}
    assert driver_pid(warm_project) == pid

    stopped = invoke_in(warm_project, "stop-spark")
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert "warm Spark driver and MLflow tracking server stopped" in stopped.stdout, stopped.stdout
    assert not alive(pid) and driver_pid(warm_project) is None
    again = invoke_in(warm_project, "stop-spark")
    assert again.returncode == 0 and "no warm Spark driver running" in again.stdout


def test_a_bad_idle_time_is_one_line_and_starts_nothing(warm_project: Path, invoke_in: Invoke) -> None:
    result = invoke_in(warm_project, "run", "--notebook", "WarmFirst", "--branch", BRANCH, "--target", "local",
                       LOCAL_SPARK_IDLE_SECONDS="half an hour")
    said = result.stdout + result.stderr
    assert result.returncode == 1, said
    assert "LOCAL_SPARK_IDLE_SECONDS='half an hour': give the seconds" in said and "Traceback" not in said, said
    assert not (warm_project / ".runs").exists() and not (warm_project / ".workspace" / ".spark-driver").exists()


def test_ci_stops_the_driver_it_started(project_copy: Path, invoke_in: Invoke) -> None:
    result = invoke_in(project_copy, "ci", "--target", "local", "--build-id", "5", "--branch", "main", "--skip-tests")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warm compute starting in the background" in result.stdout
    log = next((project_copy / ".runs").rglob("log.txt")).read_text()
    assert READY.search(log).group(1).startswith("warm driver"), log
    assert driver_pid(project_copy) is None
    assert not list((project_copy / ".workspace" / ".spark-driver").glob("*.tmp"))
