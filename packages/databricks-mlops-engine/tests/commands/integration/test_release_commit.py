"""A production release ships only a commit on the release branch, whatever the pipeline variables say: through the
real ``invoke deploy --env production`` in a git clone of the sample project, on the local target."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sample import SAMPLE_DIR, commit_all, git

MASTER = Path(".workspace/Projects/Sample/master")
OUTSIDE = ("DATABRICKS_", "INVOKE_", "BUILD_", "GITHUB_", "TF_BUILD", "MLFLOW_")


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """The sample project pushed on master."""
    repo = tmp_path / "origin"
    shutil.copytree(SAMPLE_DIR, repo, ignore=shutil.ignore_patterns(".*", "__pycache__", "*.egg-info", "dist"))
    (repo / "tasks.py").write_text("from mlops_engine.tasks import ns\n")
    (repo / ".gitignore").write_text("dist/\nbuild/\n*.egg-info/\n.workspace/\n.mlflow/\n.runs/\n.mlops/\n")
    git(repo, "init", "-q", "-b", "master")
    commit_all(repo, "first")
    return repo


def clone(origin: Path, tmp_path: Path) -> Path:
    """A checkout of origin with the library already built in dist/ (the pipeline's artifact)."""
    checkout = tmp_path / "checkout"
    git(tmp_path, "clone", "-q", str(origin), str(checkout))
    (checkout / "dist").mkdir()
    (checkout / "dist" / "samplelib-0.1.0-py3-none-any.whl").write_bytes(b"wheel")
    return checkout


def deploy(checkout: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(OUTSIDE)}
    return subprocess.run([sys.executable, "-m", "invoke", "deploy", "--env", "production", "--target", "local",
                           "--prebuilt"], cwd=checkout, env={**env, **variables}, capture_output=True, text=True,
                          check=False, timeout=300)


def test_forged_pipeline_variables_do_not_ship_a_feature_commit(origin: Path, tmp_path: Path) -> None:
    laptop = clone(origin, tmp_path)
    git(laptop, "checkout", "-q", "-b", "feature")
    training = laptop / "notebooks" / "ModelTraining.py"
    training.write_text(training.read_text() + "print('unreviewed')\n")
    feature = commit_all(laptop, "unreviewed")

    done = deploy(laptop, BUILD_BUILDID="999", BUILD_SOURCEBRANCHNAME="master")

    assert done.returncode == 1
    assert done.stderr.strip() == (f"error: {feature[:10]} is not on master, whatever the branch variables say; "
                                   "production takes only commits merged into master: merge and release from there "
                                   "(or --force)")
    assert not (laptop / MASTER).exists() and not (laptop / ".mlflow").exists()


def test_a_pipeline_s_detached_checkout_knowing_master_only_as_origin_s_releases(origin: Path,
                                                                                 tmp_path: Path) -> None:
    agent = clone(origin, tmp_path)
    git(agent, "checkout", "-q", "--detach", "origin/master")
    git(agent, "branch", "-q", "-D", "master")

    done = deploy(agent, BUILD_BUILDID="41", BUILD_SOURCEBRANCHNAME="master")

    assert done.returncode == 0, done.stderr
    assert "samplelib" in (agent / MASTER / "ModelTraining").read_text()


def test_a_shallow_checkout_of_one_commit_releases_only_the_commit_its_pipeline_builds(origin: Path,
                                                                                       tmp_path: Path) -> None:
    agent = clone(origin, tmp_path)
    head = git(agent, "rev-parse", "HEAD")
    git(agent, "checkout", "-q", "--detach")
    git(agent, "branch", "-q", "-D", "master")
    git(agent, "update-ref", "-d", "refs/remotes/origin/master")
    variables = {"BUILD_BUILDID": "42", "BUILD_SOURCEBRANCHNAME": "master"}

    refused = deploy(agent, **variables, BUILD_SOURCEVERSION="0" * 40)
    assert refused.returncode == 1 and f"{head[:10]} is not on master" in refused.stderr, refused.stderr
    done = deploy(agent, **variables, BUILD_SOURCEVERSION=head)
    assert done.returncode == 0, done.stderr
    assert (agent / MASTER / "set_environment").is_file()
