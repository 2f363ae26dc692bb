"""Python workers on the local target: a notebook's RDD jobs, Python UDFs and DataFrames made from Python rows
run in this environment's Python.

Integration tests: the first job starts Spark's Python worker daemon, seconds of a unit run's time.
"""

from __future__ import annotations

from conftest import Run, notebook


def test_rdd_jobs_python_udfs_and_rows_run_in_a_notebook(run_notebook: Run) -> None:
    namespace = run_notebook({"Workers": notebook(
        "doubled = sc.parallelize([1, 2, 3]).map(lambda value: value * 2).sum()\n"
        "rows = sqlContext.createDataFrame([(1, 'a'), (2, 'b')], ['n', 's']).count()",
        "from pyspark.sql.functions import udf\n"
        "plus_one = udf(lambda value: value + 1, 'long')\n"
        "total = spark.range(3).select(plus_one('id').alias('n')).groupBy().sum('n').first()[0]",
    )})
    assert (namespace["doubled"], namespace["rows"], namespace["total"]) == (12, 2, 6)
