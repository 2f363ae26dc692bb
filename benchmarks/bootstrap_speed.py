"""Paired, chunked bootstrap of the template's library against the blog's per-model resampling loop.

For three models (two candidates and a champion) on ``--rows`` predictions it prints the time per
resample of the whole comparison, for MAE and ROC AUC, the speed-up, and the peak memory of the
paired bootstrap for several chunk sizes and resample counts (it should follow the chunk size only).

    python benchmarks/bootstrap_speed.py [--rows 200000] [--resamples 1000] [--chunk-size 100]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import mean_absolute_error, roc_auc_score

TEMPLATE = Path(__file__).resolve().parents[1] / "{{cookiecutter.project_slug}}"
LIBRARY = TEMPLATE / "src" / "{{cookiecutter.library_name}}"
MODELS = 3


def load_bootstrap():
    """Import the library's bootstrap module straight from the template source."""
    spec = importlib.util.spec_from_file_location(
        "template_library", LIBRARY / "__init__.py", submodule_search_locations=[str(LIBRARY)]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules["template_library"] = package
    spec.loader.exec_module(package)
    return importlib.import_module("template_library.bootstrap")


def regression_data(rows: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Demand-like targets and three models with different error scales."""
    actual = rng.poisson(40.0, rows).astype(float)
    return actual, np.stack([actual + rng.normal(0.0, scale, rows) for scale in (4.0, 4.2, 4.5)])


def classification_data(rows: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Binary labels (30% positive) and three scorers of different strength."""
    actual = (rng.random(rows) < 0.3).astype(float)
    return actual, np.stack([actual * strength + rng.normal(0.0, 1.0, rows) for strength in (1.0, 1.1, 1.2)])


def blog_mae(actual: pd.Series, predictions: np.ndarray, rng: np.random.RandomState) -> float:
    """One resample of one model, as the blog does it (with MAE in place of ROC AUC)."""
    indices = rng.randint(0, len(predictions), len(predictions))
    return mean_absolute_error(actual.iloc[indices], predictions[indices])


def blog_roc_auc(actual: pd.Series, predictions: np.ndarray, rng: np.random.RandomState) -> float:
    """One resample of one model, exactly the blog's loop body."""
    indices = rng.randint(0, len(predictions), len(predictions))
    if len(np.unique(actual.iloc[indices])) < 2:
        return float("nan")
    return roc_auc_score(actual.iloc[indices], predictions[indices])


def time_blog(step: Callable, actual: np.ndarray, predicted: np.ndarray, resamples: int) -> float:
    """Seconds per resample of the blog's approach: a separate resampling loop per model."""
    series = pd.Series(actual)
    start = time.perf_counter()
    for model in predicted:
        rng = np.random.RandomState()
        for _ in range(resamples):
            step(series, model, rng)
    return (time.perf_counter() - start) / resamples


def time_paired(bootstrap, metric, actual: np.ndarray, predicted: np.ndarray, resamples: int, chunk: int) -> float:
    """Seconds per resample of the paired, chunked bootstrap of all models at once."""
    start = time.perf_counter()
    bootstrap.paired_bootstrap(actual, predicted, metric, resamples, seed=0, chunk_size=chunk)
    return (time.perf_counter() - start) / resamples


def peak_mib(bootstrap, metric, actual: np.ndarray, predicted: np.ndarray, resamples: int, chunk: int) -> float:
    """Peak traced memory of one paired bootstrap, in MiB."""
    tracemalloc.start()
    bootstrap.paired_bootstrap(actual, predicted, metric, resamples, seed=0, chunk_size=chunk)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    """Run the comparison and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--chunk-size", type=int, default=100)
    parser.add_argument("--blog-resamples", type=int, default=30, help="resamples timed for the slow baseline")
    args = parser.parse_args()
    bootstrap = load_bootstrap()
    rng = np.random.default_rng(0)
    cases = {
        "mae": (regression_data(args.rows, rng), blog_mae, 10),
        "roc_auc": (classification_data(args.rows, rng), blog_roc_auc, 20),
    }
    print(f"{args.rows:,} predictions, {MODELS} models, {args.resamples} paired resamples, chunks of {args.chunk_size}")
    print(f"{'metric':8} {'paired ms':>10} {'blog ms':>10} {'speed-up':>9} {'target':>7}")
    for name, ((actual, predicted), step, target) in cases.items():
        metric = bootstrap.METRICS[name]
        ours = time_paired(bootstrap, metric, actual, predicted, args.resamples, args.chunk_size)
        blog = time_blog(step, actual, predicted, args.blog_resamples)
        verdict = "met" if blog / ours >= target else "MISSED"
        print(f"{name:8} {ours * 1e3:10.2f} {blog * 1e3:10.2f} {blog / ours:8.1f}x {target:>5}x {verdict}")
    print("\npeak memory of the paired bootstrap (tracemalloc, MiB):")
    print(f"{'metric':8} {'chunk':>6} {'resamples':>10} {'peak MiB':>9}")
    for name, ((actual, predicted), _, _) in cases.items():
        metric = bootstrap.METRICS[name]
        chunk = args.chunk_size
        for size, resamples in ((chunk // 2, 2 * chunk), (chunk, 2 * chunk), (chunk, 10 * chunk)):
            peak = peak_mib(bootstrap, metric, actual, predicted, resamples, size)
            print(f"{name:8} {size:6} {resamples:10} {peak:9.1f}")


if __name__ == "__main__":
    main()
