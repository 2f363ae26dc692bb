"""`invoke ci --target local` end to end: green for the baked project, red when the notebook's assert fails."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import mlflow
import pytest

pytestmark = pytest.mark.slow

Invoke = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def ci_run(project: Path, invoke_in: Invoke) -> subprocess.CompletedProcess[str]:
    return invoke_in(project, "ci", "--target", "local", "--build-id", "49", "--branch", "main")


def test_ci_runs_tests_then_the_training_notebook(project: Path, ci_run: subprocess.CompletedProcess[str]) -> None:
    assert ci_run.returncode == 0, ci_run.stdout[-3000:] + ci_run.stderr[-3000:]
    out = ci_run.stdout
    header = "unit tests (the integration/ folders are left to `invoke test`):"
    order = [out.index(header), out.index(" passed in "), out.index("send to /Projects/DemandForecasting/CI/49-main"),
             out.index("built dist/"), out.index("deployed"), out.index("submitted"), out.index("succeeded")]
    assert order == sorted(order), "the unit tests' own output streams before the send"
    (suite,) = ElementTree.parse(project / "test-results.xml").getroot().iter("testsuite")
    assert int(suite.get("tests")) >= 30 and suite.get("failures") == suite.get("errors") == "0"
    names = {case.get("classname", "") for case in suite.iter("testcase")}
    assert not any("integration" in name for name in names), "the unit phase leaves the integration tests out"
    assert re.search(r"\[\d\d:\d\d\] RUNNING", out), "no progress was shown"
    assert "MLflow run: http://127.0.0.1:5000/#/experiments/" in out


def test_ci_folder_has_ci_environment_and_the_run_used_the_wheel(project: Path, ci_run) -> None:
    folder = project / ".workspace/Projects/DemandForecasting/CI/49-main"
    assert (folder / "set_environment").read_text() == (project / "forecasting/conf/ci_set_environment.py").read_text()
    (record_file,) = [path for path in (project / ".runs").glob("*/run.json")
                      if json.loads(path.read_text())["run_name"] == "CI-49-main"]
    record = json.loads(record_file.read_text())
    assert record["life_cycle_state"] == "TERMINATED" and record["result_state"] == "SUCCESS"
    assert record["libraries"][0].endswith("CI/49-main/libraries/demand_forecasting-0.1.0-py3-none-any.whl")
    log = (record_file.parent / "log.txt").read_text()
    assert "demand_forecasting-0.1.0-py3-none-any.whl on the path" in log


def test_training_logged_a_candidate_to_mlflow(project: Path, ci_run) -> None:
    mlflow.set_tracking_uri(f"sqlite:///{project / '.mlflow' / 'mlflow.db'}")
    runs = mlflow.search_runs(experiment_names=["/Projects/DemandForecasting/experiments/ci"], output_format="list")
    assert runs and runs[0].data.tags["candidate"] == "true"
    assert runs[0].data.metrics["mae"] < runs[0].data.metrics["naive_mae"]


def test_failing_assert_turns_ci_red_with_the_cell_and_message(project_copy: Path, invoke_in: Invoke) -> None:
    config = project_copy / "forecasting/conf/ci_config.py"
    config.write_text(config.read_text() + "MAX_MAE_RATIO_TO_NAIVE = 0.01\n")
    result = invoke_in(project_copy, "ci", "--target", "local", "--build-id", "50", "--branch", "main",
                       "--skip-tests")
    assert result.returncode != 0
    assert "TERMINATED/FAILED" in result.stderr
    # The cell's number and its first line, as Databricks shows the failing cell, then the error.
    assert re.search(r"ModelTraining, cell \d+ `[^`]+`: AssertionError: model MAE is .* at most 0.01", result.stderr)


SECRET_NOTEBOOK = """# Databricks notebook source
# MAGIC %run ./set_environment

# COMMAND ----------

token = dbutils.secrets.get(SECRET_SCOPE, "api-key")
print(f"token is {token}")

# COMMAND ----------

assert token == "something else", f"unexpected token {token}"
"""


def test_secret_values_never_reach_logs_or_errors(project_copy: Path, invoke_in: Invoke) -> None:
    secret = "s3cr3t-Value-42"
    (project_copy / "forecasting" / "SecretCheck.py").write_text(SECRET_NOTEBOOK)
    for step in (("send", "--branch", "S1"), ("build",), ("deploy", "--branch", "S1")):
        assert invoke_in(project_copy, *step).returncode == 0
    result = invoke_in(project_copy, "run", "--branch", "S1", "--notebook", "SecretCheck",
                       DATABRICKS_SECRET_DEMAND_FORECASTING__API_KEY=secret)
    assert result.returncode == 1 and "AssertionError: unexpected token [REDACTED]" in result.stderr
    written = [path.read_text() for path in (project_copy / ".runs").rglob("*") if path.is_file()]
    assert any("token is [REDACTED]" in text for text in written)
    assert secret not in result.stdout + result.stderr + "".join(written)
