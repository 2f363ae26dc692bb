"""``run_timeout_minutes`` means the same on both targets: 0 is refused before anything is submitted, never read as
the default (Databricks reads a timeout of 0 as none)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_databricks import FakeDatabricks

from mlops_engine.commands.run import submit_and_wait
from mlops_engine.databricks.target import open_databricks_target
from mlops_engine.errors import UserError
from mlops_engine.local.target import open_local_target
from mlops_engine.settings import LocalSettings, Settings


def settings(tmp_path: Path, minutes: float) -> Settings:
    return Settings(
        project_dir=tmp_path, workspace_root="/Projects/P", notebooks_package="forecasting", library_name="mlib",
        library_format="wheel", training_notebook="ModelTraining", default_config="dev", release_branch="master",
        target="databricks", runtime="18-lts-ml",
        local=LocalSettings(tmp_path / ".workspace", tmp_path / ".runs", tmp_path / ".mlflow",
                            run_timeout_minutes=minutes),
        databricks={"run_timeout_minutes": minutes, "compute": {"serverless": True}},
    )


def test_a_zero_run_timeout_is_refused_alike_on_both_targets_before_a_run_is_submitted(
        fake: FakeDatabricks, sdk_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", fake.host)
    monkeypatch.setenv("DATABRICKS_TOKEN", fake.token)
    for target in (open_databricks_target(settings(tmp_path, 0)), open_local_target(settings(tmp_path, 0))):
        assert target.run_timeout_seconds == 0
        with pytest.raises(UserError, match=rf"run_timeout_minutes of the {target.name} target .* gives 0 s"):
            submit_and_wait(target, "/Projects/P/x", "r", {}, (), lambda status, elapsed: None, print)
    assert not [path for _, path in fake.calls() if "runs/submit" in path]
