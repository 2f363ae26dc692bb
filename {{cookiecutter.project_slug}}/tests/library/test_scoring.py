"""Batch scoring: predictions of regressors and classifiers (the Spark side is in integration/test_batch_scoring.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mlflow_helpers import column_classifier, column_regressor

from {{ cookiecutter.library_name }}.scoring import predict


def test_classifiers_score_the_probability_of_the_positive_class():
    frame = pd.DataFrame({"other": [5.0, 6.0, 7.0], "score": [-2.0, 0.0, 3.0]})
    probability = predict(column_classifier("score"), frame, "classification")
    np.testing.assert_allclose(probability, 1 / (1 + np.exp(-frame["score"])))


def test_missing_feature_columns_are_named():
    with pytest.raises(KeyError, match="lacks the model's feature columns: score"):
        predict(column_regressor("score"), pd.DataFrame({"other": [1.0]}), "regression")
