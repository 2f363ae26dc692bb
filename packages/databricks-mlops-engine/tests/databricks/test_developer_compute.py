"""A developer's compute in invoke.local.yaml replaces the team's whole, through the real command line against the
fake workspace: ``{serverless: true}`` runs on serverless, a bare ``serverless`` is refused in one line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fake_databricks import FakeDatabricks
from sample import SAMPLE_DIR


def project(tmp_path: Path, overrides: str) -> Path:
    """The sample project (its invoke.yaml names a new_cluster), a built library, and the developer's overrides."""
    project_dir = tmp_path / "project"
    shutil.copytree(SAMPLE_DIR, project_dir, ignore=shutil.ignore_patterns(".workspace", ".runs", ".mlflow", ".mlops",
                                                                           "__pycache__", "*.egg-info", "dist"))
    (project_dir / "tasks.py").write_text("from mlops_engine.tasks import ns\n")
    (project_dir / "dist").mkdir()
    (project_dir / "dist" / "samplelib-0.1.0-py3-none-any.whl").write_bytes(b"wheel")
    (project_dir / "invoke.local.yaml").write_text(overrides)
    return project_dir


def invoke(project_dir: Path, fake: FakeDatabricks, *args: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("DATABRICKS_", "INVOKE_", "BUILD_", "GITHUB_"))}
    env.update(DATABRICKS_HOST=fake.host, DATABRICKS_TOKEN=fake.token, HOME=str(project_dir.parent),
               DATABRICKS_CONFIG_FILE=str(project_dir.parent / "databrickscfg"))
    return subprocess.run([sys.executable, "-m", "invoke", *args, "--target", "databricks"], cwd=project_dir, env=env,
                          capture_output=True, text=True, check=False, timeout=300)


def test_a_developer_s_serverless_replaces_the_team_s_cluster(fake: FakeDatabricks, tmp_path: Path) -> None:
    project_dir = project(tmp_path, "mlops:\n  databricks:\n    compute: {serverless: true}\n")
    sent = invoke(project_dir, fake, "send", "--branch", "feat")
    assert sent.returncode == 0, sent.stderr
    ran = invoke(project_dir, fake, "run", "--branch", "feat")
    assert ran.returncode == 0, ran.stderr
    (submitted,) = fake.jobs.runs.values()
    assert not {"new_cluster", "existing_cluster_id", "libraries"} & set(submitted.task), submitted.task


@pytest.mark.parametrize("compute", ["serverless", "'true'"])
def test_a_bare_word_for_compute_is_refused_in_one_line_before_anything_is_sent(fake: FakeDatabricks, tmp_path: Path,
                                                                                compute: str) -> None:
    project_dir = project(tmp_path, f"mlops:\n  databricks:\n    compute: {compute}\n")
    sent = invoke(project_dir, fake, "send", "--branch", "feat")
    assert sent.returncode == 1
    assert sent.stderr.strip().splitlines() == [
        f"error: {project_dir / 'invoke.local.yaml'}: mlops.databricks.compute: expected a mapping such as "
        f"{{serverless: true}} or {{existing_cluster_id: ...}}, got {compute.strip(chr(39))!r}"], sent.stderr
    assert not fake.calls()
