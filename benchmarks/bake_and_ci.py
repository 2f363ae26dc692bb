"""Prints bake time (median of several real `cookiecutter` runs) and the phases of `invoke ci --target local`.

Targets on a 2-core machine: bake <= 2 s; the unit-test phase of local ci <= 20 s, local ci end to end <= 45 s.
Run: .venv/bin/python benchmarks/bake_and_ci.py [--bakes 7]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bakery import bake  # noqa: E402

BIN = Path(sys.executable).parent


def bake_once(output: Path) -> float:
    started = time.perf_counter()
    bake(output, {"developers": "kyle,joe"})
    return time.perf_counter() - started


def timed_lines(command: list[str], cwd: Path) -> tuple[list[tuple[float, str]], int]:
    """Run ``command`` and stamp each line of its output with the seconds since the start."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "PYTHONUNBUFFERED": "1"}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = [(time.perf_counter() - started, line.rstrip()) for line in process.stdout]
    return lines + [(time.perf_counter() - started, "<end>")], process.wait()


def stolen_seconds() -> float | None:
    """CPU time the hypervisor gave to other machines so far (steal, /proc/stat); None where Linux does not say."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return None
    return int(fields[8]) / os.sysconf("SC_CLK_TCK") if fields[0] == "cpu" and len(fields) > 8 else None


def first(lines: list[tuple[float, str]], pattern: str) -> float:
    return next(stamp for stamp, line in lines if re.search(pattern, line))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bakes", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        times = [bake_once(root / f"bake{i}") for i in range(args.bakes)]
        print(f"bake: median {statistics.median(times):.2f} s over {len(times)} bakes "
              f"(min {min(times):.2f}, max {max(times):.2f}); target <= 2 s")
        project = root / "bake0" / "demand-forecasting"
        steal_before = stolen_seconds()
        lines, code = timed_lines([str(BIN / "invoke"), "ci", "--target", "local", "--build-id", "1",
                                   "--branch", "main"], project)
        log = (project / ".runs" / "1" / "log.txt").read_text()
        spark_start = float(re.search(r"spark: .* (?:started|ready) in ([0-9.]+) s", log).group(1))
        phases = {
            "unit tests": first(lines, r"^send to "),
            "send": first(lines, r"^sent ") - first(lines, r"^send to "),
            "build": first(lines, r"^built ") - first(lines, r"^sent "),
            "deploy + submit": first(lines, r"submitted") - first(lines, r"^built "),
            "run (whole notebook)": first(lines, r"^run \d+ (succeeded|.*FAILED)") - first(lines, r"submitted"),
            "  of which Spark start": spark_start,
        }
        for name, seconds in phases.items():
            print(f"ci phase {name:<24} {seconds:6.1f} s")
        print(f"ci total {lines[-1][0]:.1f} s (exit {code}); targets: unit tests <= 20 s, total <= 45 s")
        steal_after = stolen_seconds()
        if steal_before is not None and steal_after is not None:
            print(f"cpu time stolen by the hypervisor during ci: {steal_after - steal_before:.1f} s "
                  "(above a second or two, the figures are slower than this machine is)")


if __name__ == "__main__":
    main()
