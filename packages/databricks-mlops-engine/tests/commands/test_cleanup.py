"""``clean``: a branch folder, and CI folders untouched for more than N days, on either target."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from databricks.sdk import WorkspaceClient
from fake_databricks import FakeDatabricks

from mlops_engine.commands.clean import remove_branch_folder, remove_stale_ci_folders, stale_ci_folders
from mlops_engine.databricks.workspace import DatabricksWorkspace
from mlops_engine.errors import UserError
from mlops_engine.local.filesystem.workspace import LocalWorkspace

ROOT = "/Projects/DF"
NOW = 1_800_000_000.0
DAY = 86_400


@pytest.fixture
def workspace(client: WorkspaceClient) -> DatabricksWorkspace:
    return DatabricksWorkspace(client)


def age(fake: FakeDatabricks, folder: str, days: float) -> None:
    for path, obj in fake.workspace.objects.items():
        if path == folder or path.startswith(folder + "/"):
            obj.modified_at = int((NOW - days * DAY) * 1000)


def test_remove_a_branch_folder(fake: FakeDatabricks, workspace: DatabricksWorkspace):
    fake.add_notebook(f"{ROOT}/BI-1/conf/dev_config")
    assert remove_branch_folder(workspace, ROOT, "BI-1") == f"{ROOT}/BI-1"
    assert f"{ROOT}/BI-1" not in fake.workspace.objects
    assert remove_branch_folder(workspace, ROOT, "BI-1") is None


@pytest.mark.parametrize("branch", ["master", "CI", "libraries", "../x"])
def test_reserved_folders_are_never_removed(fake: FakeDatabricks, workspace: DatabricksWorkspace, branch: str):
    with pytest.raises(UserError):
        remove_branch_folder(workspace, ROOT, branch)
    assert fake.calls() == []


def test_ci_folders_older_than_n_days_go_the_rest_stay(fake: FakeDatabricks, workspace: DatabricksWorkspace):
    for build, days in [("10-master", 30), ("11-BI-1", 8), ("12-BI-2", 1)]:
        fake.add_notebook(f"{ROOT}/CI/{build}/ModelTraining")
        age(fake, f"{ROOT}/CI/{build}", days)
    fake.add_notebook(f"{ROOT}/CI/11-BI-1/conf/ci_config")
    age(fake, f"{ROOT}/CI/11-BI-1/conf", 2)
    fake.add_notebook(f"{ROOT}/master/ModelTraining")
    age(fake, f"{ROOT}/master", 90)

    removed = remove_stale_ci_folders(workspace, ROOT, older_than_days=7, now=NOW)

    assert removed == [f"{ROOT}/CI/10-master"]
    assert {f"{ROOT}/CI/11-BI-1", f"{ROOT}/CI/12-BI-2", f"{ROOT}/master"} <= set(fake.workspace.objects)


def test_no_ci_folder_is_nothing_to_do(workspace: DatabricksWorkspace):
    assert remove_stale_ci_folders(workspace, ROOT, older_than_days=7, now=NOW) == []


def test_negative_days_are_refused():
    with pytest.raises(UserError, match="0 or more"):
        stale_ci_folders({}, NOW, -1)


def test_the_local_target_ages_folders_by_file_times(tmp_path: Path):
    local = LocalWorkspace(tmp_path)
    for build, days in [("1-old", 10), ("2-new", 1)]:
        local.import_notebook(f"{ROOT}/CI/{build}/ModelTraining", b"print(1)\n")
        for file in (tmp_path / ROOT.lstrip("/") / "CI" / build).rglob("*"):
            os.utime(file, (NOW - days * DAY, NOW - days * DAY))
        os.utime(tmp_path / ROOT.lstrip("/") / "CI" / build, (NOW - days * DAY, NOW - days * DAY))

    assert remove_stale_ci_folders(local, ROOT, 7, now=NOW) == [f"{ROOT}/CI/1-old"]
    assert local.exists(f"{ROOT}/CI/2-new") and not local.exists(f"{ROOT}/CI/1-old")
