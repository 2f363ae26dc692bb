"""``send`` on the databricks target: mlops_engine.sync.send driving DatabricksWorkspace against the fake."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from databricks.sdk import WorkspaceClient

from mlops_engine.contract.snapshot import Snapshot
from mlops_engine.databricks.target import snapshot_dir
from mlops_engine.databricks.workspace import DatabricksWorkspace
from mlops_engine.errors import UserError
from mlops_engine.layout import branch_folder
from mlops_engine.package import check_config, collect_package, set_environment_notebook, with_set_environment
from mlops_engine.sync import RECORD
from mlops_engine.sync import sync_folder as send

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
    """A send from the machine whose state lives in ``tmp_path``."""
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
        "helpers/params.json": "FILE", "helpers/plain_module.py": "FILE", RECORD: "FILE",
    }
    assert fake.workspace.objects[f"{folder}/set_environment"].content.endswith(b"%run ./conf/dev_config\n")
    assert (report.uploaded, report.deleted) == (8, 0) and report.url == f"{fake.host}/#workspace{folder}"


def test_unchanged_resend_makes_at_most_three_calls_and_writes_nothing(fake, workspace, package, tmp_path):
    send_branch(workspace, package, tmp_path)
    fake.clear_log()

    report = send_branch(workspace, package, tmp_path)

    assert report.uploaded == 0 and len(fake.calls()) <= 3
    assert {call for call in fake.calls()} == {("GET", "/api/2.0/workspace/list")}


def test_unchanged_resend_of_a_single_level_package_from_a_fresh_clone_makes_two_calls(fake, workspace, tmp_path):
    package = tmp_path / "flat"
    package.mkdir()
    (package / "ModelTraining.py").write_text(HEADER + "print('train')\n")
    folder = f"{ROOT}/BI-4811"
    send(workspace, collect_package(package), folder, snapshot(workspace, tmp_path / "me", folder))
    fake.clear_log()

    report = send(workspace, collect_package(package), folder, snapshot(workspace, tmp_path / "clone", folder))

    assert report.uploaded == 0
    assert fake.calls() == [("GET", "/api/2.0/workspace/list"), ("GET", "/api/2.0/workspace/export")]


def test_changes_and_local_deletions_are_mirrored(fake, workspace, package, tmp_path):
    send_branch(workspace, package, tmp_path)
    (package / "ModelEvaluation.py").unlink()
    (package / "ModelTraining.py").write_text(HEADER + "print('train v2')\n")
    fake.clear_log()

    report = send_branch(workspace, package, tmp_path)

    assert (report.uploaded, report.deleted) == (1, 1)
    assert f"{ROOT}/BI-4811/ModelEvaluation" not in fake.workspace.objects
    assert fake.workspace.objects[f"{ROOT}/BI-4811/ModelTraining"].content.endswith(b"v2')\n")
    writes = [(r.method, r.path, r.json.get("path")) for r in fake.requests if r.method == "POST"]
    assert sorted(writes) == [("POST", "/api/2.0/workspace/delete", f"{ROOT}/BI-4811/ModelEvaluation"),
                              ("POST", "/api/2.0/workspace/import", f"{ROOT}/BI-4811/{RECORD}"),
                              ("POST", "/api/2.0/workspace/import", f"{ROOT}/BI-4811/ModelTraining")]


@pytest.mark.parametrize("how", ["first send", "full", "fresh clone", "after an interrupted send", "bad record"])
def test_a_hand_made_notebook_is_never_deleted(fake, workspace, package, tmp_path, how, capsys):
    folder = f"{ROOT}/BI-4811"
    if how != "first send":
        send_branch(workspace, package, tmp_path)
    fake.add_notebook(f"{folder}/MyExperiment")
    fake.add_notebook(f"{folder}/conf/my_scratch")
    fake.add_notebook(f"{folder}/libraries/keep_me")
    if how == "fresh clone":
        tmp_path = tmp_path / "clone"
    if how == "after an interrupted send":
        fake.inject(500, count=1, path_prefix="/api/2.0/workspace/import")
        (package / "ModelTraining.py").write_text(HEADER + "print('v2')\n")
        with pytest.raises(UserError):
            send_branch(workspace, package, tmp_path)
    if how == "bad record":
        fake.workspace.objects[f"{folder}/{RECORD}"].content = b"{not json"
        fake.workspace.objects[f"{folder}/{RECORD}"].modified_at += 1
    (package / "ModelEvaluation.py").unlink()
    fake.clear_log()

    send_branch(workspace, package, tmp_path, full=how == "full")

    deleted = [r.json["path"] for r in fake.requests if r.path == "/api/2.0/workspace/delete"]
    assert f"{folder}/MyExperiment" not in deleted and f"{folder}/conf/my_scratch" not in deleted
    assert {f"{folder}/MyExperiment", f"{folder}/conf/my_scratch", f"{folder}/libraries/keep_me"} \
        <= set(fake.workspace.objects)
    expected = [] if how in ("first send", "bad record") else [f"{folder}/ModelEvaluation"]
    assert deleted == expected
    if how == "bad record":
        assert "ignoring the unreadable send record" in capsys.readouterr().err


def test_a_file_a_colleague_overwrote_is_sent_again(fake, workspace, package, tmp_path):
    folder = f"{ROOT}/BI-4811"
    send_branch(workspace, package, tmp_path)
    time.sleep(0.002)
    fake.add_notebook(f"{folder}/ModelTraining", HEADER.encode() + b"print('colleague')\n")
    fake.clear_log()

    report = send_branch(workspace, package, tmp_path)

    assert report.uploaded == 1
    imported = [r.json["path"] for r in fake.requests if r.path == "/api/2.0/workspace/import"]
    assert imported == [f"{folder}/ModelTraining", f"{folder}/{RECORD}"]
    assert fake.workspace.objects[f"{folder}/ModelTraining"].content.endswith(b"print('train')\n")


def test_two_people_one_folder_each_send_leaves_the_senders_version(fake, workspace, package, tmp_path):
    folder = f"{ROOT}/BI-4811"
    send_branch(workspace, package, tmp_path / "alice")
    colleague = tmp_path / "bob"
    shutil.copytree(package, colleague / "forecasting")
    (colleague / "forecasting" / "ModelTraining.py").write_text(HEADER + "print('bob')\n")
    send_branch(workspace, colleague / "forecasting", colleague)
    assert fake.workspace.objects[f"{folder}/ModelTraining"].content.endswith(b"print('bob')\n")

    report = send_branch(workspace, package, tmp_path / "alice")

    assert report.uploaded == 1
    assert fake.workspace.objects[f"{folder}/ModelTraining"].content.endswith(b"print('train')\n")


def test_a_deleted_notebook_a_colleague_changed_since_is_kept(fake, workspace, package, tmp_path, capsys):
    folder = f"{ROOT}/BI-4811"
    send_branch(workspace, package, tmp_path)
    time.sleep(0.002)
    fake.add_notebook(f"{folder}/ModelEvaluation", HEADER.encode() + b"print('edited by hand')\n")
    (package / "ModelEvaluation.py").unlink()

    report = send_branch(workspace, package, tmp_path)

    assert report.deleted == 0 and report.kept == ("ModelEvaluation",)
    assert f"{folder}/ModelEvaluation" in fake.workspace.objects
    assert "kept /Projects/DemandForecasting/BI-4811/ModelEvaluation" in capsys.readouterr().err


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
