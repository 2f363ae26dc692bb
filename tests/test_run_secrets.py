"""The developer's secrets on the local target (issue 21, items 13 and 14), through the real `invoke` of a baked
project.

A token exported for the databricks target stays in the shell: neither the run's notebook nor the warm Spark
driver's Python workers see it, and whatever a run or the driver writes (the run's log, the driver's log) is
blanked of the run's secret scopes and of the shell's secret-looking values. A run's secrets never rest on disk,
and a run whose ``invoke`` is killed records that it was stopped.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

Invoke = Callable[..., subprocess.CompletedProcess[str]]
pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
HEADER = "# Databricks notebook source\n"
SEP = "\n# COMMAND ----------\n"
SCOPE_SECRET = "scope-s3cr3t-4711"
TOKEN = "dapi-shell-token-0815"
SHELL = {"DATABRICKS_TOKEN": TOKEN, "ARM_CLIENT_SECRET": "arm-client-s3cr3t",
         "DATABRICKS_SECRET_TEAM__API": SCOPE_SECRET}
CREDENTIALS = "[n for n in os.environ if n.startswith(('DATABRICKS', 'ARM_', 'AZURE_'))]"
LEAKY = HEADER + SEP.join([
    f"import os\nfrom pyspark.sql.functions import udf\nvalue = dbutils.secrets.get('team', 'api')\n"
    f"print('notebook sees', {CREDENTIALS})",
    f"def leak(_):\n    print('worker prints', value, open('{{token_file}}').read(), flush=True)\n"
    f"    return repr({CREDENTIALS})\n"
    "print('worker sees', spark.range(1).select(udf(leak, 'string')('id')).first()[0])\n"
    "print('a file holds', open('{token_file}').read())",
    "def fail(_):\n    raise ValueError('failed holding ' + value)\n"
    "try:\n    spark.range(1).select(udf(fail, 'string')('id')).collect()\n"
    "except Exception as error:\n    print('udf error:', 'failed holding' in str(error))",
])


def _everything_in(folder: Path) -> str:
    return "".join(path.read_text(errors="replace") for path in folder.rglob("*") if path.is_file())


def test_ci_keeps_the_shell_s_token_from_the_run_and_the_warm_driver_and_both_logs_redacted(
        project_copy: Path, invoke_in: Invoke) -> None:
    token_file = project_copy / "token.txt"  # a secret that travels some other way than the environment
    token_file.write_text(TOKEN)
    training = project_copy / "forecasting" / "ModelTraining.py"
    training.write_text(LEAKY.replace("{token_file}", str(token_file)))

    result = invoke_in(project_copy, "ci", "--target", "local", "--build-id", "1", "--branch", "main",
                       "--skip-tests", **SHELL)

    assert result.returncode == 0, result.stdout + result.stderr
    run_log = (project_copy / ".runs" / "1" / "log.txt").read_text()
    assert "notebook sees []" in run_log and "worker sees []" in run_log, run_log
    assert "a file holds [REDACTED]" in run_log and "udf error: True" in run_log, run_log
    driver_log = (project_copy / ".workspace" / ".spark-driver" / "driver.log").read_text()
    assert "worker prints [REDACTED] [REDACTED]" in driver_log, driver_log
    assert "ValueError: failed holding [REDACTED]" in driver_log, driver_log
    for written in (_everything_in(project_copy / ".runs"), driver_log, result.stdout, result.stderr):
        assert all(value not in written for value in SHELL.values())


def _wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_a_killed_invoke_run_leaves_no_secret_on_disk_and_a_record_that_says_so(
        project_copy: Path, invoke_in: Invoke) -> None:
    (project_copy / "forecasting" / "Ticking.py").write_text(
        HEADER + "import time\nvalue = dbutils.secrets.get('team', 'api')\nprint('started with', value, flush=True)\n"
        "for tick in range(600):\n    time.sleep(0.1)\n    print('tick', tick, flush=True)\n")
    for step in (("build",), ("deploy", "--branch", "BI-1", "--target", "local"),
                 ("send", "--branch", "BI-1", "--target", "local")):
        assert invoke_in(project_copy, *step).returncode == 0
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "LOCAL_SPARK_IDLE_SECONDS": "60", **SHELL}
    invoke = subprocess.Popen([str(BIN / "invoke"), "run", "--branch", "BI-1", "--notebook", "Ticking", "--target",
                               "local"], cwd=project_copy, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    run_dir = project_copy / ".runs" / "1"
    _wait_for(lambda: "started with [REDACTED]" in _everything_in(run_dir), 120, "the run did not start")
    assert SCOPE_SECRET not in _everything_in(run_dir)  # not even while it runs

    invoke.send_signal(signal.SIGKILL)
    invoke.wait()

    def ended() -> bool:
        return json.loads((run_dir / "run.json").read_text())["life_cycle_state"] not in {"PENDING", "RUNNING"}

    _wait_for(ended, 30, "the run's record still says it runs")
    record = json.loads((run_dir / "run.json").read_text())
    assert (record["life_cycle_state"], record["result_state"]) == ("TERMINATED", "CANCELED")
    assert record["state_message"].startswith("stopped: the invoke that started this run ended"), record
    assert SCOPE_SECRET not in _everything_in(run_dir)
    _wait_for(lambda: subprocess.run(["pgrep", "-f", str(run_dir)], capture_output=True).returncode != 0, 30,
              "the run's process is still running")
    assert invoke_in(project_copy, "stop-spark").returncode == 0
