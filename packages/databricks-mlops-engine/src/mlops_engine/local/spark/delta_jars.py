"""Delta Lake's jars for the local Spark: resolved once from a Maven repository, then kept in the user's cache.

A Databricks cluster has Delta in its image; locally the ``delta-spark`` Python package brings only its Python
API, and its engine is two jars (``io.delta:delta-spark_<scala>`` and ``io.delta:delta-storage``) of the same
version. They are looked up, in order, in this machine's cache, in the local Maven repository (``~/.m2``) and in
the remote repository ``MLOPS_MAVEN_REPOSITORY`` names (Maven Central unless set: a mirror's URL, or a folder in
Maven's layout), checked against the repository's SHA-1 and stored atomically. Only Delta's own jars are
fetched: everything else Delta needs at run time ships with Spark. A machine that cannot reach any of them is
told so before the first cell, with the coordinates to fetch and where to put them.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import pwd
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from mlops_engine.errors import UserError

REPOSITORY_ENV = "MLOPS_MAVEN_REPOSITORY"
MAVEN_CENTRAL = "https://repo1.maven.org/maven2"
DOWNLOAD_TIMEOUT = 60.0


@dataclass(frozen=True)
class Artifact:
    """One jar by its Maven coordinates."""

    group: str
    name: str
    version: str

    @property
    def coordinates(self) -> str:
        return f"{self.group}:{self.name}:{self.version}"

    @property
    def path(self) -> str:
        """The jar's path in a repository of Maven's layout."""
        return f"{self.group.replace('.', '/')}/{self.name}/{self.version}/{self.name}-{self.version}.jar"


def _scala_version() -> str:
    """The Scala binary version of the installed pyspark's jars (2.13 for Spark 4)."""
    import pyspark

    for jar in (Path(pyspark.__file__).parent / "jars").glob("scala-library-*.jar"):
        return ".".join(jar.stem.removeprefix("scala-library-").split(".")[:2])
    raise UserError("pyspark's jars have no scala-library jar: reinstall pyspark")


def delta_artifacts() -> list[Artifact]:
    """Delta's jars matching the installed ``delta-spark`` Python package."""
    try:
        version = importlib.metadata.version("delta-spark")
    except importlib.metadata.PackageNotFoundError:
        raise UserError("the delta-spark package is not installed: reinstall the project's environment "
                        "(pip install -r requirements-dev.txt)") from None
    return [Artifact("io.delta", f"delta-spark_{_scala_version()}", version),
            Artifact("io.delta", "delta-storage", version)]


def cache_folder() -> Path:
    """The account's cache (not ``$HOME``: local runs give each run a HOME of its own)."""
    home = Path(pwd.getpwuid(os.getuid()).pw_dir)
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "databricks-mlops-engine" / "maven"


def _local_maven() -> Path:
    return Path(pwd.getpwuid(os.getuid()).pw_dir) / ".m2" / "repository"


def _fetch(repository: str, artifact: Artifact, target: Path) -> None:
    """Copy one jar from ``repository`` (a URL or a folder) to ``target``, checked against its SHA-1."""
    if "://" not in repository:
        source = Path(repository).expanduser() / artifact.path
        data, expected = source.read_bytes(), None
        checksum = source.with_name(source.name + ".sha1")
        if checksum.is_file():
            expected = checksum.read_text().split()[0]
    else:
        url = f"{repository.rstrip('/')}/{artifact.path}"
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:  # noqa: S310 - http(s) by design
            data = response.read()
        with urllib.request.urlopen(url + ".sha1", timeout=DOWNLOAD_TIMEOUT) as response:  # noqa: S310
            expected = response.read().decode().split()[0]
    if expected is not None and hashlib.sha1(data).hexdigest() != expected.lower():  # noqa: S324 - Maven's checksum
        raise OSError(f"{artifact.coordinates}: the jar does not match its SHA-1 in {repository}")
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    scratch.write_bytes(data)
    os.replace(scratch, target)


def delta_jars() -> list[Path]:
    """The local paths of Delta's jars, fetched into the cache the first time; a loud error when they cannot be."""
    artifacts = delta_artifacts()
    cache = cache_folder()
    cache.mkdir(parents=True, exist_ok=True)
    jars = [cache / artifact.path for artifact in artifacts]
    if all(jar.is_file() for jar in jars):
        return jars
    remote = os.environ.get(REPOSITORY_ENV) or MAVEN_CENTRAL
    with FileLock(cache / ".lock"):
        for artifact, jar in zip(artifacts, jars, strict=True):
            if jar.is_file():
                continue
            reasons = []
            for repository in (str(_local_maven()), remote):
                try:
                    _fetch(repository, artifact, jar)
                    break
                except (OSError, urllib.error.URLError) as error:
                    reasons.append(f"{repository}: {getattr(error, 'reason', None) or error}")
            else:
                wanted = " ".join(a.coordinates for a in artifacts)
                raise UserError(
                    f"Delta Lake's jars ({wanted}) are not in this machine's cache ({cache}) and could not be fetched "
                    f"({'; '.join(reasons)}). Fetch them once where Maven Central is reachable, or set "
                    f"{REPOSITORY_ENV} to a reachable mirror's URL or to a folder in Maven's layout holding them "
                    f"(e.g. ~/.m2/repository after `mvn dependency:get -Dartifact=<coordinates>`)")
    return jars
