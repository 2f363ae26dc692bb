"""Training steps the ModelTraining notebook calls: split, fit, score against the naive forecast."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .features import NAIVE_COLUMN, TARGET_COLUMN
from .metrics import mae, rmse
from .model import ForecastModel


@dataclass(frozen=True)
class TrainingResult:
    """A fitted model and its holdout scores."""

    model: ForecastModel
    metrics: dict[str, float]
    train_rows: int
    holdout_rows: int


def split_by_date(frame: pd.DataFrame, holdout_days: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The last ``holdout_days`` days form the holdout; everything before trains."""
    if holdout_days < 1:
        raise ValueError("holdout_days must be at least 1")
    cutoff = pd.to_datetime(frame["date"]).max() - pd.Timedelta(days=holdout_days)
    dates = pd.to_datetime(frame["date"])
    train, holdout = frame[dates <= cutoff], frame[dates > cutoff]
    if train.empty or holdout.empty:
        raise ValueError(f"{len(frame)} rows cannot be split into train and a {holdout_days}-day holdout")
    return train, holdout


def train_and_score(
    features: pd.DataFrame, holdout_days: int, estimator: str, params: Mapping[str, Any]
) -> TrainingResult:
    """Fit on the history, score on the holdout, and compare with the seasonal naive forecast."""
    train, holdout = split_by_date(features, holdout_days)
    model = ForecastModel(estimator, params).fit(train)
    predicted = model.predict(holdout)
    naive_mae = mae(holdout[TARGET_COLUMN], holdout[NAIVE_COLUMN])
    model_mae = mae(holdout[TARGET_COLUMN], predicted)
    metrics = {
        "mae": model_mae,
        "rmse": rmse(holdout[TARGET_COLUMN], predicted),
        "naive_mae": naive_mae,
        "mae_ratio_to_naive": model_mae / naive_mae if naive_mae else float("inf"),
    }
    return TrainingResult(model, metrics, len(train), len(holdout))
