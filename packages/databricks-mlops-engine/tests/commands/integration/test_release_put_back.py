"""``invoke deploy --env production`` that fails half-way, notebooks already written: production is put back to the
previous release, the error is one line, and the deployment history says failed. On both targets.

Each test releases v1, then a v2 (a changed notebook, a new one, a changed library, bumped or not) whose release fails
after some writes: on databricks the fake workspace answers 500 to the N-th import, on the local target a folder
stands where v2's new notebook goes. The workspace tree (every folder, notebook and file with its content) is the
same after the failed release as before it.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from fake_databricks import FakeDatabricks
from sample import SAMPLE_DIR, git

ROOT = "/Projects/Sample"
VOLUME = "/Volumes/main/mlops/libs"
HEADER = "# Databricks notebook source\n"
PIPELINE_VARIABLES = ("BUILD_BUILDID", "GITHUB_RUN_ID", "BUILD_SOURCEVERSION", "GITHUB_SHA", "BUILD_SOURCEBRANCHNAME",
                      "GITHUB_REF_NAME")
Tree = dict[str, object]


@pytest.fixture
def project(tmp_path: Path, sdk_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample project on master, committed, its production environment deployable from this machine."""
    for name in PIPELINE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    root = tmp_path / "project"
    shutil.copytree(SAMPLE_DIR, root, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "dist", "build"))
    (root / "tasks.py").write_text("from mlops_engine.tasks import ns\n")
    config = yaml.safe_load((root / "invoke.yaml").read_text())
    config["mlops"]["environments"]["production"]["approvals"] = "none"
    (root / "invoke.yaml").write_text(yaml.safe_dump(config))
    (root / ".gitignore").write_text("dist/\nbuild/\n*.egg-info/\n.workspace/\n.mlflow/\n.runs/\n.mlops/\n")
    git(root, "init", "-q", "-b", "master")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "v1")
    return root


def invoke(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=project, capture_output=True, text=True,
                          check=False, timeout=300)


def release(project: Path, target: str) -> subprocess.CompletedProcess[str]:
    return invoke(project, "deploy", "--env", "production", "--target", target)


def commit_v2(project: Path, *, bump: bool) -> None:
    """A changed notebook and library, a new notebook; with ``bump`` a new library version (a new wheel name)."""
    training = project / "notebooks" / "ModelTraining.py"
    training.write_text(training.read_text() + "\nprint('v2')\n")
    (project / "notebooks" / "Scoring.py").write_text(HEADER + "print('scoring v2')\n")
    library = project / "src" / "samplelib" / "__init__.py"
    library.write_text(library.read_text().replace("VALUE = 42", "VALUE = 43"))
    if bump:
        pyproject = project / "pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace('version = "0.1.0"', 'version = "0.2.0"'))
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "v2")


def assert_failed_in_one_line_and_recorded(project: Path, target: str,
                                           failed: subprocess.CompletedProcess[str]) -> None:
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert failed.stderr.startswith("error: the release to production failed, and production was put back to the "
                                    "previous release: "), failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1 and "Traceback" not in failed.stderr, failed.stderr
    history = invoke(project, "deployments", "--env", "production", "--target", target)
    assert history.returncode == 0, history.stderr
    newest, previous = history.stdout.splitlines()[1:3]
    assert newest.split()[2:4] == ["failed", "deploy"] and previous.split()[2] == "succeeded", history.stdout


def fake_tree(fake: FakeDatabricks) -> Tree:
    """Every folder, notebook and file under the project's root, and every library file in the volume."""
    with fake._lock:
        tree: Tree = {path: (obj.object_type, obj.content) for path, obj in fake.workspace.objects.items()
                      if path.startswith(ROOT)}
        return tree | {path: content for path, (content, _modified) in fake.volumes.files.items()}


def local_tree(project: Path) -> Tree:
    top = project / ".workspace" / ROOT.lstrip("/")
    return {str(path.relative_to(top)): path.read_bytes() if path.is_file() else "folder" for path in top.rglob("*")}


def libraries_in_a_volume(project: Path, fake: FakeDatabricks) -> None:
    fake.volumes.create_volume(VOLUME)
    config = yaml.safe_load((project / "invoke.yaml").read_text())
    config["mlops"]["databricks"].update(library_store="volume", library_volume=VOLUME)
    (project / "invoke.yaml").write_text(yaml.safe_dump(config))
    git(project, "commit", "-q", "-am", "libraries in a volume")


@pytest.mark.parametrize(("bump", "store"), [(True, "workspace"), (False, "workspace"), (False, "volume")],
                         ids=["new-version", "same-version", "same-version-in-a-volume"])
def test_a_databricks_release_failing_on_the_third_import_leaves_the_previous_release(
    project: Path, fake: FakeDatabricks, monkeypatch: pytest.MonkeyPatch, bump: bool, store: str
) -> None:
    if store == "volume":
        libraries_in_a_volume(project, fake)
    monkeypatch.setenv("DATABRICKS_HOST", fake.host)
    monkeypatch.setenv("DATABRICKS_TOKEN", fake.token)
    first = release(project, "databricks")
    assert first.returncode == 0, first.stderr
    commit_v2(project, bump=bump)
    before = fake_tree(fake)
    # (the library,) one notebook, then a 500: the other notebooks are being written at the same time
    fake.inject(500, 1, path_prefix="/api/2.0/workspace/import", method="POST", skip=2 if store == "workspace" else 1)

    failed = release(project, "databricks")

    assert fake_tree(fake) == before
    assert_failed_in_one_line_and_recorded(project, "databricks", failed)
    assert "INTERNAL_ERROR" in failed.stderr


@pytest.mark.parametrize("bump", [True, False], ids=["new-version", "same-version"])
def test_a_local_release_failing_half_way_leaves_the_previous_release(project: Path, bump: bool) -> None:
    first = release(project, "local")
    assert first.returncode == 0, first.stderr
    commit_v2(project, bump=bump)
    (project / ".workspace" / ROOT.lstrip("/") / "master" / "Scoring").mkdir()  # where v2's new notebook goes
    before = local_tree(project)

    failed = release(project, "local")

    assert local_tree(project) == before
    assert_failed_in_one_line_and_recorded(project, "local", failed)
    assert "IsADirectoryError" in failed.stderr


def test_sigterm_after_the_library_was_replaced_leaves_the_previous_release(
    project: Path, fake: FakeDatabricks, monkeypatch: pytest.MonkeyPatch
) -> None:
    libraries_in_a_volume(project, fake)
    monkeypatch.setenv("DATABRICKS_HOST", fake.host)
    monkeypatch.setenv("DATABRICKS_TOKEN", fake.token)
    first = release(project, "databricks")
    assert first.returncode == 0, first.stderr
    commit_v2(project, bump=False)
    before = fake_tree(fake)
    # the new library is in the volume; the first notebook's import hangs a few seconds, then its connection drops
    fake.inject(0, 1, path_prefix="/api/2.0/workspace/import", method="POST", stall=3)

    releasing = subprocess.Popen([sys.executable, "-m", "invoke", "deploy", "--env", "production", "--target",
                                  "databricks"], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not fake.stalled and releasing.poll() is None:
        time.sleep(0.05)
    releasing.send_signal(signal.SIGTERM)
    _stdout, stderr = releasing.communicate(timeout=60)

    assert releasing.returncode == 130, stderr
    assert stderr.strip() == "interrupted; anything started was stopped", stderr
    assert fake_tree(fake) == before
    history = invoke(project, "deployments", "--env", "production", "--target", "databricks")
    assert history.stdout.splitlines()[1].split()[2] == "failed", history.stdout
