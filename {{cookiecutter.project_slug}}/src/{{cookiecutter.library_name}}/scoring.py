"""Batch scoring: the latest days to score, the model's predictions, and the rows written with the model's version.

The model is the registry's ``@champion`` (``champion.load_champion``), never a run id. Spark, pandas and NumPy
only: the registry side is in ``champion``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

if TYPE_CHECKING:
    from .champion import Champion


def latest_days(frame: DataFrame, days: int, date_column: str = "date") -> DataFrame:
    """The rows of the last ``days`` calendar days present in ``frame``."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    last = frame.agg(F.max(date_column)).first()[0]
    if last is None:
        raise ValueError("the input table has no rows")
    return frame.where(F.col(date_column) > F.date_sub(F.lit(last), days))


def predict(model: Any, frame: pd.DataFrame, task_type: str) -> np.ndarray:
    """Predictions of a scikit-learn model for each row: values for regression, P(class 1) for classification.

    The model gets the columns it was fitted on, so extra columns in ``frame`` are harmless.
    """
    columns = getattr(model, "feature_names_in_", None)
    if columns is not None:
        missing = [column for column in columns if column not in frame.columns]
        if missing:
            raise KeyError(f"input lacks the model's feature columns: {', '.join(missing)}")
        frame = frame[list(columns)]
    values = model.predict_proba(frame)[:, 1] if task_type == "classification" else model.predict(frame)
    values = np.asarray(values, dtype=np.float64).ravel()
    if len(values) != len(frame) or not np.isfinite(values).all():
        raise ValueError(f"model returned {len(values)} predictions for {len(frame)} rows, or non-finite values")
    return values


def score(frame: pd.DataFrame, champion: Champion, task_type: str, keep: Sequence[str]) -> pd.DataFrame:
    """The ``keep`` columns of ``frame`` with the prediction, model name and version and UTC scoring time."""
    scored = frame[list(keep)].copy()
    scored["prediction"] = predict(champion.model, frame, task_type)
    scored["model_name"] = champion.model_name
    scored["model_version"] = champion.version
    scored["scored_at"] = pd.Timestamp(datetime.now(UTC).replace(tzinfo=None))
    return scored


def write_predictions(
    spark: SparkSession, predictions: pd.DataFrame, uri: str, table_format: str, mode: str = "append"
) -> int:
    """Write the scored rows to the table at ``uri`` (appending by default) and return the row count."""
    spark.createDataFrame(predictions).write.format(table_format).mode(mode).save(uri)
    return len(predictions)
