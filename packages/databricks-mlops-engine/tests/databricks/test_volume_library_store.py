"""A Unity Catalog volume as the library store: the real SDK's Files API uploads, whole and in parts."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk.config import Config
from databricks.sdk.errors import InvalidParameterValue
from fake_databricks import FakeClock, FakeDatabricks

from mlops_engine.databricks.library_store import DatabricksLibraryStore, LibraryPlace
from mlops_engine.databricks.target import open_databricks_target
from mlops_engine.errors import UserError
from mlops_engine.settings import LocalSettings, Settings

MIB = 1024 * 1024
VOLUME = "/Volumes/main/mlops/libs"
WHEEL = "mlib-1.2.0-py3-none-any.whl"
PART_SIZE = 5 * MIB
"""Databricks' smallest part but the last; the SDK's own smallest choice is 10 MiB."""


@pytest.fixture
def chunking_client(fake: FakeDatabricks, sdk_env: Path) -> WorkspaceClient:
    """A real SDK client whose multipart threshold and part size are lowered through its Config.

    They are plain attributes of ``Config``, not constructor arguments (``Config(files_ext_...=)`` is
    ignored), and the files client copies the config when the WorkspaceClient is made.
    """
    config = Config(host=fake.host, token=fake.token, retry_timeout_seconds=20, clock=FakeClock())
    config.files_ext_multipart_upload_min_stream_size = PART_SIZE
    config.files_ext_multipart_upload_part_size_options = [PART_SIZE]
    return WorkspaceClient(config=config)


def volume_calls(fake: FakeDatabricks) -> list[tuple[str, str]]:
    """Method and path (with the action) of every Files API and storage request, in order."""
    return [
        (r.method, r.path + (f"?action={r.query['action']}" if "action" in r.query else ""))
        for r in fake.requests if r.path.startswith(("/api/2.0/fs/", "/storage/"))
    ]


def test_a_big_library_reaches_the_volume_whole_in_parts(fake: FakeDatabricks, chunking_client: WorkspaceClient):
    fake.volumes.create_volume(VOLUME)
    content = bytes(range(256)) * (12 * MIB // 256) + b"tail!"
    location = DatabricksLibraryStore(chunking_client, LibraryPlace("volume", VOLUME)).upload(
        "/P/libraries", WHEEL, content
    )

    assert location == f"{VOLUME}/P/libraries/{WHEEL}"
    assert fake.volumes.files[location][0] == content
    calls = volume_calls(fake)
    file_url = f"/api/2.0/fs/files{location}"
    assert calls[0] == ("POST", f"{file_url}?action=initiate-upload")
    assert calls[-1] == ("POST", f"{file_url}?action=complete-upload")
    assert ("POST", "/api/2.0/fs/create-upload-part-urls") in calls
    assert [m for m, p in calls if p.startswith("/storage/")] == ["PUT"] * 3
    assert ("PUT", file_url) not in calls
    assert fake.volumes.uploads.completed == [(location, [1, 2, 3])]
    (completion,) = [r for r in fake.requests if r.query.get("action") == "complete-upload"]
    assert [part["part_number"] for part in json.loads(completion.body)["parts"]] == [1, 2, 3]
    assert not [path for path, _token in fake.bearer_tokens if path.startswith("/storage/")]


def test_a_small_library_is_one_put(fake: FakeDatabricks, chunking_client: WorkspaceClient):
    fake.volumes.create_volume(VOLUME)
    store = DatabricksLibraryStore(chunking_client, LibraryPlace("volume", f"{VOLUME}/team-a"))
    location = store.upload("/P/libraries", WHEEL, b"w" * MIB)

    assert location == f"{VOLUME}/team-a/P/libraries/{WHEEL}"
    assert fake.volumes.files[location][0] == b"w" * MIB
    assert volume_calls(fake) == [("PUT", f"/api/2.0/fs/files{location}")]
    assert fake.requests[-1].query == {"overwrite": "true"}


def test_a_big_library_for_a_missing_volume_is_one_clear_line(fake: FakeDatabricks, chunking_client: WorkspaceClient):
    store = DatabricksLibraryStore(chunking_client, LibraryPlace("volume", "/Volumes/main/mlops/nope"))
    with pytest.raises(UserError, match=r"upload library /Volumes/main/mlops/nope/P/libraries/\S+ on http") as error:
        store.upload("/P/libraries", WHEEL, b"w" * (6 * MIB))
    assert "\n" not in str(error.value)
    assert volume_calls(fake) == [("POST", f"/api/2.0/fs/files/Volumes/main/mlops/nope/P/libraries/{WHEEL}"
                                           "?action=initiate-upload")]


def test_the_fake_refuses_small_middle_parts_as_databricks_does(fake: FakeDatabricks, chunking_client: WorkspaceClient):
    fake.volumes.create_volume(VOLUME)
    target = f"{VOLUME}/x.whl"
    with pytest.raises(InvalidParameterValue, match="at least 5242880 bytes"):
        chunking_client.files.upload(target, io.BytesIO(b"x" * (6 * MIB)), overwrite=True, part_size=MIB)
    assert target not in fake.volumes.files
    assert not fake.volumes.uploads.sessions, "the SDK aborts the failed upload through its presigned URL"
    assert ("DELETE", "/storage/") in [(m, p[:9]) for m, p in volume_calls(fake)]


def test_presigned_part_urls_refuse_a_wrong_signature(fake: FakeDatabricks, chunking_client: WorkspaceClient):
    fake.volumes.create_volume(VOLUME)
    answer = chunking_client.api_client.do("POST", f"/api/2.0/fs/files{VOLUME}/y.whl",
                                           query={"action": "initiate-upload"})
    token = answer["multipart_upload"]["session_token"]
    refused = requests.put(f"{fake.host}/storage/uploads/{token}/1?signature=forged", data=b"x", timeout=5)
    assert refused.status_code == 403 and b"AccessDenied" in refused.content
    with_token = requests.put(f"{fake.host}/storage/uploads/{token}/1?signature=forged", data=b"x", timeout=5,
                              headers={"Authorization": f"Bearer {fake.token}"})
    assert with_token.status_code == 400


@pytest.mark.parametrize(
    "volume",
    ["/Volumes/main/mlops", "/Volumes/main/../libs", "/Volumes/main/mlops/libs/..", "Volumes/main/mlops/libs",
     "/Volumes/main//libs", "dbfs:/Volumes/main/mlops/libs"],
)
def test_a_bad_library_volume_is_refused_in_one_line_before_connecting(
    fake: FakeDatabricks, sdk_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, volume: str
):
    monkeypatch.setenv("DATABRICKS_HOST", fake.host)
    monkeypatch.setenv("DATABRICKS_TOKEN", fake.token)
    settings = Settings(
        project_dir=tmp_path, workspace_root="/Projects/P", notebooks_package="forecasting", library_name="mlib",
        library_format="wheel", training_notebook="ModelTraining", default_config="dev", release_branch="master",
        target="databricks", local=LocalSettings(tmp_path / ".workspace", tmp_path / ".runs", tmp_path / ".mlflow"),
        databricks={"library_store": "volume", "library_volume": volume, "compute": {"serverless": True}},
    )
    with pytest.raises(UserError, match=r"library_volume: /Volumes/<catalog>/<schema>/<volume>") as error:
        open_databricks_target(settings)
    assert "\n" not in str(error.value)
    assert fake.requests == []
