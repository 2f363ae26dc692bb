"""Sending the notebooks package to a local workspace folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sample import PACKAGE

from mlops_engine.contract.snapshot import Snapshot
from mlops_engine.contract.workspace import ObjectKind
from mlops_engine.errors import UserError
from mlops_engine.layout import branch_folder, ci_folder, libraries_folder, notebook_folder
from mlops_engine.local.filesystem.workspace import LocalWorkspace
from mlops_engine.package import check_config, collect_package, set_environment_notebook, with_set_environment
from mlops_engine.sync import sync_folder as send


@pytest.fixture
def package(tmp_path: Path) -> Path:
    copy = tmp_path / "package"
    shutil.copytree(PACKAGE, copy)
    (copy / ".hidden.py").write_text("# Databricks notebook source\n")
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (copy / "helpers").mkdir()
    (copy / "helpers" / "__init__.py").write_text("")  # a workspace module package, as in a Git folder
    return copy


def _send(workspace: LocalWorkspace, package: Path, folder: str, tmp_path: Path) -> None:
    items = with_set_environment(collect_package(package), set_environment_notebook("ci_config"))
    send(workspace, items, folder, Snapshot(tmp_path / "snapshot.json"))


def test_send_writes_notebooks_without_extension_and_skips_the_rest(package: Path, tmp_path: Path) -> None:
    workspace = LocalWorkspace(tmp_path / "ws")
    _send(workspace, package, "/P/BI-1", tmp_path)
    names = {info.path: info.kind for info in workspace.list_recursive("/P/BI-1")}
    assert names["/P/BI-1/ModelTraining"] is ObjectKind.NOTEBOOK
    assert names["/P/BI-1/conf/production_config"] is ObjectKind.NOTEBOOK
    assert not any(".hidden" in path or "pycache" in path or path == "/P/BI-1/__init__" for path in names)
    assert names["/P/BI-1/helpers/__init__.py"] is ObjectKind.FILE
    assert workspace.read("/P/BI-1/set_environment").decode().splitlines()[1] == "# MAGIC %run ./conf/ci_config"


def test_resend_mirrors_deletions_and_keeps_libraries(package: Path, tmp_path: Path) -> None:
    workspace = LocalWorkspace(tmp_path / "ws")
    _send(workspace, package, "/P/BI-1", tmp_path)
    workspace.put_file("/P/BI-1/libraries/lib.whl", b"wheel")
    (package / "ModelTraining.py").unlink()
    _send(workspace, package, "/P/BI-1", tmp_path)
    assert not workspace.exists("/P/BI-1/ModelTraining")
    assert workspace.exists("/P/BI-1/libraries/lib.whl")


def test_unchanged_resend_uploads_nothing(package: Path, tmp_path: Path) -> None:
    workspace = LocalWorkspace(tmp_path / "ws")
    items = collect_package(package)
    snapshot = Snapshot(tmp_path / "snapshot.json")
    first = send(workspace, items, "/P/BI-1", snapshot)
    second = send(workspace, items, "/P/BI-1", snapshot)
    assert first.uploaded == len(items) and second.uploaded == 0 and second.unchanged == len(items)


def test_unknown_config_lists_the_configs(package: Path) -> None:
    with pytest.raises(UserError, match="configs: .*ci_config.*production_config"):
        check_config(collect_package(package), "nobody_config")


@pytest.mark.parametrize("branch", ["", "a/b", "..", "a b", "x;rm", "master", "CI", "libraries"])
def test_bad_or_reserved_branches_are_refused(branch: str) -> None:
    with pytest.raises(UserError):
        branch_folder("/P", branch)


def test_folders_follow_the_workspace_layout() -> None:
    assert ci_folder("/P", "49", "master") == "/P/CI/49-master"
    assert libraries_folder("/P", "master", "master") == "/P/libraries"
    assert libraries_folder("/P", "BI-4811", "master") == "/P/BI-4811/libraries"


def test_the_release_branch_runs_from_master_and_others_from_their_folder() -> None:
    assert notebook_folder("/P", "master", "master") == "/P/master"
    assert notebook_folder("/P", "BI-4811", "master") == "/P/BI-4811"


def test_a_notebook_that_is_not_utf8_is_refused_at_send_before_anything_is_written(package: Path,
                                                                                  tmp_path: Path) -> None:
    (package / "Binary.py").write_bytes(b"# Databricks notebook source\nx = 1\n\xff\xfe\x00binary\n")
    workspace = LocalWorkspace(tmp_path / "ws")
    with pytest.raises(UserError, match=r"not UTF-8 text cannot be sent: package/Binary\.py \(byte 35\)"):
        _send(workspace, package, "/P/BI-1", tmp_path)
    assert not workspace.exists("/P/BI-1")
