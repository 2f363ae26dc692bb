"""A deterministic generator of realistic daily demand, so the pipeline runs offline."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SALES_COLUMNS = ("date", "store", "item", "promo", "sales")


@dataclass(frozen=True)
class DemandSpec:
    """Shape of the generated history: how many series, how long, from when."""

    stores: int = 10
    items: int = 20
    days: int = 3 * 365
    start: str = "2022-01-01"
    seed: int = 7


def generate_sales(spec: DemandSpec) -> pd.DataFrame:
    """Daily unit sales per store and item: level, trend, weekly and yearly seasonality, promotions, noise.

    The same spec always yields the same frame, whatever the machine.
    """
    if spec.stores < 1 or spec.items < 1 or spec.days < 1:
        raise ValueError(f"stores, items and days must be positive, got {spec}")
    rng = np.random.default_rng(spec.seed)
    dates = pd.date_range(spec.start, periods=spec.days, freq="D")
    t = np.arange(spec.days, dtype=float)
    series = spec.stores * spec.items
    level = rng.uniform(20.0, 120.0, size=(series, 1))
    trend = rng.normal(0.0004, 0.0003, size=(series, 1))
    weekly_amp = rng.uniform(0.1, 0.35, size=(series, 1))
    yearly_amp = rng.uniform(0.05, 0.3, size=(series, 1))
    phase = rng.uniform(0.0, 2 * np.pi, size=(series, 1))
    weekday = dates.dayofweek.to_numpy()
    weekly = np.where(weekday >= 5, 1.0, -0.4)[None, :] * weekly_amp
    yearly = yearly_amp * np.sin(2 * np.pi * t[None, :] / 365.25 + phase)
    promo = rng.random((series, spec.days)) < 0.08
    lift = rng.uniform(0.2, 0.6, size=(series, 1))
    mean = level * (1 + trend * t[None, :]) * (1 + weekly) * (1 + yearly) * (1 + lift * promo)
    sales = rng.poisson(np.clip(mean, 0.1, None))
    store, item = np.divmod(np.arange(series), spec.items)
    return pd.DataFrame(
        {
            "date": np.tile(dates.to_numpy(), series),
            "store": np.repeat(store + 1, spec.days).astype("int32"),
            "item": np.repeat(item + 1, spec.days).astype("int32"),
            "promo": promo.ravel().astype("int32"),
            "sales": sales.ravel().astype("float64"),
        }
    )
