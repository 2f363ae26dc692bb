"""The sales table: whether one is there, and an unreadable one is never taken for a missing one."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyspark.errors import AnalysisException
from pyspark.sql import SparkSession

from {{ cookiecutter.library_name }}.data import DemandSpec
from {{ cookiecutter.library_name }}.storage import read_sales, table_exists, write_demo_sales


def test_a_missing_table_is_absent_and_a_written_one_is_read_back(spark: SparkSession, tmp_path: Path) -> None:
    uri = str(tmp_path / "sales")
    assert not table_exists(spark, uri)
    rows = write_demo_sales(spark, uri, DemandSpec(stores=1, items=1, days=30, seed=3))
    assert table_exists(spark, uri) and read_sales(spark, uri).count() == rows


def test_an_unreadable_table_raises_instead_of_looking_absent(spark: SparkSession, tmp_path: Path) -> None:
    """ModelTraining writes demo data where no table is: a table it cannot read must stop it, not be overwritten."""
    broken = tmp_path / "sales"
    broken.mkdir()
    (broken / "part-0.parquet").write_bytes(b"not parquet")
    with pytest.raises(Exception) as raised:
        table_exists(spark, str(broken))
    assert not isinstance(raised.value, AnalysisException) or raised.value.getCondition() != "PATH_NOT_FOUND"
