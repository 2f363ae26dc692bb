"""``invoke deploy`` of a big library to a Unity Catalog volume when the network to cloud storage fails: one line
saying what failed, the previous wheel still whole in the volume, the upload session aborted; SIGTERM obeyed at once.

The fake workspace plays the faulty network in front of the presigned part URLs: a dropped connection, a 500 on
every attempt, a part that hangs unanswered. The library is big enough (above the SDK's 50 MiB) to be sent in parts.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from fake_databricks import FakeDatabricks
from sample import SAMPLE_DIR

MIB = 1024 * 1024
VOLUME = "/Volumes/main/mlops/libs"
WHEEL = "samplelib-0.1.0-py3-none-any.whl"
LOCATION = f"{VOLUME}/Projects/Sample/BI-1/libraries/{WHEEL}"
PREVIOUS = b"the previous complete wheel"
PART_PUT = {"path_prefix": "/storage/uploads/", "method": "PUT"}


@pytest.fixture
def project(tmp_path: Path, fake: FakeDatabricks, sdk_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample project set to keep libraries in a volume of the fake, a 60 MiB build in dist/, and the volume
    holding the previous build of that name."""
    root = tmp_path / "project"
    shutil.copytree(SAMPLE_DIR, root, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "dist", "build"))
    (root / "tasks.py").write_text("from mlops_engine.tasks import ns\n")
    config = yaml.safe_load((root / "invoke.yaml").read_text())
    config["mlops"]["databricks"].update(library_store="volume", library_volume=VOLUME, retry_timeout_seconds=30)
    (root / "invoke.yaml").write_text(yaml.safe_dump(config))
    (root / "dist").mkdir()
    (root / "dist" / WHEEL).write_bytes(os.urandom(MIB) * 60)
    fake.volumes.create_volume(VOLUME)
    fake.volumes.store(LOCATION, PREVIOUS)
    monkeypatch.setenv("DATABRICKS_HOST", fake.host)
    monkeypatch.setenv("DATABRICKS_TOKEN", fake.token)
    return root


def deploy(project: Path) -> subprocess.Popen[str]:
    """``invoke deploy`` of the built library into the branch's libraries folder on the databricks target."""
    return subprocess.Popen([sys.executable, "-m", "invoke", "deploy", "--branch", "BI-1", "--target", "databricks"],
                            cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def assert_nothing_changed(fake: FakeDatabricks) -> None:
    assert fake.volumes.files[LOCATION][0] == PREVIOUS, "the previous wheel was replaced by a partial one"
    assert fake.volumes.uploads.sessions == {}, "the upload session was left open"
    assert fake.volumes.uploads.completed == []


@pytest.mark.parametrize(("status", "drop", "said"), [
    (0, True, "the connection to cloud storage was dropped or refused, also when retried"),
    (500, False, "cloud storage answered HTTP 500"),
    (503, False, "cloud storage answered HTTP 503, also when retried"),
], ids=["dropped", "500", "503"])
def test_a_part_that_keeps_failing_is_one_line_and_the_previous_wheel_stays(
    fake: FakeDatabricks, project: Path, status: int, drop: bool, said: str
) -> None:
    fake.inject(status, 100, skip=1, retry_after=None, drop=drop, **PART_PUT)  # the first part passes, then none

    stdout, stderr = deploy(project).communicate(timeout=120)

    assert stderr.startswith(f"error: could not upload library {LOCATION} on {fake.host}: {said}"), stderr
    assert f"so {LOCATION} is as it was; try again" in stderr, stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr, stderr
    assert_nothing_changed(fake)


def test_sigterm_during_a_stalled_part_aborts_the_upload_and_exits_at_once(fake: FakeDatabricks,
                                                                          project: Path) -> None:
    fake.inject(0, 1, skip=1, stall=300, **PART_PUT)
    deploying = deploy(project)
    while not fake.stalled and deploying.poll() is None:
        time.sleep(0.05)
    assert deploying.poll() is None, deploying.communicate()

    deploying.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    stdout, stderr = deploying.communicate(timeout=60)
    took = time.monotonic() - signalled

    assert deploying.returncode == 130, stderr
    assert stderr.strip() == "interrupted; anything started was stopped", stderr
    assert took < 2, f"exited {took:.1f} s after SIGTERM"
    assert_nothing_changed(fake)
    assert ("DELETE", "/storage/uploads/") in [(r.method, r.path[:17]) for r in fake.requests]
