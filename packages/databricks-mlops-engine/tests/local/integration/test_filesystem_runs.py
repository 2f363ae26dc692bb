"""A notebook run through the local runner, as ``invoke run`` starts it, sees one filesystem in every process: what
its Python writes to /dbfs, a volume or /Workspace, ``%sh``, ``!cat``, a subprocess, pandas, Spark's readers and a
Spark Python UDF read back (with the run's own Spark and with the warm driver); /databricks-datasets is read-only.
Without the namespace the run still works for Python and a ``%sh`` naming these paths fails saying why.

Integration tests: each run starts Spark (seconds)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from mlops_engine.contract.runs import RunRequest, RunStatus
from mlops_engine.local.filesystem.namespace import SWITCH_ENV, launch
from mlops_engine.local.filesystem.workspace import LocalWorkspace
from mlops_engine.local.runs.record import LOG_FILE, RunRecord
from mlops_engine.local.runs.runner import LocalRunEnvironment, LocalRunner
from mlops_engine.local.spark.warm_compute import WarmSparkDriver

MASTER = "local[1]"
FOLDER = "/Projects/P/branch"
SEP = "\n# COMMAND ----------\n"
BASES = {"dbfs": "/dbfs/tmp/fs-probe", "volume": "/Volumes/main/raw/files", "workspace": "/Workspace/Shared/fs-probe"}

WRITE = f"""import json, os, subprocess
import pandas as pd
from pyspark.sql.functions import udf
BASES = {BASES!r}
results = {{}}
for name, base in BASES.items():
    os.makedirs(base, exist_ok=True)
    with open(f"{{base}}/x.csv", "w") as stream:
        stream.write(f"name,n\\n{{name}},1\\n")"""
SHELL = "# MAGIC %sh\n" + "".join(
    f"# MAGIC head -n 2 {base}/x.csv | tail -n 1 > {base}/sh.txt\n" for base in BASES.values()).rstrip("\n")


READ = """def first_row(path):
    return udf(lambda _: open(path).read().splitlines()[1], "string")

for name, base in BASES.items():
    path = f"{base}/x.csv"
    bang = !cat {path}
    got = {
        "sh": open(f"{base}/sh.txt").read().strip(),
        "bang": bang[1],
        "subprocess": subprocess.run(["cat", path], capture_output=True, text=True, check=True).stdout.splitlines()[1],
        "pandas": ",".join(str(value) for value in pd.read_csv(path).iloc[0]),
        "spark": ",".join(spark.read.csv(path, header=True).first()),
        "spark_file_uri": ",".join(spark.read.csv("file:" + path, header=True).first()),
        "udf": spark.range(1).select(first_row(path)("id")).first()[0],
    }
    results[name] = {how: value == f"{name},1" or value for how, value in got.items()}
results["dbfs"]["spark_dbfs_uri"] = ",".join(spark.read.csv("dbfs:/tmp/fs-probe/x.csv", header=True).first())"""
SAMPLES = """sample = "/databricks-datasets/fs-probe/sample.csv"
seen = {"python": open(sample).read().strip(), "subprocess": subprocess.run(["cat", sample], capture_output=True,
        text=True).stdout.strip(), "udf": spark.range(1).select(first_row(sample)("id")).first()[0]}
try:
    open("/databricks-datasets/fs-probe/new.csv", "w")
except OSError as error:
    seen["python_write"] = error.strerror
touched = subprocess.run(["touch", "/databricks-datasets/fs-probe/new.csv"], capture_output=True, text=True)
seen["sh_write"] = touched.stderr.strip().rpartition(": ")[2]
try:
    open("/databricks-datasets/nyctaxi/missing.csv")
except FileNotFoundError as error:
    seen["missing"] = type(error).__name__
results["datasets"] = seen
dbutils.notebook.exit(json.dumps(results))"""


def notebook(*cells: str) -> bytes:
    return ("# Databricks notebook source\n" + SEP.join(cells)).encode()


def runner(tmp_path: Path, warm: bool = False) -> tuple[LocalRunner, LocalWorkspace]:
    space = LocalWorkspace(tmp_path / "ws")
    space.import_notebook(f"{FOLDER}/set_environment", b"X = 1\n")
    sample = space.root / "databricks-datasets" / "fs-probe" / "sample.csv"
    sample.parent.mkdir(parents=True)
    sample.write_text("name,n\nsample,1\n")
    environment = LocalRunEnvironment(project_dir=tmp_path, runs_dir=tmp_path / "runs", mlflow_dir=tmp_path / "mlflow",
                                      spark_master=MASTER, secrets_file=tmp_path / "secrets.json", warm_spark=warm)
    return LocalRunner(space, environment), space


def wait(local: LocalRunner, run_id: int, timeout: float = 300) -> RunStatus:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = local.status(run_id)
        if status.is_terminal:
            return status
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not end in {timeout} s: {local.output(run_id).log_location}")


def run_probe(local: LocalRunner, space: LocalWorkspace, *cells: str) -> tuple[RunStatus, dict, str]:
    space.import_notebook(f"{FOLDER}/FsProbe", notebook(*cells))
    run_id = local.submit(RunRequest("fs-probe", f"{FOLDER}/FsProbe")).run_id
    status = wait(local, run_id)
    output = local.output(run_id)
    log = Path(output.log_location).read_text()
    assert status.succeeded or output.error, log
    return status, json.loads(output.notebook_result) if status.succeeded else {"error": output.error}, log


def expected() -> dict:
    reads = dict.fromkeys(("sh", "bang", "subprocess", "pandas", "spark", "spark_file_uri", "udf"), True)
    return {"dbfs": {**reads, "spark_dbfs_uri": "dbfs,1"}, "volume": reads, "workspace": reads,
            "datasets": {"python": "name,n\nsample,1", "subprocess": "name,n\nsample,1", "udf": "sample,1",
                         "python_write": "Read-only file system", "sh_write": "Read-only file system",
                         "missing": "SampleDatasetMissing"}}


@pytest.fixture
def namespace_available(tmp_path: Path) -> None:
    reason = launch(tmp_path / "probe-ws").unavailable
    if reason:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"no filesystem namespace here: {reason}")


@pytest.mark.usefixtures("namespace_available")
def test_every_process_of_a_run_sees_the_workspace_paths(tmp_path: Path) -> None:
    local, space = runner(tmp_path)
    status, results, log = run_probe(local, space, WRITE, SHELL, READ, SAMPLES)
    assert status.succeeded, (results, log)
    assert results == expected(), log
    assert (space.root / "dbfs" / "tmp" / "fs-probe" / "sh.txt").read_text() == "dbfs,1\n"
    assert (space.root / "Volumes" / "main" / "raw" / "files" / "x.csv").is_file()
    assert (space.root / "Shared" / "fs-probe" / "x.csv").is_file()
    assert "mapped for this run's Python only" not in log


@pytest.mark.usefixtures("namespace_available")
@pytest.mark.parametrize("started_by", ["invoke ci", "the first run"])
def test_the_warm_drivers_python_workers_see_them_too(tmp_path: Path, started_by: str) -> None:
    """A driver started from outside any run (as `invoke ci` starts it) gets a namespace of its own; one started by a
    run shares that run's and outlives it. Either way a later run's UDFs, run in the driver's workers, see the paths."""
    local, space = runner(tmp_path, warm=True)
    driver = WarmSparkDriver(space.root, MASTER, used_by_runs=True)
    try:
        if started_by == "invoke ci":
            assert driver.start_in_background()
        else:
            status, _, log = run_probe(local, space, "dbutils.notebook.exit(str(spark.range(3).count()))")
            assert status.succeeded and "spark: warm driver" in log, log
        status, results, log = run_probe(local, space, WRITE, SHELL, READ, SAMPLES)
        assert "spark: warm driver" in log, log
        assert status.succeeded, (results, log)
        assert results == expected(), log
    finally:
        driver.stop()


def test_without_the_namespace_python_still_works_and_sh_fails_saying_why(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SWITCH_ENV, "0")
    local, space = runner(tmp_path)
    python = WRITE + "\nresults['python'] = open('/dbfs/tmp/fs-probe/x.csv').read()"
    status, results, log = run_probe(local, space, python, "# MAGIC %sh head /dbfs/tmp/fs-probe/x.csv",
                                     "dbutils.notebook.exit('unreachable')")
    assert not status.succeeded
    assert ("FsProbe, cell 2 `%sh head /dbfs/tmp/fs-probe/x.csv`: %sh names /dbfs, which only this run's Python "
            "sees") in results["error"], results
    assert f"because {SWITCH_ENV}=0 turns the filesystem namespace off" in results["error"]
    assert log.count("note: /dbfs, /Volumes, /Workspace and /databricks-datasets are mapped for this run's Python "
                     "only") == 1, log
    assert (space.root / "dbfs" / "tmp" / "fs-probe" / "x.csv").read_text() == "name,n\ndbfs,1\n"


@pytest.mark.usefixtures("namespace_available")
def test_a_run_in_the_namespace_is_cancelled_as_before(tmp_path: Path) -> None:
    """bwrap's own process stays outside: the run's process group gets the SIGTERM, and the run records it."""
    local, space = runner(tmp_path)
    space.import_notebook(f"{FOLDER}/Slow", notebook("import time\ntime.sleep(120)"))
    run_id = local.submit(RunRequest("slow", f"{FOLDER}/Slow")).run_id
    deadline = time.monotonic() + 120
    while "cell 1/1" not in RunRecord.load(local.run_dir(run_id)).progress and time.monotonic() < deadline:
        time.sleep(0.1)
    pid = RunRecord.load(local.run_dir(run_id)).pid
    local.cancel(run_id)
    record = RunRecord.load(local.run_dir(run_id))
    assert (record.life_cycle_state, record.result_state) == ("TERMINATED", "CANCELED")
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert "Traceback" not in (local.run_dir(run_id) / LOG_FILE).read_text()
