"""DatabricksWorkspace and the library store, through the real SDK against the fake workspace."""

from __future__ import annotations

import base64
import json

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.workspace import ImportFormat
from fake_databricks import FakeDatabricks

from mlops_engine.contract.workspace import ObjectInfo, ObjectKind
from mlops_engine.databricks.library_store import DatabricksLibraryStore as LibraryStore
from mlops_engine.databricks.library_store import LibraryPlace
from mlops_engine.databricks.workspace import DatabricksWorkspace
from mlops_engine.errors import UserError

NOTEBOOK = b"# Databricks notebook source\nprint('hi')\n"
WHEEL = "mlib-1.2.0-py3-none-any.whl"


@pytest.fixture
def workspace(client: WorkspaceClient) -> DatabricksWorkspace:
    return DatabricksWorkspace(client)


def bodies(fake: FakeDatabricks, path: str) -> list[dict]:
    return [json.loads(r.body) for r in fake.requests if r.path == path]


def test_notebook_import_sends_source_python_with_overwrite(fake: FakeDatabricks, workspace: DatabricksWorkspace):
    workspace.mkdirs("/Projects/P/BI-1")
    workspace.import_notebook("/Projects/P/BI-1/ModelTraining", NOTEBOOK)

    (sent,) = bodies(fake, "/api/2.0/workspace/import")
    assert sent["format"] == "SOURCE" and sent["language"] == "PYTHON" and sent["overwrite"] is True
    assert base64.b64decode(sent["content"]) == NOTEBOOK
    stored = fake.workspace.objects["/Projects/P/BI-1/ModelTraining"]
    assert (stored.object_type, stored.content) == ("NOTEBOOK", NOTEBOOK)


def test_put_file_stores_a_workspace_file(fake: FakeDatabricks, workspace: DatabricksWorkspace):
    workspace.mkdirs("/P")
    workspace.put_file("/P/helpers.py", b"def f():\n    return 1\n")
    assert fake.workspace.objects["/P/helpers.py"].object_type == "FILE"
    assert bodies(fake, "/api/2.0/workspace/import")[0]["format"] == "AUTO"


def test_listing_is_recursive_and_empty_for_a_missing_folder(workspace: DatabricksWorkspace):
    workspace.mkdirs("/P/conf")
    workspace.import_notebook("/P/conf/production_config", NOTEBOOK)
    workspace.import_notebook("/P/Train", NOTEBOOK)
    workspace.put_file("/P/conf/params.json", b"{}")

    assert sorted(workspace.list_recursive("/P"), key=lambda i: i.path) == [
        ObjectInfo("/P/Train", ObjectKind.NOTEBOOK),
        ObjectInfo("/P/conf/params.json", ObjectKind.FILE),
        ObjectInfo("/P/conf/production_config", ObjectKind.NOTEBOOK),
    ]
    assert workspace.list_recursive("/Nowhere") == []


def test_exists_delete_and_url(fake: FakeDatabricks, workspace: DatabricksWorkspace):
    workspace.mkdirs("/P/a")
    workspace.import_notebook("/P/a/nb", NOTEBOOK)
    assert workspace.exists("/P/a/nb") and not workspace.exists("/P/b")
    with pytest.raises(UserError, match="DIRECTORY_NOT_EMPTY"):
        workspace.delete("/P/a")
    workspace.delete("/P/a", recursive=True)
    workspace.delete("/P/a", recursive=True)
    assert not workspace.exists("/P/a")
    assert workspace.url("/P/a") == f"{fake.host}/#workspace/P/a"


def test_mistakes_become_one_line_naming_path_and_host(fake: FakeDatabricks, workspace: DatabricksWorkspace):
    with pytest.raises(UserError, match=r"cannot write /P/missing/nb on http://127\.0\.0\.1:\d+: its folder"):
        workspace.import_notebook("/P/missing/nb", NOTEBOOK)
    workspace.mkdirs("/P")
    workspace.import_notebook("/P/nb", NOTEBOOK)
    with pytest.raises(UserError, match="a notebook or file has that name"):
        workspace.mkdirs("/P/nb")
    fake.workspace.read_only.add("/Shared")
    with pytest.raises(UserError, match="no permission to create folder /Shared/x on http"):
        workspace.mkdirs("/Shared/x")


def test_throttling_and_dropped_connections_are_retried(fake: FakeDatabricks, workspace: DatabricksWorkspace):
    fake.inject(0, count=1, drop=True)
    fake.inject(429, count=1, retry_after=0)
    fake.inject(503, count=1, retry_after=0)
    workspace.mkdirs("/P")
    assert fake.workspace.objects["/P"].object_type == "DIRECTORY"
    assert [status for request, status in fake.log if request.path.startswith("/api/")] == [0, 429, 503, 200]


def test_the_fake_accepts_the_sdk_multipart_upload(fake: FakeDatabricks, client: WorkspaceClient):
    client.workspace.mkdirs("/P")
    client.workspace.upload("/P/Train.py", NOTEBOOK, format=ImportFormat.AUTO, overwrite=True)
    assert fake.workspace.objects["/P/Train"].object_type == "NOTEBOOK"
    assert client.workspace.download("/P/Train").read() == NOTEBOOK


def test_library_in_workspace_files(fake: FakeDatabricks, client: WorkspaceClient):
    store = LibraryStore(client, LibraryPlace("workspace"))
    location = store.upload("/P/BI-1/libraries", WHEEL, b"wheel")
    assert location == f"/Workspace/P/BI-1/libraries/{WHEEL}"
    assert fake.workspace.objects[f"/P/BI-1/libraries/{WHEEL}"].content == b"wheel"


def test_library_in_a_volume_goes_through_the_files_api(fake: FakeDatabricks, client: WorkspaceClient):
    fake.volumes.create_volume("/Volumes/main/mlops/libs")
    store = LibraryStore(client, LibraryPlace("volume", "/Volumes/main/mlops/libs"))
    content = b"w" * (3 * 1024 * 1024)
    location = store.upload("/P/libraries", WHEEL, content)
    assert location == f"/Volumes/main/mlops/libs/P/libraries/{WHEEL}"
    assert fake.volumes.files[location][0] == content
    assert ("PUT", f"/api/2.0/fs/files{location}") in fake.calls()


def test_library_in_a_missing_volume_is_one_clear_line(client: WorkspaceClient):
    store = LibraryStore(client, LibraryPlace("volume", "/Volumes/main/mlops/nope"))
    with pytest.raises(UserError, match="upload library /Volumes/main/mlops/nope/P/libraries/"):
        store.upload("/P/libraries", WHEEL, b"w")


def test_library_on_dbfs_small_by_put_big_in_blocks(fake: FakeDatabricks, client: WorkspaceClient):
    store = LibraryStore(client, LibraryPlace("dbfs"))
    small = store.upload("/P/libraries", "small-1.0-py3-none-any.whl", b"s" * 1024 * 1024)
    big = store.upload("/P/libraries", WHEEL, b"b" * (2 * 1024 * 1024 + 5))
    assert small == "dbfs:/FileStore/mlops/P/libraries/small-1.0-py3-none-any.whl"
    assert fake.dbfs.files[big.removeprefix("dbfs:")] == b"b" * (2 * 1024 * 1024 + 5)
    assert [p for _m, p in fake.calls("/api/2.0/dbfs/")] == [
        "/api/2.0/dbfs/put", "/api/2.0/dbfs/create", "/api/2.0/dbfs/add-block", "/api/2.0/dbfs/add-block",
        "/api/2.0/dbfs/add-block", "/api/2.0/dbfs/close",
    ]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"library_store": "s3"}, "not one of"),
        ({"library_store": "volume"}, "library_volume"),
        ({"library_store": "volume", "library_volume": "/Volumes/main"}, "library_volume"),
        ({"library_store": "dbfs", "library_dbfs_root": "/FileStore"}, "dbfs:/"),
    ],
    ids=["unknown-store", "volume-missing", "volume-too-short", "dbfs-root-scheme"],
)
def test_library_place_refuses_bad_settings(settings: dict, message: str):
    with pytest.raises(UserError, match=message):
        LibraryPlace.from_settings(settings)


def test_library_location_refuses_a_path_as_file_name():
    with pytest.raises(UserError, match="plain file name"):
        LibraryPlace().location("/P/libraries", "../evil.whl")
