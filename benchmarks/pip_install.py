"""Prints how long a notebook's ``%pip install`` takes on the local target, first and repeated, against pip itself.

The peer is what a user would otherwise run: ``pip install --target <folder>`` of the same requirements (pip's own
cache warm, as the first %pip leaves it). The first %pip builds a cached layer with pip; a repeat, in another run,
is served from that layer without pip. Each %pip starts from an empty layer cache of its own (a temporary folder):
  .venv/bin/python benchmarks/pip_install.py [--requirements "tabulate==0.9.0 faker==40.63.0"] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mlops_engine.local.notebook.pip import PipInstaller


def pip_magic(requirements: str, cache: Path, run: Path) -> float:
    """Seconds for ``%pip install <requirements>`` in a run whose folder is ``run``."""
    os.environ["MLOPS_PIP_LAYER_CACHE"] = str(cache)
    run.mkdir(parents=True)
    installer = PipInstaller(run / "workspace", run / "site-packages", run)
    started = time.perf_counter()
    installer.run(f"install {requirements}")
    return time.perf_counter() - started


def plain_pip(requirements: str, target: Path) -> float:
    """Seconds for ``pip install --target`` of the same requirements."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target",
                    str(target), *requirements.split()], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requirements", default="tabulate==0.9.0 faker==40.63.0")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    firsts, repeats, peers = [], [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="pip-bench-") as scratch:
            folder = Path(scratch)
            firsts.append(pip_magic(args.requirements, folder / "cache", folder / "run1"))
            repeats.append(pip_magic(args.requirements, folder / "cache", folder / "run2"))
            peers.append(plain_pip(args.requirements, folder / "target"))
    print(f"%pip install {args.requirements} (median of {args.repeat}):")
    print(f"  first %pip (builds the layer)   {statistics.median(firsts):6.2f} s")
    print(f"  pip install --target (peer)     {statistics.median(peers):6.2f} s")
    print(f"  repeated %pip (cached layer)    {statistics.median(repeats):6.3f} s")


if __name__ == "__main__":
    main()
