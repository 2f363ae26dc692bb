"""Forecast error metrics shared by training and evaluation."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def mae(actual: ArrayLike, predicted: ArrayLike) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(actual, float) - np.asarray(predicted, float))))


def rmse(actual: ArrayLike, predicted: ArrayLike) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean((np.asarray(actual, float) - np.asarray(predicted, float)) ** 2)))
