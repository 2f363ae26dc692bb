"""One fit/predict interface over scikit-learn estimators, chosen by name from configuration."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import RegressorMixin
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from .features import FEATURE_COLUMNS, TARGET_COLUMN

ESTIMATORS: Mapping[str, Callable[..., RegressorMixin]] = {
    "hist_gradient_boosting": HistGradientBoostingRegressor,
    "random_forest": RandomForestRegressor,
    "ridge": Ridge,
}


class ForecastModel:
    """A named estimator trained on the feature columns; ``pipeline`` is what MLflow logs."""

    def __init__(
        self,
        estimator: str = "hist_gradient_boosting",
        params: Mapping[str, Any] | None = None,
        features: Sequence[str] = FEATURE_COLUMNS,
    ) -> None:
        if estimator not in ESTIMATORS:
            raise ValueError(f"unknown estimator {estimator!r}; choose one of {', '.join(sorted(ESTIMATORS))}")
        self.estimator = estimator
        self.params = dict(params or {})
        self.features = list(features)
        steps = [ESTIMATORS[estimator](**self.params)]
        if estimator == "ridge":
            steps.insert(0, StandardScaler())
        self.pipeline: Pipeline = make_pipeline(*steps)

    def fit(self, frame: pd.DataFrame) -> ForecastModel:
        """Train on a frame holding the feature columns and the target."""
        missing = [column for column in [*self.features, TARGET_COLUMN] if column not in frame.columns]
        if missing:
            raise ValueError(f"training frame lacks columns: {', '.join(missing)}")
        self.pipeline.fit(frame[self.features], frame[TARGET_COLUMN])
        return self

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Predict non-negative demand for each row of ``frame``."""
        return np.clip(self.pipeline.predict(frame[self.features]), 0.0, None)
