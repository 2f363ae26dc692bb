"""The paired bootstrap: exact weighted metrics, pairing, determinism and win ratios known by construction."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score, roc_auc_score

from {{ cookiecutter.library_name }}.bootstrap import METRICS, compare, get_metric, paired_bootstrap, poisson_weights

ROWS = 2000


def _rmse(actual, predicted, sample_weight):
    return np.sqrt(mean_squared_error(actual, predicted, sample_weight=sample_weight))


def _shifted_errors(z: float, rows: int = ROWS, spread: float = 0.5, seed: int = 3):
    """Actuals and two forecasts whose absolute errors differ by exactly mean d and sd ``spread``.

    The reference's errors exceed the challenger's by d = z * spread / sqrt(rows), so a bootstrap of
    the MAE difference should find the challenger better on a share Phi(z) of the resamples.
    """
    rng = np.random.default_rng(seed)
    actual = rng.normal(50.0, 10.0, rows)
    noise = rng.normal(size=rows)
    gap = z * spread / np.sqrt(rows) + spread * (noise - noise.mean()) / noise.std()
    reference_error = 5.0 + 5.0 * rng.random(rows)
    return actual, actual + reference_error - gap, actual + reference_error


@pytest.mark.parametrize(
    ("name", "reference"),
    [("mae", mean_absolute_error), ("rmse", _rmse), ("r2", r2_score)],
)
def test_regression_kernels_equal_weighted_scikit_learn(name, reference):
    rng = np.random.default_rng(0)
    actual = rng.normal(50.0, 10.0, 500)
    predicted = np.stack([actual + rng.normal(0.0, scale, 500) for scale in (1.0, 3.0)])
    weights = poisson_weights(500, np.random.SeedSequence(1).spawn(5))
    expected = [[reference(actual, p, sample_weight=w) for w in weights] for p in predicted]
    np.testing.assert_allclose(METRICS[name].on_weights(weights, actual, predicted), expected, rtol=1e-5)


def test_roc_auc_kernel_equals_weighted_scikit_learn_with_ties():
    rng = np.random.default_rng(0)
    labels = (rng.random(500) < 0.3).astype(float)
    scores = np.stack([labels * 0.5 + rng.random(500), np.round(labels * 0.3 + rng.random(500), 1), np.zeros(500)])
    weights = poisson_weights(500, np.random.SeedSequence(1).spawn(5))
    expected = [[roc_auc_score(labels, s, sample_weight=w) for w in weights] for s in scores]
    np.testing.assert_allclose(METRICS["roc_auc"].on_weights(weights, labels, scores), expected, atol=1e-12)


def test_poisson_weights_are_poisson_one_and_reproducible():
    seeds = np.random.SeedSequence(5).spawn(50)
    weights = poisson_weights(4000, seeds)
    assert np.array_equal(weights, np.round(weights))
    assert weights.mean() == pytest.approx(1.0, abs=0.01)
    assert weights.var() == pytest.approx(1.0, abs=0.02)
    assert np.array_equal(weights, poisson_weights(4000, seeds))
    assert not np.array_equal(weights[0], weights[1])


def test_identical_models_never_win_against_each_other():
    actual, challenger, _ = _shifted_errors(0.0)
    comparison = compare(actual, {"a": challenger, "b": challenger.copy()}, METRICS["mae"], 300, seed=1)
    assert np.array_equal(comparison.improvement("a", "b"), np.zeros(300))
    assert comparison.win_ratio("a", "b") == 0.0
    assert comparison.win_ratio("b", "a") == 0.0


def test_resamples_depend_on_the_seed_not_on_the_chunk_size():
    seeds = np.random.SeedSequence(9).spawn(20)
    assert np.array_equal(poisson_weights(100, seeds)[7:14], poisson_weights(100, seeds[7:14]))
    actual, challenger, reference = _shifted_errors(1.0)
    predicted = np.stack([challenger, reference])
    whole = paired_bootstrap(actual, predicted, METRICS["rmse"], 250, seed=9, chunk_size=250)
    chunked = paired_bootstrap(actual, predicted, METRICS["rmse"], 250, seed=9, chunk_size=7)
    np.testing.assert_allclose(whole, chunked, rtol=1e-6)
    assert np.abs(whole - paired_bootstrap(actual, predicted, METRICS["rmse"], 250, seed=10)).max() > 1e-3


@pytest.mark.parametrize("z", [-2.0, 0.0, 0.52, 1.28, 3.0])
def test_win_ratio_matches_the_difference_built_in(z):
    actual, challenger, reference = _shifted_errors(z)
    comparison = compare(actual, {"challenger": challenger, "reference": reference}, METRICS["mae"], 2000, seed=4)
    assert comparison.win_ratio("challenger", "reference") == pytest.approx(norm.cdf(z), abs=0.04)


def test_pairing_detects_a_difference_far_smaller_than_each_models_spread():
    actual, challenger, reference = _shifted_errors(3.0)
    comparison = compare(actual, {"challenger": challenger, "reference": reference}, METRICS["mae"], 500, seed=4)
    low, high = comparison.interval("challenger")
    assert low < comparison.mean("reference") < high
    assert comparison.win_ratio("challenger", "reference") > 0.99


def test_interval_width_follows_the_standard_error():
    rng = np.random.default_rng(8)
    actual = np.zeros(ROWS)
    errors = rng.exponential(2.0, ROWS)
    comparison = compare(actual, {"model": errors}, METRICS["mae"], 2000, seed=2)
    low, high = comparison.interval("model")
    assert high - low == pytest.approx(2 * 1.96 * errors.std() / np.sqrt(ROWS), rel=0.1)
    assert comparison.point[0] == pytest.approx(errors.mean(), rel=1e-6)


def test_higher_is_better_metrics_reward_the_higher_score():
    rng = np.random.default_rng(0)
    labels = (rng.random(ROWS) < 0.4).astype(float)
    noise = rng.normal(size=ROWS)
    predictions = {"sharp": labels * 1.5 + noise, "blunt": labels * 0.5 + noise}
    comparison = compare(labels, predictions, METRICS["roc_auc"], 300, seed=0)
    assert comparison.point[0] == pytest.approx(roc_auc_score(labels, predictions["sharp"]))
    assert comparison.win_ratio("sharp", "blunt") == 1.0
    assert (comparison.improvement("sharp", "blunt") > 0).all()


def test_metric_must_exist_and_suit_the_task():
    assert get_metric("roc_auc", "classification").higher_is_better
    assert not get_metric("mae", "regression").higher_is_better
    with pytest.raises(ValueError, match="unknown metric 'mape'"):
        get_metric("mape", "regression")
    with pytest.raises(ValueError, match="for classification"):
        get_metric("roc_auc", "regression")


def test_bad_input_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="labels 0 and 1"):
        paired_bootstrap(np.ones(10), np.ones((1, 10)), METRICS["roc_auc"], 10, seed=0)
    with pytest.raises(ValueError, match="finite"):
        paired_bootstrap(np.ones(10), np.full((1, 10), np.nan), METRICS["mae"], 10, seed=0)
    with pytest.raises(ValueError, match="shaped"):
        paired_bootstrap(np.ones(10), np.ones((1, 9)), METRICS["mae"], 10, seed=0)
