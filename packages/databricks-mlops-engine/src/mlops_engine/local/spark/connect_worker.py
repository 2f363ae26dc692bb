"""The Python worker daemon of the local Spark Connect server: a run's ``%pip`` layers reach its UDFs.

On classic compute a run hands its layers to Spark's workers through its SparkContext's environment; a Spark Connect
session has none, and the server's workers serve every session. A run therefore adds, as a file artifact of its
session, a listing of its layers (``connect_layers``); this daemon (``spark.python.daemon.module``) has each task put
on ``sys.path`` the layers of the session whose job it runs, found by the session id in the job's tags, after taking
away those of the session a reused worker ran before (and the modules imported from them), as notebook-scoped
libraries reach the executors of serverless compute and no other notebook's.
"""

from __future__ import annotations

import glob
import importlib
import os
import re
import sys
from typing import IO

import pyspark.worker as worker
from pyspark.worker_util import add_path

from mlops_engine.local.spark.connect_layers import LISTING_PREFIX

SESSION_TAG = re.compile(r"_Session_([0-9a-f-]{36})_")
_original_setup = worker.setup_spark_files
_added: list[str] = []
"""The layer folders this worker put on ``sys.path`` for the task before."""


def session_layers(files_dir: str, job_tags: str) -> list[str]:
    """The layers of the session named in ``job_tags``: its newest listing in ``files_dir``, newest layer first."""
    session = SESSION_TAG.search(job_tags or "")
    if session is None or not files_dir:
        return []
    listings = sorted(glob.glob(os.path.join(glob.escape(files_dir), f"{LISTING_PREFIX}{session.group(1)}-*.txt")))
    if not listings:
        return []
    with open(listings[-1], encoding="utf-8") as listing:
        return [line for line in listing.read().splitlines() if line]


def _forget(folders: list[str]) -> None:
    """Take ``folders`` off ``sys.path`` and drop the modules imported from them."""
    for folder in folders:
        while folder in sys.path:
            sys.path.remove(folder)
    prefixes = tuple(os.path.join(folder, "") for folder in folders)
    for name, module in list(sys.modules.items()):
        if prefixes and str(getattr(module, "__file__", None) or "").startswith(prefixes):
            del sys.modules[name]


def setup_spark_files(infile: IO[bytes]) -> None:
    """Spark's own set-up of the task's files, then the task's session's layers first on ``sys.path``."""
    _original_setup(infile)
    from pyspark import TaskContext
    from pyspark.core.files import SparkFiles

    context = TaskContext.get()
    wanted = session_layers(SparkFiles._root_directory or "",
                            context.getLocalProperty("spark.job.tags") if context is not None else "")
    if wanted != _added:
        _forget([folder for folder in _added if folder not in wanted])
        for folder in reversed(wanted):
            add_path(folder)
        _added[:] = wanted
        importlib.invalidate_caches()


worker.setup_spark_files = setup_spark_files

if __name__ == "__main__":
    from pyspark import daemon

    daemon.manager()
