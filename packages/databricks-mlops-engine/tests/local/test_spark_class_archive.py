"""Spark's class archive is per machine cache, keyed by Java and pyspark, and only used when it exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_engine.spark_class_archive import QUIET, archive_path, java_options


def test_no_archive_means_no_options_and_an_archive_is_mapped_quietly(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = archive_path()
    assert path is not None and path.is_relative_to(tmp_path) and path.suffix == ".jsa"
    assert java_options() == ""
    path.parent.mkdir(parents=True)
    path.write_bytes(b"archive")
    assert java_options() == f"-XX:SharedArchiveFile={path} {QUIET}"


def test_another_java_has_another_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = archive_path()
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\n")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    assert archive_path() not in (None, first)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    assert archive_path() is None
