"""Send speed on the databricks target against the legacy CLI, and how fast CI learns that a run ended.

Against the fake Databricks API with 50 ms added to every answer, prints: time and calls to send 200
notebooks with mlops_engine.sync.sync_folder + DatabricksWorkspace; the same for databricks-cli 0.18
`workspace import_dir` (installed in its own venv under the cache dir); their ratio; the calls of an
unchanged re-send; and the delay between a run's end and wait_for_run's return on the real clock.
Targets: >= 8x faster, re-send <= 3 calls, end detected <= 10 s. Needs port 80 (the legacy CLI drops
the port from the host), so run it as root: `python benchmarks/send_speed.py`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent / "{{cookiecutter.project_slug}}"
sys.path[:0] = [str(TEMPLATE), str(TEMPLATE / "tests")]

from fake_databricks import FakeDatabricks, RunScript  # noqa: E402
from mlops_engine.databricks.auth import connect  # noqa: E402
from mlops_engine.databricks.runner import DatabricksRunner  # noqa: E402
from mlops_engine.databricks.workspace import DatabricksWorkspace  # noqa: E402
from mlops_engine.package import collect_package  # noqa: E402
from mlops_engine.sync import sync_folder as send  # noqa: E402
from mlops_engine.contract.runs import RunRequest, wait_for_run  # noqa: E402
from mlops_engine.contract.snapshot import Snapshot  # noqa: E402

LEGACY_CLI = "databricks-cli==0.18.0"
HEADER = "# Databricks notebook source\n"


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cookiecutter-databricks-mlops"


def legacy_cli() -> Path:
    """The legacy CLI in its own venv, created once."""
    env_dir = cache_dir() / "legacy-cli"
    executable = env_dir / "bin" / "databricks"
    if not executable.exists():
        venv.create(env_dir, with_pip=True)
        subprocess.run([env_dir / "bin" / "pip", "install", "-q", LEGACY_CLI], check=True)
    return executable


def make_package(folder: Path, notebooks: int) -> Path:
    """``notebooks`` notebooks in ten sub-folders, like a grown notebooks package."""
    for index in range(notebooks):
        file = folder / f"area{index % 10}" / f"Notebook{index:03}.py"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(f"{HEADER}# COMMAND ----------\nprint({index})\n" + "x = 1\n" * 50)
    return folder


def timed_calls(fake: FakeDatabricks, action) -> tuple[float, int]:
    fake.clear_log()
    started = time.perf_counter()
    action()
    return time.perf_counter() - started, len(fake.log)


def end_detection_delay(fake: FakeDatabricks, client, run_seconds: float) -> float:
    """Seconds between the fake run's end and wait_for_run returning, with the real clock."""
    notebook = "/Bench/Run/ModelTraining"
    fake.add_notebook(notebook)
    fake.script_run(notebook, RunScript(duration_seconds=run_seconds))
    runner = DatabricksRunner(client, {"existing_cluster_id": "0123-456789-fakecl"})
    run = runner.submit(RunRequest("bench", notebook, timeout_seconds=int(run_seconds * 4)))
    wait_for_run(runner, run.run_id, run_seconds * 4, lambda _status, _elapsed: None)
    returned = time.time()
    return returned - fake.jobs.runs[run.run_id].ended_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every answer")
    parser.add_argument("--parallelism", type=int, default=16, help="upload_parallelism for our send")
    parser.add_argument("--run-seconds", type=float, default=25.0, help="length of the run whose end is timed")
    args = parser.parse_args()

    cli = legacy_cli()
    with tempfile.TemporaryDirectory() as scratch, FakeDatabricks(port=80, latency=args.latency) as fake:
        package = make_package(Path(scratch) / "forecasting", args.notebooks)
        os.environ.update(DATABRICKS_HOST=fake.host, DATABRICKS_TOKEN=fake.token)
        os.environ["DATABRICKS_CONFIG_FILE"] = str(Path(scratch) / "databrickscfg")
        client = connect()
        workspace = DatabricksWorkspace(client)
        items = collect_package(package)
        snapshot = Snapshot(Path(scratch) / "snapshot.json")

        ours, our_calls = timed_calls(fake, lambda: send(workspace, items, "/Bench/ours", snapshot,
                                                         parallelism=args.parallelism))
        legacy, legacy_calls = timed_calls(fake, lambda: subprocess.run(
            [cli, "workspace", "import_dir", "-o", str(package), "/Bench/legacy"],
            check=True, capture_output=True, env={**os.environ, "HOME": scratch},
        ))
        _resend, resend_calls = timed_calls(fake, lambda: send(connect_workspace(), items, "/Bench/ours", snapshot))
        delay = end_detection_delay(fake, client, args.run_seconds)

    print(f"send {args.notebooks} notebooks, {args.latency * 1000:.0f} ms per answer, parallelism {args.parallelism}")
    print(f"  mlops_engine.sync_folder     {ours:6.2f} s  {our_calls:4d} calls")
    print(f"  legacy CLI import_dir    {legacy:6.2f} s  {legacy_calls:4d} calls  ({LEGACY_CLI})")
    print(f"  ratio                   {legacy / ours:6.1f}x   (target >= 8x)")
    print(f"unchanged re-send, client setup and credential check included: {resend_calls} calls (target <= 3)")
    print(f"run end detected {delay:.2f} s after a {args.run_seconds:.0f} s run ended (target <= 10 s)")


def connect_workspace() -> DatabricksWorkspace:
    """What a fresh `invoke send` does first: build a client and check its credentials."""
    return DatabricksWorkspace(connect())


if __name__ == "__main__":
    main()
