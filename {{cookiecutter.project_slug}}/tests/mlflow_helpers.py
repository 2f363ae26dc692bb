"""Models whose predictions are known by construction (each returns one column of its input), logged as training
logs its candidates. MLflow and scikit-learn are imported by the helpers that use them, so a unit run pays nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sklearn.linear_model import LinearRegression, LogisticRegression


def column_regressor(column: str) -> LinearRegression:
    """A fitted regressor whose prediction is exactly ``column``."""
    import numpy as np
    from sklearn.linear_model import LinearRegression

    model = LinearRegression()
    model.coef_, model.intercept_ = np.array([1.0]), 0.0
    model.feature_names_in_, model.n_features_in_ = np.array([column], dtype=object), 1
    return model


def column_classifier(column: str) -> LogisticRegression:
    """A fitted classifier whose P(class 1) is increasing in ``column`` (so its ROC AUC is the column's)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression()
    model.coef_, model.intercept_, model.classes_ = np.array([[1.0]]), np.array([0.0]), np.array([0, 1])
    model.feature_names_in_, model.n_features_in_ = np.array([column], dtype=object), 1
    return model


def log_candidate(experiment: str, model, candidate: str = "true") -> str:
    """Log ``model`` the way training does: artifact ``model``, tag ``candidate``."""
    import mlflow

    mlflow.set_experiment(experiment)
    with mlflow.start_run(tags={"candidate": candidate}) as run:
        mlflow.sklearn.log_model(model, name="model", pip_requirements=["scikit-learn"])
    return run.info.run_id
