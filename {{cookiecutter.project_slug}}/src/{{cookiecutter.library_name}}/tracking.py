"""What the project logs to MLflow tracking: trained models as candidates for the evaluation pipeline, and the
test notebooks' outcomes, one run per commit tested."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import mlflow
import pandas as pd
from mlflow.models import infer_signature

from .training import TrainingResult

if TYPE_CHECKING:
    from .notebook_test_results import NotebookOutcome

CANDIDATE_TAG = "candidate"


def model_requirements() -> list[str]:
    """What loading the model needs, stated rather than inferred (inference reloads it in a subprocess: ~5 s)."""
    return mlflow.sklearn.get_default_pip_requirements()


def log_candidate(
    experiment_name: str, result: TrainingResult, params: Mapping[str, Any], sample: pd.DataFrame
) -> str:
    """Log params, metrics and the model with ``candidate=true``; return the MLflow run id."""
    mlflow.set_experiment(experiment_name)
    with mlflow.start_run(run_name=f"train-{result.model.estimator}") as run:
        mlflow.log_params({"estimator": result.model.estimator, **params})
        mlflow.log_metrics({**result.metrics, "train_rows": result.train_rows, "holdout_rows": result.holdout_rows})
        inputs = sample[result.model.features]
        mlflow.sklearn.log_model(
            result.model.pipeline,
            name="model",
            signature=infer_signature(inputs, result.model.predict(sample)),
            pip_requirements=model_requirements(),
        )
        mlflow.set_tag(CANDIDATE_TAG, "true")
    return run.info.run_id


def log_test_results(experiment_name: str, outcomes: Sequence[NotebookOutcome], git_sha: str, build_id: str) -> str:
    """One MLflow run of the outcomes: a param and two metrics per notebook, tagged with the git sha."""
    mlflow.set_experiment(experiment_name)
    failed = sum(not outcome.passed for outcome in outcomes)
    tags = {"git_sha": git_sha, "build_id": build_id, "result": "failed" if failed else "passed"}
    with mlflow.start_run(run_name=f"tests-{git_sha[:10]}", tags=tags) as run:
        mlflow.log_params({outcome.name: outcome.message for outcome in outcomes})
        for outcome in outcomes:
            mlflow.log_metric(f"{outcome.name}_passed", float(outcome.passed))
            mlflow.log_metric(f"{outcome.name}_duration_seconds", outcome.duration_seconds)
        mlflow.log_metrics({"tests_passed": float(len(outcomes) - failed), "tests_failed": float(failed)})
    return run.info.run_id
