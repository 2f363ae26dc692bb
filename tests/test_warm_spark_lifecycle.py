"""The warm Spark driver's life cycle under the faults of daily use (issue 21 items 6, 8, 9, 10), through the real
``invoke`` command line of a baked project: a run cancelled (SIGTERM) or timed out inside a Spark job leaves no job
on the driver, so the next run starts at once; a driver whose JVM is killed is reported in one line and replaced by
the next run; two ``invoke ci`` at once on a fresh project both succeed, the first to end leaving the driver up for
the other's run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import RUN_LEFTOVERS

BIN = Path(sys.executable).parent
BRANCH = "BI-1"
Invoke = Callable[..., subprocess.CompletedProcess[str]]
pytestmark = pytest.mark.slow
LONG_JOB = """# Databricks notebook source
import time
from pyspark.sql import functions as F
from pyspark.sql.types import LongType

slow = F.udf(lambda value: (time.sleep(1), value)[1], LongType())
spark.range(1).count()  # Spark is up: the job below is running when the test sees the line
print("long job starting", flush=True)
spark.range(120, numPartitions=2).select(slow("id")).collect()
"""
LONG_RDD_JOB = LONG_JOB.replace('spark.range(120, numPartitions=2).select(slow("id")).collect()',
                                'sc.parallelize(range(120), 2).map(lambda value: (time.sleep(1), value)[1]).collect()')
ACTIVE_JOBS = """# Databricks notebook source
import json

active = list(sc.statusTracker().getActiveJobsIds())
dbutils.notebook.exit(json.dumps({"active_jobs": active, "count": spark.range(100).count()}))
"""
READY = re.compile(r"spark: (.+?) ready in")


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "LOCAL_SPARK_IDLE_SECONDS": "60",
           **extra}
    for name in ("BUILD_BUILDID", "BUILD_SOURCEBRANCHNAME"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def lifecycle_project(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the default project with the long-job and active-jobs notebooks sent and its library deployed."""
    copy = tmp_path_factory.mktemp("lifecycle") / project.name
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(*RUN_LEFTOVERS))
    (copy / "forecasting" / "LongJob.py").write_text(LONG_JOB)
    (copy / "forecasting" / "LongRddJob.py").write_text(LONG_RDD_JOB)
    (copy / "forecasting" / "ActiveJobs.py").write_text(ACTIVE_JOBS)
    for step in (["build"], ["deploy", "--branch", BRANCH, "--target", "local"],
                 ["send", "--branch", BRANCH, "--target", "local"]):
        subprocess.run([str(BIN / "invoke"), *step], cwd=copy, env=_env(), check=True, capture_output=True)
    return copy


def _start(project: Path, notebook: str) -> subprocess.Popen[str]:
    return subprocess.Popen([str(BIN / "invoke"), "run", "--branch", BRANCH, "--notebook", notebook, "--target",
                             "local"], cwd=project, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _wait_for_log(project: Path, invoke: subprocess.Popen[str], text: str) -> Path:
    """The newest run's log once it holds ``text`` (the run is then inside its Spark job)."""
    deadline = time.monotonic() + 120
    while True:
        logs = sorted((project / ".runs").glob("*/log.txt"), key=lambda log: int(log.parent.name))
        if logs and text in logs[-1].read_text():
            return logs[-1]
        assert time.monotonic() < deadline and invoke.poll() is None, invoke.communicate()
        time.sleep(0.2)


def _active_jobs_after(project: Path) -> dict[str, object]:
    """What a next run sees on the warm driver: the jobs still active there, and that its own job ran."""
    result = subprocess.run([str(BIN / "invoke"), "run", "--branch", BRANCH, "--notebook", "ActiveJobs", "--target",
                             "local"], cwd=project, env=_env(), capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stdout + result.stderr
    log = Path(re.search(r"file://(\S+/log\.txt)", result.stdout).group(1))
    assert READY.search(log.read_text()).group(1).startswith("warm driver"), log.read_text()
    return json.loads(json.loads((log.parent / "run.json").read_text())["notebook_result"])


def _driver(project: Path) -> dict[str, int] | None:
    record = project / ".workspace" / ".spark-driver" / "driver.json"
    return json.loads(record.read_text()) if record.is_file() else None


@pytest.mark.parametrize("notebook", ["LongJob", "LongRddJob"])  # its session's jobs, and its jobs through sc
def test_sigterm_to_run_cancels_its_spark_jobs_on_the_warm_driver(lifecycle_project: Path, notebook: str) -> None:
    invoke = _start(lifecycle_project, notebook)
    _wait_for_log(lifecycle_project, invoke, "long job starting")
    time.sleep(2)  # the job's tasks are running
    invoke.send_signal(signal.SIGTERM)
    assert invoke.wait(timeout=60) != 0
    assert _active_jobs_after(lifecycle_project) == {"active_jobs": [], "count": 100}


def test_a_run_timed_out_in_a_spark_job_leaves_none_behind(lifecycle_project: Path) -> None:
    overrides = lifecycle_project / "invoke.local.yaml"
    overrides.write_text("mlops:\n  local:\n    run_timeout_minutes: 0.25\n")
    try:
        timed_out = subprocess.run([str(BIN / "invoke"), "run", "--branch", BRANCH, "--notebook", "LongJob",
                                    "--target", "local"], cwd=lifecycle_project, env=_env(), capture_output=True,
                                   text=True, timeout=120)
    finally:
        overrides.unlink()
    assert timed_out.returncode == 1 and "did not finish within 15 s" in timed_out.stderr, timed_out.stderr
    assert _active_jobs_after(lifecycle_project) == {"active_jobs": [], "count": 100}


def test_a_killed_driver_jvm_is_reported_and_the_next_run_starts_a_new_one(lifecycle_project: Path) -> None:
    invoke = _start(lifecycle_project, "LongJob")
    _wait_for_log(lifecycle_project, invoke, "long job starting")
    time.sleep(2)
    keeper = _driver(lifecycle_project)["pid"]
    jvm = int(subprocess.run(["pgrep", "-P", str(keeper)], capture_output=True, text=True).stdout.split()[0])
    os.kill(jvm, signal.SIGKILL)
    stdout, stderr = invoke.communicate(timeout=60)

    assert invoke.returncode == 1, stdout + stderr
    error = next(line for line in stderr.splitlines() if line.startswith("error:"))
    assert "the warm Spark driver died during the run" in error and "download" not in stderr, stderr
    assert "Traceback" not in stderr and "Py4J" not in stderr, stderr
    assert _active_jobs_after(lifecycle_project) == {"active_jobs": [], "count": 100}
    assert _driver(lifecycle_project)["pid"] != keeper


TRAINING = """# Databricks notebook source
import os
import time

spark.range(10).count()
time.sleep(float(os.environ.get("MLOPS_TEST_TRAINING_PAUSE", "0")))  # MLOPS_*: allowed into a run
dbutils.notebook.exit(str(spark.range(10).count()))
"""


def test_two_ci_at_once_on_a_fresh_project_both_succeed(project_copy: Path) -> None:
    (project_copy / "forecasting" / "ModelTraining.py").write_text(TRAINING)
    command = [str(BIN / "invoke"), "ci", "--target", "local", "--branch", "main", "--skip-tests", "--build-id"]
    first = subprocess.Popen([*command, "1"], cwd=project_copy, env=_env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen([*command, "2"], cwd=project_copy, env=_env(MLOPS_TEST_TRAINING_PAUSE="25"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first_out, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_out + first_err
    assert second.poll() is None, ("the second ci's run should still be attached when the first ci ends",
                                   *second.communicate())
    second_out, second_err = second.communicate(timeout=300)
    assert second.returncode == 0, second_out + second_err
    # the driver and tracking server the first ci started end once the second's run has detached
    records = [project_copy / ".workspace" / ".spark-driver" / "driver.json", project_copy / ".mlflow" / "server" /
               "server.json"]
    deadline = time.monotonic() + 30
    while any(record.is_file() for record in records) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not any(record.is_file() for record in records)
