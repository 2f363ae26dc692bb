"""A class-data-sharing archive of Spark's JVM: local Spark starts in about half the time and CPU with it.

A Spark driver loads some 15,000 classes before its first answer. Java's AppCDS (JDK 13+) maps them from
an archive instead of parsing and verifying each jar's classes again. The archive is made once per machine
(per Java, pyspark and its jars) in the user's cache folder, by a Spark session that runs typical local work
(``mlops_engine/local/class_archive_record.py``; ``invoke ci`` and ``invoke test`` have it made when it is missing).
A JVM that cannot use it (another JDK, a changed classpath) starts as before: the archive only ever saves time.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import os
import pwd
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

CACHE_ENV = "XDG_CACHE_HOME"
QUIET = "-Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off"
"""Options of every JVM mapping the archive: use it when it fits, say nothing when it does not."""


def _java() -> Path | None:
    home, on_path = os.environ.get("JAVA_HOME"), shutil.which("java")
    found = Path(home) / "bin" / "java" if home else Path(on_path) if on_path else None
    return found.resolve() if found is not None and found.is_file() else None


def archive_path() -> Path | None:
    """Where this machine's archive is (or will be) for the Java and pyspark in use; None without Java."""
    java = _java()
    if java is None:
        return None
    import pyspark

    jars = Path(pyspark.__file__).parent / "jars"
    delta = importlib.metadata.version("delta-spark")  # Delta's jars are on the archived class path too
    key = hashlib.sha256("|".join([str(java), str(java.stat().st_mtime_ns), pyspark.__version__, str(jars),
                                   delta]).encode())
    # The account's home, not $HOME: local runs give each run a HOME of its own.
    cache = Path(os.environ.get(CACHE_ENV) or Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache")
    return cache / "mlops-spark-classes" / f"{key.hexdigest()[:16]}.jsa"


def java_options() -> str:
    """JVM options that map the archive, or "" while there is none."""
    path = archive_path()
    return f"-XX:SharedArchiveFile={path} {QUIET}" if path is not None and path.is_file() else ""


def ensure_archive(write: Callable[[str], object] = print) -> Path | None:
    """Make the archive if this machine has none yet (about 20 s, once); None when it cannot be made."""
    path = archive_path()
    if path is None or path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / "lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process making it: wait for it rather than make it twice
        if path.is_file():
            return path
        started = time.monotonic()
        write(f"preparing Spark's class archive once for this machine ({path.parent}) ...")
        scratch = path.with_suffix(f".{os.getpid()}.tmp")
        done = subprocess.run([sys.executable, "-m", "mlops_engine.local.spark.class_archive_record", str(scratch)],
                              capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
        if done.returncode != 0 or not scratch.is_file():
            scratch.unlink(missing_ok=True)
            write(f"Spark's class archive could not be made; Spark starts without it:\n{done.stdout[-2000:]}")
            return None
        os.replace(scratch, path)
        write(f"Spark's class archive ready in {time.monotonic() - started:.0f} s")
    return path
