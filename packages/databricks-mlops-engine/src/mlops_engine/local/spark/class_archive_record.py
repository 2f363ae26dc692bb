"""The work whose classes go into Spark's class archive.

``python -m mlops_engine.local.spark.class_archive_record <file>``.

Typical local work (pandas to Spark through Arrow, window functions, aggregation, parquet and CSV, SQL, Python
workers for RDDs and UDFs, Delta's writes, MERGE and history) on a Spark whose JVM writes every class it
loaded to ``<file>`` as it exits; ``spark_class_archive`` runs it once.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from mlops_engine.local.spark.session import start_session
from mlops_engine.spark_class_archive import QUIET


def record(archive: Path) -> None:
    """Run typical local work on a Spark whose JVM writes the classes it loaded to ``archive`` as it exits."""
    with tempfile.TemporaryDirectory() as scratch:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        session = start_session("local[2]", Path(scratch) / "warehouse",
                                java_options=f"-XX:ArchiveClassesAtExit={archive} {QUIET}")
        import pandas as pd
        from pyspark.sql import Window
        from pyspark.sql import functions as F  # noqa: N812 - PySpark's convention

        frame = session.createDataFrame(pd.DataFrame({"store": [1, 1, 2], "day": [1, 2, 1], "sales": [3.0, 4.0, 5.0]}))
        window = Window.partitionBy("store").orderBy("day")
        frame = frame.withColumn("lag", F.lag("sales").over(window)).withColumn("avg", F.avg("sales").over(window))
        frame.groupBy("store").agg(F.sum("sales")).toPandas()
        frame.write.mode("overwrite").parquet(f"{scratch}/p")
        session.read.parquet(f"{scratch}/p").createOrReplaceTempView("t")
        session.sql("SELECT store, count(*) FROM t GROUP BY store ORDER BY store").collect()
        frame.write.mode("overwrite").option("header", True).csv(f"{scratch}/c")
        session.read.option("header", True).option("inferSchema", True).csv(f"{scratch}/c").collect()
        session.sparkContext.parallelize(range(3), 1).map(lambda value: value + 1).collect()
        session.range(3).select(F.udf(lambda value: value * 2, "long")("id")).collect()
        frame.write.mode("overwrite").saveAsTable("archive_sales")
        session.sql("MERGE INTO archive_sales t USING (SELECT 1 store, 3 day, 6.0 sales) s "
                    "ON t.store = s.store AND t.day = s.day "
                    "WHEN NOT MATCHED THEN INSERT (store, day, sales) VALUES (s.store, s.day, s.sales)")
        session.sql("DESCRIBE HISTORY archive_sales").collect()
        session.read.option("versionAsOf", 0).table("archive_sales").collect()
        process = session.sparkContext._gateway.proc
        session.stop()
        process.stdin.close()  # the JVM exits when its Python's pipe closes, writing the archive
        process.wait(timeout=120)


if __name__ == "__main__":
    record(Path(sys.argv[1]))
