"""Prints how long a local run takes from submit to its first cell and to a ready Spark, cold and warm.

A workspace keeps its cluster warm; the local target keeps a warm Spark driver (mlops_engine/local/warm_spark.py,
on by default) after the first run, which starts it cold. Target on a 2-core machine: the warm run's Spark
ready <= 2 s after submit.
Measured with real `invoke run --target local` in a freshly baked project (ModelTraining, twice).
Run: .venv/bin/python benchmarks/local_run_start.py
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
READY = re.compile(r"spark: (.+?) ready in ([\d.]+) s")
CELL = re.compile(r"--- \[\s*([\d.]+) s\] .* cell 1/")


def invoke(project: Path, *args: str) -> float:
    """Run one invoke task in the project and return its wall time."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "PYTHONUNBUFFERED": "1"}
    started = time.perf_counter()
    subprocess.run([str(BIN / "invoke"), *args], cwd=project, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def measure(project: Path, label: str) -> None:
    before = set(project.rglob("log.txt"))
    wall = invoke(project, "run", "--target", "local", "--branch", "main")
    log = next(iter(set(project.rglob("log.txt")) - before)).read_text()
    ready, cell = READY.search(log), CELL.search(log)
    print(f"{label:5} first cell at {float(cell.group(1)) if cell else float('nan'):5.1f} s; "
          f"spark ({ready.group(1) if ready else '?'}) ready {float(ready.group(2)) if ready else float('nan'):5.1f} s "
          f"after the run began; whole run {wall:5.1f} s")


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        project = bake(Path(scratch), {})  # a git repository on main with a first commit, as baked
        invoke(project, "send", "--target", "local", "--branch", "main")
        invoke(project, "build")
        invoke(project, "deploy", "--target", "local", "--branch", "main")
        try:
            measure(project, "cold")
            measure(project, "warm")
        finally:
            invoke(project, "stop-spark")


if __name__ == "__main__":
    main()
