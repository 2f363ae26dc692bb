"""Prints how soon a warm local run's first Spark cell is done, on Spark Connect (serverless compute) and classic.

Where a project's compute is serverless its local runs reach Spark through a warm local Spark Connect server
(mlops_engine/local/spark/connect_server.py); on classic compute through the warm Spark driver. Goal (issue 20): a
warm run's first cell done <= 1 s after the run began, on either.
Measured with real `invoke run --target local` in freshly baked serverless-5 and 18-lts-ml projects, a notebook whose
first cell is `spark.range(3).count()`, run three times (cold, then warm twice).
Run: .venv/bin/python benchmarks/connect_first_cell.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bakery import bake  # noqa: E402

BIN = Path(sys.executable).parent
NOTEBOOK = ("# Databricks notebook source\nspark.range(3).count()\n\n# COMMAND ----------\n\n"
            "dbutils.notebook.exit('ok')\n")
SECOND_CELL = re.compile(r"--- \[\s*([\d.]+) s\] .* cell 2/2")
READY = re.compile(r"spark: (.+?) ready in ([\d.]+) s")


def invoke(project: Path, *args: str) -> float:
    """Run one invoke task in the project and return its wall time."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "PYTHONUNBUFFERED": "1"}
    started = time.perf_counter()
    subprocess.run([str(BIN / "invoke"), *args], cwd=project, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def prepared(scratch: Path, runtime: str) -> Path:
    """A baked project of ``runtime`` with the benchmark notebook sent and its library deployed."""
    project = bake(scratch / runtime, {"databricks_runtime": runtime})
    package = next(path.parent for path in project.glob("*/set_environment.py"))
    (package / "FirstCell.py").write_text(NOTEBOOK)
    for args in (("send", "--target", "local", "--branch", "main"), ("build",),
                 ("deploy", "--target", "local", "--branch", "main")):
        invoke(project, *args)
    return project


def measure(project: Path, label: str) -> None:
    before = set(project.rglob("log.txt"))
    wall = invoke(project, "run", "--target", "local", "--branch", "main", "--notebook", "FirstCell")
    log = next(iter(set(project.rglob("log.txt")) - before)).read_text()
    done, ready = SECOND_CELL.search(log), READY.search(log)
    print(f"{label:24} first cell done {float(done.group(1)) if done else float('nan'):5.2f} s after the run began "
          f"(spark: {ready.group(1) if ready else '?'}, ready in {ready.group(2) if ready else '?'} s); "
          f"whole invoke run {wall:5.1f} s", flush=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        for runtime, label in (("serverless-5", "Spark Connect"), ("18-lts-ml", "classic")):
            project = prepared(Path(scratch), runtime)
            try:
                for run in ("cold", "warm", "warm"):
                    measure(project, f"{label} {run}")
            finally:
                invoke(project, "stop-spark")


if __name__ == "__main__":
    main()
