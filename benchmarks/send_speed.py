"""Send speed on the databricks target against the legacy CLI, and how fast CI learns that a run ended.

Against the fake Databricks API (the engine's tests/fake_databricks) with 50 ms added to every answer, in a
freshly baked project whose notebooks package holds 200 notebooks, prints: the wall time and calls of the
whole command `invoke send --target databricks` (a subprocess, as a user types it; its start-up before the
first call shown apart), median of --repeat first sends each to a new branch folder; the same for
databricks-cli 0.18 `workspace import_dir` of that package (installed in its own venv under the cache dir);
their ratio; the in-process sync alone; the calls of an unchanged re-send; and the delay between a run's end
and wait_for_run's return on the real clock.
Targets: whole command >= 5x faster than the legacy CLI, re-send <= 3 calls, end detected <= 10 s. Needs
port 80 (the legacy CLI drops the port from the host), so run it as root: `python benchmarks/send_speed.py`.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
ENGINE_TESTS = REPOSITORY / "packages" / "databricks-mlops-engine" / "tests"
sys.path[:0] = [str(REPOSITORY), str(ENGINE_TESTS)]

from fake_databricks import FakeDatabricks, RunScript  # noqa: E402
from mlops_engine.contract.runs import RunRequest, wait_for_run  # noqa: E402
from mlops_engine.contract.snapshot import Snapshot  # noqa: E402
from mlops_engine.contract.workspace import ObjectKind  # noqa: E402
from mlops_engine.databricks.auth import connect  # noqa: E402
from mlops_engine.databricks.runner import DatabricksRunner  # noqa: E402
from mlops_engine.databricks.workspace import DatabricksWorkspace  # noqa: E402
from mlops_engine.package import collect_package  # noqa: E402
from mlops_engine.sync import sync_folder  # noqa: E402

from bakery import bake  # noqa: E402

LEGACY_CLI = "databricks-cli==0.18.0"
HEADER = "# Databricks notebook source\n"
BIN = Path(sys.executable).parent
NOTEBOOKS_PACKAGE = "forecasting"


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


def grow_package(package: Path, notebooks: int) -> int:
    """Add notebooks in ten sub-folders, like a grown notebooks package, until it holds ``notebooks``; the
    number of items a send uploads (notebooks and files)."""
    have = sum(item.kind is ObjectKind.NOTEBOOK for item in collect_package(package).values())
    for index in range(max(0, notebooks - have)):
        file = package / f"area{index % 10}" / f"Notebook{index:03}.py"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(f"{HEADER}# COMMAND ----------\nprint({index})\n" + "x = 1\n" * 50)
    return len(collect_package(package))


@dataclass(frozen=True)
class Timing:
    wall: float
    calls: int
    first_call: float
    """Seconds from the start to the first request reaching the server: the command's start-up."""
    cpu: float
    """CPU seconds (user + system) of the subprocesses it ran: steadier than the wall time on a busy machine."""


def stamp_arrivals(fake: FakeDatabricks) -> list[float]:
    """perf_counter() of each request's arrival (the fake sleeps its latency before answering)."""
    arrivals: list[float] = []
    answer = fake.answer

    def stamped(request, authorization):
        arrivals.append(time.perf_counter() - fake.latency)
        return answer(request, authorization)

    fake.answer = stamped
    return arrivals


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(fake: FakeDatabricks, arrivals: list[float], action: Callable[[], object]) -> Timing:
    fake.clear_log()
    arrivals.clear()
    cpu = children_cpu()
    started = time.perf_counter()
    action()
    wall = time.perf_counter() - started
    return Timing(wall, len(fake.log), (arrivals[0] - started) if arrivals else float("nan"), children_cpu() - cpu)


def run(command: list[str | Path], cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(map(str, command))} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def median(timings: list[Timing]) -> Timing:
    return Timing(*(statistics.median(getattr(t, field) for t in timings)
                    for field in ("wall", "calls", "first_call", "cpu")))


def reference_seconds() -> float:
    """A fixed pure-Python workload (median of 3), to tell a slow machine from a slow change between runs."""
    def once() -> float:
        started = time.perf_counter()
        sum(i * i for i in range(2_000_000))
        return time.perf_counter() - started

    return statistics.median(once() for _ in range(3))


def end_detection_delay(fake: FakeDatabricks, client, run_seconds: float) -> float:
    """Seconds between the fake run's end and wait_for_run returning, with the real clock."""
    notebook = "/Bench/Run/ModelTraining"
    fake.add_notebook(notebook)
    fake.script_run(notebook, RunScript(duration_seconds=run_seconds))
    runner = DatabricksRunner(client, {"existing_cluster_id": "0123-456789-fakecl"})
    submitted = runner.submit(RunRequest("bench", notebook, timeout_seconds=int(run_seconds * 4)))
    wait_for_run(runner, submitted.run_id, run_seconds * 4, lambda _status, _elapsed: None)
    returned = time.time()
    return returned - fake.jobs.runs[submitted.run_id].ended_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every answer")
    parser.add_argument("--repeat", type=int, default=3, help="sends timed of each (median)")
    parser.add_argument("--run-seconds", type=float, default=25.0, help="length of the run whose end is timed")
    args = parser.parse_args()

    cli = legacy_cli()
    speed = reference_seconds()
    with tempfile.TemporaryDirectory() as scratch, FakeDatabricks(port=80, latency=args.latency) as fake:
        home = Path(scratch)
        project = bake(home / "bake", {})
        package = project / NOTEBOOKS_PACKAGE
        items = grow_package(package, args.notebooks)
        os.environ.update(DATABRICKS_HOST=fake.host, DATABRICKS_TOKEN=fake.token,
                          DATABRICKS_CONFIG_FILE=str(home / "databrickscfg"))
        env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "HOME": scratch}
        arrivals = stamp_arrivals(fake)
        invoke = [BIN / "invoke", "send", "--target", "databricks"]

        run([*invoke, "--branch", "warmup"], project, env)  # compiles the project's tasks.py, fills disk caches
        ours = [timed(fake, arrivals, lambda i=i: run([*invoke, "--branch", f"bench{i}"], project, env))
                for i in range(args.repeat)]
        legacy = [timed(fake, arrivals, lambda i=i: run(
            [cli, "workspace", "import_dir", "-o", str(package), f"/Bench/legacy{i}"], project, env))
            for i in range(args.repeat)]
        resend = timed(fake, arrivals, lambda: run([*invoke, "--branch", "bench0"], project, env))

        client = connect()
        workspace = DatabricksWorkspace(client)
        in_process = timed(fake, arrivals, lambda: sync_folder(
            workspace, collect_package(package), "/Bench/in-process", Snapshot(home / "snapshot.json"),
            parallelism=16))
        delay = end_detection_delay(fake, client, args.run_seconds)

    ours_m, legacy_m = median(ours), median(legacy)
    print(f"send {args.notebooks} notebooks ({items} items) of a baked project, {args.latency * 1000:.0f} ms per "
          f"answer; median of {args.repeat} first sends")
    print(f"  invoke send --target databricks {ours_m.wall:6.2f} s  {ours_m.calls:4.0f} calls  "
          f"start-up before the first call {ours_m.first_call:5.2f} s  CPU {ours_m.cpu:5.2f} s  "
          f"(each: {', '.join(f'{t.wall:.2f}' for t in ours)} s)")
    print(f"  legacy CLI import_dir           {legacy_m.wall:6.2f} s  {legacy_m.calls:4.0f} calls  "
          f"start-up before the first call {legacy_m.first_call:5.2f} s  CPU {legacy_m.cpu:5.2f} s  ({LEGACY_CLI})")
    print(f"  ratio                           {legacy_m.wall / ours_m.wall:6.1f}x   (target >= 5x)")
    print(f"  of ours, sync_folder in-process {in_process.wall:6.2f} s  {in_process.calls:4d} calls "
          "(no start-up, client already connected)")
    print(f"unchanged re-send (invoke send, credential check included): {resend.calls} calls in {resend.wall:.2f} s "
          "(target <= 3 calls)")
    print(f"run end detected {delay:.2f} s after a {args.run_seconds:.0f} s run ended (target <= 10 s)")
    print(f"machine speed: reference workload {speed:.3f} s (compare runs only at like figures)")


if __name__ == "__main__":
    main()
