"""A local run as ``invoke run`` starts it (its own process, attached to the warm Spark driver): what ``%pip``
installs reaches the driver's Python workers, ``%pip`` does not restart Python (Databricks Runtime 13+), and
``dbutils.library.restartPython()`` loses the notebook's variables while the installed libraries stay and a newer
version of an imported one takes effect. Offline: the wheels are built here. Integration test: a run and a warm
Spark driver (stopped at the end)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import FOLDER, notebook, wheel_file

from mlops_engine.contract.runs import RunRequest
from mlops_engine.local.filesystem.workspace import LocalWorkspace
from mlops_engine.local.notebook.pip_environment import CACHE_ENV
from mlops_engine.local.runs.runner import LocalRunEnvironment, LocalRunner
from mlops_engine.local.spark.warm_spark import stop

LIBRARIES = f"/Workspace{FOLDER}/libraries"
VERSION_UDF = ("from pyspark.sql.functions import udf\n"
               "def version(_):\n"
               "    import probe_pkg\n"
               "    return probe_pkg.VALUE\n")
CELLS = (
    f"%pip install --no-index --find-links {LIBRARIES} probe_pkg==1.0",
    "import probe_pkg\n" + VERSION_UDF +
    "first, first_on_workers = probe_pkg.VALUE, spark.range(1).select(udf(version, 'string')('id')).first()[0]\n"
    "kept = 1",
    f"%pip install --no-index --find-links {LIBRARIES} probe_pkg==2.0",
    "import json, probe_pkg\n"
    "with open('state.json', 'w') as file:\n"
    "    json.dump({'first': first, 'first_on_workers': first_on_workers, 'before_restart': probe_pkg.VALUE}, file)\n"
    "dbutils.library.restartPython()",
    "import json, subprocess, sys, probe_pkg\n" + VERSION_UDF +
    "state = json.load(open('state.json'))\n"
    "state.update(kept='kept' in globals(), after=probe_pkg.VALUE,\n"
    "             after_on_workers=spark.range(1).select(udf(version, 'string')('id')).first()[0],\n"
    "             child=subprocess.run([sys.executable, '-c', 'import probe_pkg; print(probe_pkg.VALUE)'],\n"
    "                                  capture_output=True, text=True, check=True).stdout.strip())\n"
    "dbutils.notebook.exit(json.dumps(state))",
)


def test_a_run_installs_for_its_workers_and_restart_python_takes_a_newer_version(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "layer-cache"))
    workspace = LocalWorkspace(tmp_path / "workspace")
    workspace.import_notebook(f"{FOLDER}/set_environment", b"X = 1\n")
    workspace.import_notebook(f"{FOLDER}/Restart", notebook(*CELLS).encode())
    for version in ("1.0", "2.0"):
        wheel_file(workspace.local_path(f"{FOLDER}/libraries/probe_pkg-{version}-py3-none-any.whl"), version=version)
    runner = LocalRunner(workspace, LocalRunEnvironment(
        project_dir=tmp_path, runs_dir=tmp_path / "runs", mlflow_dir=tmp_path / "mlflow", spark_master="local[1]",
        secrets_file=tmp_path / "secrets.json", warm_spark=True))
    try:
        run_id = runner.submit(RunRequest("pip", f"{FOLDER}/Restart")).run_id
        deadline = time.monotonic() + 300
        while not (status := runner.status(run_id)).is_terminal and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        stop(workspace.root)
    output = runner.output(run_id)
    log = Path(output.log_location or "").read_text()
    assert status.succeeded, f"{status}: {output.error}\n{log[-3000:]}"
    assert json.loads(output.notebook_result or "{}") == {
        "first": "1.0", "first_on_workers": "1.0", "before_restart": "1.0",  # %pip alone does not restart Python
        "kept": False, "after": "2.0", "after_on_workers": "2.0", "child": "2.0",
    }
    assert "restartPython: probe_pkg will be imported afresh" in log
    layers = json.loads((tmp_path / "runs" / str(run_id) / "pip-layers.json").read_text())["layers"]
    assert [layer["line"] for layer in layers] == [CELLS[0].removeprefix("%pip "), CELLS[2].removeprefix("%pip ")]
