"""Prints how long a local Spark takes to start and answer its first queries (a Delta write and read among them), and
the JVM's CPU time for it.

Each way in a fresh process (median of --repeat): PySpark's defaults (what a user gets from
``SparkSession.builder.getOrCreate()``, no Delta: the first queries skip the Delta write), the local target's lean
settings without Delta's engine and with it (what Delta's jars and extension cost), with the machine's class archive
(mlops_engine/spark_class_archive.py; made first if missing), and with the workspace's Hive metastore as a run's
session has it. Run in a baked project's folder:
  .venv/bin/python benchmarks/spark_start.py --project <baked project> [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

PROBE = r"""
import json, os, sys, time
from pathlib import Path
mode = sys.argv[1]
started = time.perf_counter()
if mode == "defaults":
    from pyspark.sql import SparkSession
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers on this interpreter, not python3 on PATH
    spark = SparkSession.builder.master("local[2]").getOrCreate()
else:
    from mlops_engine.local.spark import session
    if mode == "lean-no-delta":
        config = session.session_config
        session.session_config = lambda *a, **k: {key: value for key, value in config(*a, **k).items()
                                                  if key not in session.DELTA and key != "spark.driver.extraClassPath"}
    metastore = Path(sys.argv[2]) / "metastore" if mode == "metastore" else None
    spark = session.start_session("local[2]", Path(sys.argv[2]), metastore=metastore,
                                  java_options=None if mode in ("archive", "metastore") else "")
ready = time.perf_counter()
import pandas as pd
from pyspark.sql import Window, functions as F
frame = spark.createDataFrame(pd.DataFrame({"s": [1, 1, 2], "d": [1, 2, 1], "v": [3.0, 4.0, 5.0]}))
frame.withColumn("lag", F.lag("v").over(Window.partitionBy("s").orderBy("d"))).groupBy("s").agg(F.sum("v")).toPandas()
if mode not in ("defaults", "lean-no-delta"):
    frame.write.mode("overwrite").saveAsTable("bench_sales")
    spark.table("bench_sales").count()
answered = time.perf_counter()
pid = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
print(json.dumps({"start": ready - started, "first_queries": answered - ready, "jvm_cpu": cpu}))
"""


def measure(project: Path, mode: str, scratch: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", PROBE, mode, str(scratch)], cwd=project, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    project = args.project.resolve()
    make_archive = "from mlops_engine.spark_class_archive import ensure_archive; ensure_archive()"
    subprocess.run([sys.executable, "-c", make_archive], cwd=project, check=True)
    for mode, label in (("defaults", "PySpark defaults"), ("lean-no-delta", "lean, no Delta"),
                        ("lean", "lean + Delta"), ("archive", "lean + Delta + archive"),
                        ("metastore", "... + Hive metastore")):
        runs = []
        for _ in range(args.repeat):
            shutil.rmtree(project / ".bench-warehouse", ignore_errors=True)
            runs.append(measure(project, mode, project / ".bench-warehouse"))
        median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        print(f"{label:24} start {median['start']:5.1f} s  first queries {median['first_queries']:5.1f} s  "
              f"JVM CPU {median['jvm_cpu']:5.1f} s  (median of {len(runs)})")


if __name__ == "__main__":
    main()
