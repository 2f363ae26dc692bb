"""Paired, vectorized bootstrap of a model metric: every model is scored on the same resamples.

A resample is a vector of Poisson(1) row weights (the Poisson bootstrap, which approximates the
classical multinomial bootstrap closely for evaluation-sized data): drawn from 16 random bits per
row through a lookup table, it costs about a tenth of numpy's multinomial draw for 200k rows. One
weight matrix of ``chunk_size`` resamples is drawn at a time and shared by all models, so the
comparison is paired and memory grows with the chunk size, not with the number of resamples.
Resample ``r`` is drawn from its own child of ``SeedSequence(seed)``: the result depends on the seed
only, not on the chunk size.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from math import exp, factorial
from typing import Any

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class Metric:
    """A metric as data: its name, direction and task, and how to score all models on a weight chunk.

    ``prepare(actual, predicted)`` does the per-model work once (errors, sort orders); ``kernel``
    takes resample ``weights`` (resamples x rows) and that preparation and returns the metric per
    model and resample (models x resamples).
    """

    name: str
    higher_is_better: bool
    task_type: str
    prepare: Callable[[np.ndarray, np.ndarray], Any]
    kernel: Callable[[np.ndarray, Any], np.ndarray]

    def on_weights(self, weights: np.ndarray, actual: np.ndarray, predicted: np.ndarray) -> np.ndarray:
        """The metric of every model (rows of ``predicted``) under each row of ``weights``."""
        return self.kernel(weights, self.prepare(actual, predicted))


def _absolute_errors(actual: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    return np.abs(predicted - actual).T.astype(np.float32)


def _squared_errors(actual: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    return ((predicted - actual) ** 2).T.astype(np.float32)


def _weighted_mean(weights: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Weighted mean of each column of ``columns`` (rows x models) per resample, in one matrix product."""
    return (weights @ columns / weights.sum(axis=1, keepdims=True)).T


def _root_weighted_mean(weights: np.ndarray, columns: np.ndarray) -> np.ndarray:
    return np.sqrt(_weighted_mean(weights, columns))


def _r2_terms(actual: np.ndarray, predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    centred = actual - actual.mean()
    return _squared_errors(actual, predicted), np.stack([centred, centred**2], axis=1).astype(np.float32)


def _r2(weights: np.ndarray, terms: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    squared, moments = terms
    residual = (weights @ squared).astype(np.float64)
    first, second = (weights @ moments).astype(np.float64).T
    total = second - first**2 / weights.sum(axis=1, dtype=np.float64)
    return (1.0 - residual / total[:, None]).T


@dataclass(frozen=True)
class _Ranks:
    """One model's scores ranked once: negatives in score order and each positive's place among them."""

    order: np.ndarray
    lower: np.ndarray
    upper: np.ndarray | None


def _rank(actual: np.ndarray, predicted: np.ndarray) -> tuple[np.ndarray, list[_Ranks]]:
    labels = actual.astype(bool)
    positives, negatives = np.flatnonzero(labels), np.flatnonzero(~labels)
    ranks = []
    for prediction in predicted:
        order = negatives[np.argsort(prediction[negatives], kind="stable")]
        lower = np.searchsorted(prediction[order], prediction[positives], side="left")
        upper = np.searchsorted(prediction[order], prediction[positives], side="right")
        ranks.append(_Ranks(order, lower, None if np.array_equal(lower, upper) else upper))
    return positives, ranks


def _cumulate_rows(rows: np.ndarray, out: np.ndarray, block: int = 1024) -> None:
    """``out[:] = np.cumsum(rows, axis=0)``, a cache-sized block of rows at a time.

    numpy accumulates along axis 0 one column at a time, striding through the whole array for each;
    blocks keep that walk in cache (about 6x faster for 200k rows x 100 resamples).
    """
    carry = np.zeros(rows.shape[1], dtype=rows.dtype)
    for start in range(0, len(rows), block):
        target = out[start : start + block]
        np.cumsum(rows[start : start + block], axis=0, out=target)
        target += carry
        carry = target[-1]


def _roc_auc(weights: np.ndarray, ranked: tuple[np.ndarray, list[_Ranks]]) -> np.ndarray:
    """Weighted ROC AUC from rank statistics, with no sorting per resample.

    A positive's credit is the weight of the negatives scored below it plus half of those tied with
    it: the cumulative negative weight, read at the positive's place among the sorted negatives.
    The weights are transposed once per chunk so that gathering rows reads contiguous memory.
    """
    positives, ranks = ranked
    by_row = np.ascontiguousarray(weights.T)
    positive_weights = np.take(by_row, positives, axis=0)
    positive_totals = positive_weights.sum(axis=0, dtype=np.float64)
    cumulative = np.zeros((len(by_row) - len(positives) + 1, len(weights)), dtype=np.float32)
    scores = np.empty((len(ranks), len(weights)))
    for model, rank in enumerate(ranks):
        _cumulate_rows(np.take(by_row, rank.order, axis=0), cumulative[1:])
        below = np.take(cumulative, rank.lower, axis=0)
        if rank.upper is not None:
            below += np.take(cumulative, rank.upper, axis=0)
            below *= 0.5
        below *= positive_weights
        scores[model] = below.sum(axis=0, dtype=np.float64) / (positive_totals * cumulative[-1])
    return scores


METRICS: Mapping[str, Metric] = {
    "mae": Metric("mae", False, "regression", _absolute_errors, _weighted_mean),
    "rmse": Metric("rmse", False, "regression", _squared_errors, _root_weighted_mean),
    "r2": Metric("r2", True, "regression", _r2_terms, _r2),
    "roc_auc": Metric("roc_auc", True, "classification", _rank, _roc_auc),
}


def get_metric(name: str, task_type: str) -> Metric:
    """The metric called ``name``, checked against the configured task type."""
    if name not in METRICS:
        raise ValueError(f"unknown metric {name!r}; choose one of {', '.join(sorted(METRICS))}")
    metric = METRICS[name]
    if metric.task_type != task_type:
        raise ValueError(f"metric {name!r} is for {metric.task_type}, but the task type is {task_type!r}")
    return metric


def _poisson_table(bits: int = 16) -> np.ndarray:
    """Lookup table turning a uniform ``bits``-bit integer into a Poisson(1) count (inverse CDF)."""
    cdf = np.cumsum([exp(-1.0) / factorial(k) for k in range(16)])
    return np.searchsorted(cdf * 2**bits, np.arange(2**bits) + 0.5).astype(np.float32)


_POISSON_TABLE = _poisson_table()


def poisson_weights(n_rows: int, seeds: list[np.random.SeedSequence]) -> np.ndarray:
    """Poisson(1) resample weights, one row of ``n_rows`` per seed (float32, integer valued)."""
    words = -(-n_rows // 4)
    weights = np.empty((len(seeds), n_rows), dtype=np.float32)
    for row, seed in zip(weights, seeds, strict=True):
        row[:] = _POISSON_TABLE[np.random.PCG64(seed).random_raw(words).view(np.uint16)[:n_rows]]
    return weights


def paired_bootstrap(
    actual: ArrayLike,
    predicted: ArrayLike,
    metric: Metric,
    resamples: int,
    seed: int,
    chunk_size: int = 100,
) -> np.ndarray:
    """The metric of every model (rows of ``predicted``) on the same ``resamples`` resamples."""
    actual = np.asarray(actual, dtype=np.float64)
    predicted = np.atleast_2d(np.asarray(predicted, dtype=np.float64))
    if actual.ndim != 1 or predicted.shape[1] != len(actual) or len(actual) < 2:
        raise ValueError(f"need >= 2 rows and predictions shaped (models, {len(actual)}), got {predicted.shape}")
    if not (np.isfinite(actual).all() and np.isfinite(predicted).all()):
        raise ValueError("actual values and predictions must be finite")
    if metric.task_type == "classification" and set(np.unique(actual)) != {0.0, 1.0}:
        raise ValueError(f"{metric.name} needs labels 0 and 1, both present; got {np.unique(actual)[:5]}")
    if resamples < 1 or chunk_size < 1:
        raise ValueError("resamples and chunk_size must be positive")
    seeds = np.random.SeedSequence(seed).spawn(resamples)
    prepared = metric.prepare(actual, predicted)
    values = np.empty((predicted.shape[0], resamples))
    for start in range(0, resamples, chunk_size):
        weights = poisson_weights(len(actual), seeds[start : start + chunk_size])
        values[:, start : start + len(weights)] = metric.kernel(weights, prepared)
    return values


def point_estimate(actual: ArrayLike, predicted: ArrayLike, metric: Metric) -> np.ndarray:
    """The metric of every model on the full evaluation set (all weights one)."""
    actual = np.asarray(actual, dtype=np.float64)
    predicted = np.atleast_2d(np.asarray(predicted, dtype=np.float64))
    return metric.on_weights(np.ones((1, len(actual)), dtype=np.float32), actual, predicted)[:, 0]


@dataclass(frozen=True)
class Comparison:
    """Bootstrap results of several models on one evaluation set, with the questions asked of them."""

    metric: Metric
    labels: tuple[str, ...]
    point: np.ndarray
    values: np.ndarray

    def _row(self, label: str) -> np.ndarray:
        return self.values[self.labels.index(label)]

    def improvement(self, model: str, reference: str) -> np.ndarray:
        """Per resample, how much ``model`` beats ``reference`` (positive: better, whatever the direction)."""
        difference = self._row(model) - self._row(reference)
        return difference if self.metric.higher_is_better else -difference

    def win_ratio(self, model: str, reference: str) -> float:
        """Share of resamples on which ``model`` is strictly better than ``reference``."""
        improvement = self.improvement(model, reference)
        finite = improvement[np.isfinite(improvement)]
        return float(np.mean(finite > 0)) if len(finite) else 0.0

    def mean(self, label: str) -> float:
        """Bootstrap mean of the metric."""
        return float(np.nanmean(self._row(label)))

    def interval(self, label: str, level: float = 0.95) -> tuple[float, float]:
        """Percentile bootstrap interval of the metric."""
        tail = (1.0 - level) / 2 * 100
        low, high = np.nanpercentile(self._row(label), [tail, 100 - tail])
        return float(low), float(high)


def compare(
    actual: ArrayLike,
    predictions: Mapping[str, ArrayLike],
    metric: Metric,
    resamples: int,
    seed: int,
    chunk_size: int = 100,
) -> Comparison:
    """Bootstrap all ``predictions`` (label -> values per row) against ``actual`` on shared resamples."""
    labels = tuple(predictions)
    stacked = np.stack([np.asarray(predictions[label], dtype=np.float64) for label in labels])
    values = paired_bootstrap(actual, stacked, metric, resamples, seed, chunk_size)
    return Comparison(metric, labels, point_estimate(actual, stacked, metric), values)
