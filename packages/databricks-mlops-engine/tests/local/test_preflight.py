"""Preflight checks name what to install."""

from __future__ import annotations

import pytest

from mlops_engine.errors import UserError
from mlops_engine.local.runs.preflight import check_java, java_major


@pytest.mark.parametrize(("output", "major"), [
    ('openjdk version "17.0.15" 2025-04-15', 17),
    ('java version "1.8.0_392"', 8),
    ('openjdk version "21" 2023-09-19', 21),
    ("garbage", None),
])
def test_java_major_reads_both_version_schemes(output: str, major: int | None) -> None:
    assert java_major(output) == major


def test_missing_java_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(UserError, match="Java not found.*Java 17"):
        check_java()
