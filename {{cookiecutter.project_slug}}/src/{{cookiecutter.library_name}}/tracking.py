"""Logging a trained model to MLflow as a candidate for the evaluation pipeline."""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import version
from typing import Any

import mlflow
import pandas as pd
import skops.io
from mlflow.models import infer_signature
from sklearn.pipeline import Pipeline

from .training import TrainingResult

CANDIDATE_TAG = "candidate"


def own_types(pipeline: Pipeline) -> list[str]:
    """The types skops must be told to trust to reload a model this process has just trained itself."""
    return skops.io.get_untrusted_types(data=skops.io.dumps(pipeline))


def model_requirements() -> list[str]:
    """What loading the model needs, stated rather than inferred (inference reloads it in a subprocess: ~5 s)."""
    return [*mlflow.sklearn.get_default_pip_requirements(), f"skops=={version('skops')}"]


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
            skops_trusted_types=own_types(result.model.pipeline),
            pip_requirements=model_requirements(),
        )
        mlflow.set_tag(CANDIDATE_TAG, "true")
    return run.info.run_id
