"""The evaluation pipeline against a real ``mlflow server``: promotion rules, tags, compare-and-set, broken models.

Every model here is a scikit-learn estimator that returns one column of the evaluation frame, so
the difference between any two models is fixed by construction and every outcome is deterministic.
"""

from __future__ import annotations

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow_helpers import column_classifier, column_regressor, log_candidate

from {{ cookiecutter.library_name }} import evaluation
from {{ cookiecutter.library_name }}.champion import aliased_version, promote, rollback
from {{ cookiecutter.library_name }}.evaluation import EvaluationConfig, evaluate

ROWS = 400
TARGET = "sales"


def regression_frame() -> pd.DataFrame:
    """Actuals and forecasts whose absolute errors relate exactly as the column names say.

    ``champion`` errs by 5 to 10 on every row; ``shift_<z>`` errs less by a gap of mean
    z * 0.5 / sqrt(ROWS) and sd 0.5, so it wins about Phi(z) of the paired resamples.
    """
    rng = np.random.default_rng(11)
    actual = rng.normal(50.0, 10.0, ROWS)
    error = 5.0 + 5.0 * rng.random(ROWS)
    noise = rng.normal(size=ROWS)
    frame = pd.DataFrame({TARGET: actual, "champion": actual + error, "naive": actual + 20, "mediocre": actual + 19})
    for z in (-4.0, 0.5, 4.0, 8.0):
        gap = z * 0.5 / np.sqrt(ROWS) + 0.5 * (noise - noise.mean()) / noise.std()
        frame[f"shift_{z:g}"] = actual + error - gap
    return frame


def config(names: dict[str, str], **overrides) -> EvaluationConfig:
    settings = dict(resamples=400, seed=7, chunk_size=64, win_ratio=0.9, max_ratio_to_baseline=0.9)
    return EvaluationConfig(names["experiment"], names["model"], names["evaluation"], **{**settings, **overrides})


def run_evaluation(names: dict[str, str], frame: pd.DataFrame, **overrides) -> evaluation.EvaluationResult:
    return evaluate(frame, TARGET, config(names, **overrides), baseline=frame["naive"].to_numpy())


def candidate_tag(run_id: str) -> str:
    return MlflowClient().get_run(run_id).data.tags["candidate"]


def crown(names: dict[str, str], frame: pd.DataFrame, column: str = "champion") -> str:
    """Make a model returning ``column`` the champion through an evaluation; return its version."""
    log_candidate(names["experiment"], column_regressor(column))
    result = run_evaluation(names, frame)
    assert result.decision == "promoted", result.reason
    return result.champion_after


def register_champion(names: dict[str, str], column: str = "champion") -> str:
    """Register a model returning ``column`` and alias it ``champion`` directly; return its version."""
    run_id = log_candidate(names["experiment"], column_regressor(column), candidate="false")
    version = mlflow.register_model(f"runs:/{run_id}/model", names["model"]).version
    MlflowClient().set_registered_model_alias(names["model"], "champion", version)
    return str(version)


def test_first_good_candidate_becomes_champion_and_is_documented(names):
    frame = regression_frame()
    run_id = log_candidate(names["experiment"], column_regressor("champion"))
    result = run_evaluation(names, frame)
    client = MlflowClient()
    assert (result.decision, result.champion_before, result.champion_after) == ("promoted", None, "1")
    assert aliased_version(client, names["model"]) == "1"
    version = client.get_model_version(names["model"], "1")
    assert version.run_id == run_id
    assert version.tags["evaluation_run_id"] == result.evaluation_run_id
    assert version.tags["metric_summary"].startswith("mae mean 7.")
    assert candidate_tag(run_id) == "false"
    evaluation_run = client.get_run(result.evaluation_run_id)
    assert evaluation_run.data.tags["decision"] == "promoted"
    assert "no champion yet" in evaluation_run.data.tags["reason"]
    prefix = f"candidate_{run_id[:8]}_mae_"
    metrics = {key.removeprefix(prefix): value for key, value in evaluation_run.data.metrics.items()}
    assert metrics["point"] == pytest.approx((frame["champion"] - frame[TARGET]).mean())
    assert metrics["ci_low"] < metrics["mean"] < metrics["ci_high"]
    artifacts = {artifact.path for artifact in client.list_artifacts(result.evaluation_run_id)}
    assert {"bootstrap_improvement.png", "evaluation.json"} <= artifacts
    png = client.download_artifacts(result.evaluation_run_id, "bootstrap_improvement.png")
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_first_candidate_must_pass_the_baseline(names):
    run_id = log_candidate(names["experiment"], column_regressor("mediocre"))
    result = run_evaluation(names, regression_frame())
    assert result.decision == "not_promoted"
    assert "0.950 x the baseline" in result.reason
    assert aliased_version(MlflowClient(), names["model"]) is None
    assert candidate_tag(run_id) == "false"


@pytest.mark.parametrize(
    ("column", "promoted", "low", "high"),
    [
        ("shift_4", True, 0.99, 1.0),
        ("shift_0.5", False, 0.55, 0.85),
        ("champion", False, 0.0, 0.0),
        ("shift_-4", False, 0.0, 0.01),
    ],
    ids=["clearly-better", "better-on-fewer-than-90%", "equal", "worse"],
)
def test_challenger_replaces_the_champion_only_when_clearly_better(names, column, promoted, low, high):
    frame = regression_frame()
    champion = register_champion(names)
    run_id = log_candidate(names["experiment"], column_regressor(column))
    result = run_evaluation(names, frame)
    client = MlflowClient()
    assert low <= result.win_ratios[f"candidate_{run_id[:8]}_vs_champion_v{champion}"] <= high
    assert result.decision == ("promoted" if promoted else "not_promoted"), result.reason
    assert aliased_version(client, names["model"]) == ("2" if promoted else champion)
    assert aliased_version(client, names["model"], "previous") == (champion if promoted else None)
    assert candidate_tag(run_id) == "false"


def test_best_of_several_candidates_is_promoted_and_all_are_reset(names):
    frame = regression_frame()
    champion = register_champion(names)
    runs = [log_candidate(names["experiment"], column_regressor(c)) for c in ("shift_4", "shift_8", "shift_-4")]
    result = run_evaluation(names, frame)
    assert result.decision == "promoted"
    assert result.promoted_run_id == runs[1]
    assert result.win_ratios[f"candidate_{runs[1][:8]}_vs_candidate_{runs[0][:8]}"] == 1.0
    assert [candidate_tag(run_id) for run_id in runs] == ["false"] * 3
    assert result.champion_before == champion


def test_no_promotion_when_no_candidate_is_clearly_best(names):
    frame = regression_frame()
    runs = [log_candidate(names["experiment"], column_regressor("shift_4")) for _ in range(2)]
    result = run_evaluation(names, frame)
    assert result.decision == "not_promoted"
    assert "no candidate beats every other candidate" in result.reason
    assert aliased_version(MlflowClient(), names["model"]) is None
    assert [candidate_tag(run_id) for run_id in runs] == ["false", "false"]


def test_rollback_restores_the_previous_champion(names):
    frame = regression_frame()
    first = crown(names, frame)
    second = crown(names, frame, "shift_8")
    client = MlflowClient()
    assert rollback(client, names["model"]) == (second, first)
    assert aliased_version(client, names["model"]) == first
    assert client.get_model_version(names["model"], second).tags["rolled_back"] == "true"
    with pytest.raises(RuntimeError, match="needs both @champion and @previous"):
        rollback(client, names["model"])


def test_broken_candidates_are_reported_and_skipped(names):
    frame = regression_frame()
    mlflow.set_experiment(names["experiment"])
    with mlflow.start_run() as no_model:
        mlflow.set_tag("candidate", "true")
    wrong_features = log_candidate(names["experiment"], column_regressor("not_in_the_frame"))
    good = log_candidate(names["experiment"], column_regressor("champion"))
    result = run_evaluation(names, frame)
    assert result.decision == "promoted"
    assert result.promoted_run_id == good
    assert set(result.skipped) == {no_model.info.run_id, wrong_features}
    assert "not_in_the_frame" in result.skipped[wrong_features]
    assert [candidate_tag(r) for r in (no_model.info.run_id, wrong_features)] == ["false", "false"]


def test_unscorable_champion_blocks_promotion_and_keeps_candidates(names):
    frame = regression_frame()
    register_champion(names)
    run_id = log_candidate(names["experiment"], column_regressor("shift_8"))
    result = run_evaluation(names, frame.drop(columns="champion"))
    assert result.decision == "not_promoted"
    assert "champion v1 cannot be scored" in result.reason
    assert candidate_tag(run_id) == "true"


@pytest.mark.parametrize("moment", ["compare", "register_version"])
def test_promotion_aborts_when_the_champion_moves_meanwhile(names, monkeypatch, moment):
    frame = regression_frame()
    register_champion(names)
    client = MlflowClient()
    rival_run = log_candidate(names["experiment"], column_regressor("shift_4"), candidate="false")
    rival = mlflow.register_model(f"runs:/{rival_run}/model", names["model"])
    original = getattr(evaluation, moment)

    def another_evaluation_promotes_first(*args, **kwargs):
        outcome = original(*args, **kwargs)
        assert promote(client, names["model"], rival.version, "1")
        return outcome

    monkeypatch.setattr(evaluation, moment, another_evaluation_promotes_first)
    run_id = log_candidate(names["experiment"], column_regressor("shift_8"))
    result = run_evaluation(names, frame)
    assert result.decision == "aborted"
    assert "moved from 1 to 2" in result.reason
    assert (result.champion_before, result.champion_after) == ("1", rival.version)
    assert aliased_version(client, names["model"]) == rival.version
    assert candidate_tag(run_id) == "true"
    assert client.get_run(result.evaluation_run_id).data.tags["decision"] == "aborted"


def test_no_candidates_is_a_clear_message_not_an_error(names):
    result = run_evaluation(names, regression_frame())
    assert result.decision == "no_candidates"
    assert names["experiment"] in result.reason
    assert result.evaluation_run_id is None


def test_classification_by_roc_auc(names):
    rng = np.random.default_rng(5)
    labels = (rng.random(ROWS) < 0.4).astype(float)
    noise = rng.normal(size=ROWS)
    frame = pd.DataFrame({TARGET: labels, "weak": labels * 0.5 + noise, "strong": labels * 2.0 + noise})
    settings = dict(task_type="classification", metric="roc_auc", max_ratio_to_baseline=None)
    log_candidate(names["experiment"], column_classifier("weak"))
    first = evaluate(frame, TARGET, config(names, **settings))
    assert (first.decision, first.champion_after) == ("promoted", "1"), first.reason
    run_id = log_candidate(names["experiment"], column_classifier("strong"))
    second = evaluate(frame, TARGET, config(names, **settings))
    assert (second.decision, second.champion_after) == ("promoted", "2"), second.reason
    assert second.win_ratios[f"candidate_{run_id[:8]}_vs_champion_v1"] == 1.0
    log_candidate(names["experiment"], column_classifier("weak"))
    third = evaluate(frame, TARGET, config(names, **settings))
    assert (third.decision, third.champion_after) == ("not_promoted", "2")


def test_settings_that_cannot_decide_are_refused():
    with pytest.raises(ValueError, match="win_ratio must be above 0.5"):
        EvaluationConfig("train", "model", "eval", win_ratio=0.5)
    with pytest.raises(ValueError, match="needs the baseline predictions"):
        evaluate(regression_frame(), TARGET, EvaluationConfig("train", "model", "eval", max_ratio_to_baseline=0.9))
