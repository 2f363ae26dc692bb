"""The demand generator: deterministic, realistic in shape."""

from __future__ import annotations

import pandas as pd
import pytest

from {{ cookiecutter.library_name }}.data import SALES_COLUMNS, DemandSpec, generate_sales

SPEC = DemandSpec(stores=2, items=3, days=2 * 365, seed=11)


def test_same_spec_same_data() -> None:
    pd.testing.assert_frame_equal(generate_sales(SPEC), generate_sales(SPEC))


def test_other_seed_other_data() -> None:
    assert not generate_sales(SPEC).equals(generate_sales(DemandSpec(stores=2, items=3, days=730, seed=12)))


def test_one_row_per_day_store_and_item() -> None:
    frame = generate_sales(SPEC)
    assert tuple(frame.columns) == SALES_COLUMNS
    assert len(frame) == 2 * 3 * 730
    assert not frame.duplicated(["date", "store", "item"]).any()
    assert (frame["sales"] >= 0).all()


def test_weekends_sell_more_and_promotions_lift_sales() -> None:
    frame = generate_sales(SPEC)
    weekend = pd.to_datetime(frame["date"]).dt.dayofweek >= 5
    assert frame.loc[weekend, "sales"].mean() > 1.2 * frame.loc[~weekend, "sales"].mean()
    assert frame.loc[frame["promo"] == 1, "sales"].mean() > frame.loc[frame["promo"] == 0, "sales"].mean()


def test_rejects_an_empty_spec() -> None:
    with pytest.raises(ValueError, match="positive"):
        generate_sales(DemandSpec(stores=0))
