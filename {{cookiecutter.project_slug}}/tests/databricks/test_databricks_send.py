"""``send`` on the databricks target: tooling.sync.send driving DatabricksWorkspace against the fake."""

from __future__ import annotations

from pathlib import Path

import pytest
from databricks.sdk import WorkspaceClient

from tooling.databricks.target import snapshot_dir
from tooling.databricks.workspace import DatabricksWorkspace
from tooling.errors import UserError
from tooling.layout import branch_folder
from tooling.package import check_config, collect_package, set_environment_notebook, with_set_environment
from tooling.sync import sync_folder as send
from tooling.target.snapshot import Snapshot

ROOT = "/Projects/DemandForecasting"
HEADER = "# Databricks notebook source\n"
PACKAGE = {
    "conf/production_config.py": HEADER + "DATA = 'prod'\n",
    "conf/dev_config.py": HEADER + "# MAGIC %run ./production_config\n",
    "conf/ci_config.py": HEADER + "# MAGIC %run ./production_config\n",
    "set_environment.py": HEADER + "# MAGIC %run ./conf/production_config\n",
    "ModelTraining.py": HEADER + "print('train')\n",
    "ModelEvaluation.py": HEADER + "print('evaluate')\n",
    "helpers/params.json": '{"alpha": 1}\n',
    "helpers/plain_module.py": "VALUE = 1\n",
}


@pytest.fixture
def package(tmp_path: Path) -> Path:
    folder = tmp_path / "forecasting"
    for relative, text in PACKAGE.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text)
    return folder


@pytest.fixture
def workspace(client: WorkspaceClient) -> DatabricksWorkspace:
    return DatabricksWorkspace(client)


def send_branch(workspace: DatabricksWorkspace, package: Path, tmp_path: Path, *, full: bool = False):
    folder = branch_folder(ROOT, "BI-4811")
    items = collect_package(package)
    check_config(items, "dev_config")
    items = with_set_environment(items, set_environment_notebook("dev_config"))
    return send(workspace, items, folder, snapshot(workspace, tmp_path, folder), full=full, parallelism=4)


def snapshot(workspace: DatabricksWorkspace, project_dir: Path, folder: str):
    return Snapshot(snapshot_dir(project_dir, workspace.host) / (folder.strip("/").replace("/", "__") + ".json"))


def test_full_send_imports_notebooks_without_py_and_the_developer_set_environment(fake, workspace, package, tmp_path):
    report = send_branch(workspace, package, tmp_path)

    folder = f"{ROOT}/BI-4811"
    kinds = {path.removeprefix(folder + "/"): obj.object_type for path, obj in fake.workspace.objects.items()
             if path.startswith(folder + "/") and obj.object_type != "DIRECTORY"}
    assert kinds == {
        "conf/production_config": "NOTEBOOK", "conf/dev_config": "NOTEBOOK", "conf/ci_config": "NOTEBOOK",
        "set_environment": "NOTEBOOK", "ModelTraining": "NOTEBOOK", "ModelEvaluation": "NOTEBOOK",
        "helpers/params.json": "FILE", "helpers/plain_module.py": "FILE",
    }
    assert fake.workspace.objects[f"{folder}/set_environment"].content.endswith(b"%run ./conf/dev_config\n")
    assert (report.uploaded, report.deleted) == (8, 0) and report.url == f"{fake.host}/#workspace{folder}"


def test_unchanged_resend_makes_at_most_three_calls(fake, workspace, package, tmp_path):
    send_branch(workspace, package, tmp_path)
    fake.clear_log()

    report = send_branch(workspace, package, tmp_path)

    assert report.uploaded == 0 and len(fake.calls()) <= 3
    assert fake.calls() == [("GET", "/api/2.0/workspace/get-status")]


def test_changes_and_local_deletions_are_mirrored(fake, workspace, package, tmp_path):
    send_branch(workspace, package, tmp_path)
    (package / "ModelEvaluation.py").unlink()
    (package / "ModelTraining.py").write_text(HEADER + "print('train v2')\n")
    fake.clear_log()

    report = send_branch(workspace, package, tmp_path)

    assert (report.uploaded, report.deleted) == (1, 1)
    assert f"{ROOT}/BI-4811/ModelEvaluation" not in fake.workspace.objects
    assert fake.workspace.objects[f"{ROOT}/BI-4811/ModelTraining"].content.endswith(b"v2')\n")
    assert sorted(fake.calls()) == [("GET", "/api/2.0/workspace/get-status"), ("POST", "/api/2.0/workspace/delete"),
                                    ("POST", "/api/2.0/workspace/import")]


def test_without_a_snapshot_stale_remote_notebooks_go_and_libraries_stay(fake, workspace, package, tmp_path):
    fake.add_notebook(f"{ROOT}/BI-4811/OldNotebook")
    fake.add_notebook(f"{ROOT}/BI-4811/libraries/keep_me")

    report = send_branch(workspace, package, tmp_path, full=True)

    assert report.deleted == 1 and f"{ROOT}/BI-4811/OldNotebook" not in fake.workspace.objects
    assert f"{ROOT}/BI-4811/libraries/keep_me" in fake.workspace.objects


def test_a_503_storm_at_the_start_still_ends_in_success(fake, workspace, package, tmp_path):
    fake.inject(503, count=6, retry_after=0)

    report = send_branch(workspace, package, tmp_path)

    assert report.uploaded == 8
    statuses = [status for request, status in fake.log if request.path.startswith("/api/")]
    assert statuses[:6] == [503] * 6 and set(statuses[6:]) <= {200, 404}  # 404: listing the not-yet-made folder


@pytest.mark.parametrize("branch", ["master", "CI", "libraries", "../etc", "a b", ""])
def test_reserved_or_bad_branches_are_refused_before_any_call(fake, branch):
    with pytest.raises(UserError):
        branch_folder(ROOT, branch)
    assert fake.calls("/") == []


def test_a_missing_config_is_refused_before_any_call(fake, package):
    with pytest.raises(UserError, match="no config conf/kyle_config; configs: ci_config, dev_config"):
        check_config(collect_package(package), "kyle_config")
    assert fake.calls("/") == []


def test_no_permission_on_the_folder_is_one_line_and_forgets_the_snapshot(fake, workspace, package, tmp_path):
    fake.workspace.read_only.add(ROOT)
    with pytest.raises(UserError, match=f"no permission to create folder {ROOT}/BI-4811 on http"):
        send_branch(workspace, package, tmp_path)
    assert not snapshot(workspace, tmp_path, f"{ROOT}/BI-4811").file.exists()
