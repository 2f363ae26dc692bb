"""Checks before the local target starts anything: the Java that PySpark local mode needs (the runtime's Python and
libraries are checked by ``mlops_engine.runtimes``)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

from mlops_engine.errors import UserError

MIN_JAVA = 17


def java_major(version_output: str) -> int | None:
    """The major version in ``java -version`` output ("17.0.15", "1.8.0_392" -> 8), or None."""
    found = re.search(r'version "(\d+)(?:\.(\d+))?', version_output)
    if not found:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def check_java() -> None:
    """Refuse to start Spark without Java 17 or newer, saying what to install."""
    java_home = os.environ.get("JAVA_HOME")
    java = os.path.join(java_home, "bin", "java") if java_home else shutil.which("java")
    if not java or not os.path.exists(java):
        raise UserError("Java not found: PySpark local mode needs Java 17 or newer "
                        "(e.g. apt-get install openjdk-17-jre-headless, or set JAVA_HOME)")
    result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    major = java_major(result.stderr + result.stdout)
    if major is None or major < MIN_JAVA:
        raise UserError(f"Java {major or '(unknown version)'} at {java}: PySpark local mode needs Java "
                        f"{MIN_JAVA} or newer (install it or point JAVA_HOME at it)")
