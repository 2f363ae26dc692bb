"""Delta's jars are fetched once, checked against their SHA-1, from the cache, the local Maven repository or the
repository ``MLOPS_MAVEN_REPOSITORY`` names; a machine that reaches none is told what to fetch and how."""

from __future__ import annotations

import hashlib
import importlib.metadata
from pathlib import Path

import pytest

from mlops_engine.errors import UserError
from mlops_engine.local.spark import delta_jars as jars


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(jars, "_local_maven", lambda: tmp_path / "no-m2")
    return tmp_path


def publish(repository: Path, artifact: jars.Artifact, data: bytes, checksum: str | None = None) -> None:
    """A jar and its SHA-1 in ``repository``, laid out as Maven lays them out."""
    jar = repository / artifact.path
    jar.parent.mkdir(parents=True, exist_ok=True)
    jar.write_bytes(data)
    jar.with_name(jar.name + ".sha1").write_text(checksum or hashlib.sha1(data).hexdigest())  # noqa: S324


def test_the_jars_are_those_of_the_installed_delta_spark() -> None:
    version = importlib.metadata.version("delta-spark")
    assert [a.coordinates for a in jars.delta_artifacts()] == [f"io.delta:delta-spark_2.13:{version}",
                                                                f"io.delta:delta-storage:{version}"]


def test_an_unreachable_repository_fails_naming_the_coordinates_and_the_way_out(
        empty_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(jars.REPOSITORY_ENV, "http://127.0.0.1:9/maven2")
    with pytest.raises(UserError) as refused:
        jars.delta_jars()
    message = str(refused.value)
    assert "io.delta:delta-spark_2.13:" in message and "io.delta:delta-storage:" in message
    assert "http://127.0.0.1:9/maven2" in message and "set MLOPS_MAVEN_REPOSITORY" in message
    assert not list((empty_cache / "cache").rglob("*.jar"))


def test_a_folder_repository_fills_the_cache_and_the_cache_serves_afterwards(
        empty_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = empty_cache / "mirror"
    for artifact in jars.delta_artifacts():
        publish(mirror, artifact, f"jar of {artifact.name}".encode())
    monkeypatch.setenv(jars.REPOSITORY_ENV, str(mirror))
    first = jars.delta_jars()
    assert [path.read_bytes() for path in first] == [f"jar of {a.name}".encode() for a in jars.delta_artifacts()]
    monkeypatch.setenv(jars.REPOSITORY_ENV, "http://127.0.0.1:9/maven2")  # no repository needed any more
    assert jars.delta_jars() == first


def test_a_jar_that_does_not_match_its_checksum_is_refused(empty_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = empty_cache / "mirror"
    for artifact in jars.delta_artifacts():
        publish(mirror, artifact, b"tampered", checksum="0" * 40)
    monkeypatch.setenv(jars.REPOSITORY_ENV, str(mirror))
    with pytest.raises(UserError, match="does not match its SHA-1"):
        jars.delta_jars()
    assert not list((empty_cache / "cache").rglob("*.jar"))
