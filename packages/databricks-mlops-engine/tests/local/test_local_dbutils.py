"""Local dbutils: widgets, secrets that never reach the log, fs on the local DBFS folder."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from mlops_engine.local.filesystem.dbfs import LocalFs
from mlops_engine.local.notebook.dbutils import Widgets
from mlops_engine.local.notebook.redaction import REDACTED, RedactingStream, Redactor
from mlops_engine.local.notebook.secrets import Secrets, secret_env_name


def test_widgets_take_run_parameters_over_defaults() -> None:
    widgets = Widgets({"days": "7"})
    widgets.text("days", "28")
    widgets.text("store", "1")
    assert (widgets.get("days"), widgets.get("store")) == ("7", "1")
    with pytest.raises(KeyError):
        widgets.get("missing")


def test_secrets_come_from_env_or_file_and_are_redacted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets_file = tmp_path / ".secrets.json"
    secrets_file.write_text(json.dumps({"scope": {"from-file": "file-s3cr3t"}}))
    monkeypatch.setenv(secret_env_name("scope", "api-key"), "env-s3cr3t")
    redact = Redactor()
    secrets = Secrets(secrets_file, redact)
    assert secrets.get("scope", "api-key") == "env-s3cr3t"
    assert secrets.get("scope", "from-file") == "file-s3cr3t"
    log = io.StringIO()
    RedactingStream(log, redact).write("key=env-s3cr3t other=file-s3cr3t\n")
    assert log.getvalue() == f"key={REDACTED} other={REDACTED}\n"


def test_missing_secret_says_what_to_set_without_any_value(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="DATABRICKS_SECRET_SCOPE__NOPE"):
        Secrets(tmp_path / "absent.json", Redactor()).get("scope", "nope")


def test_fs_maps_dbfs_onto_the_local_folder(tmp_path: Path) -> None:
    fs = LocalFs(tmp_path)
    fs.put("dbfs:/a/b.txt", "hello")
    assert (tmp_path / "a" / "b.txt").read_text() == "hello"
    with pytest.raises(FileExistsError):
        fs.put("dbfs:/a/b.txt", "again")
    fs.rm("dbfs:/a", recurse=True)
    assert not (tmp_path / "a").exists()


def test_secrets_list_keys_and_scopes_as_databricks_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets_file = tmp_path / ".secrets.json"
    secrets_file.write_text(json.dumps({"scope": {"from-file": "file-s3cr3t"}}))
    monkeypatch.setenv(secret_env_name("scope", "api-key"), "env-s3cr3t")
    secrets = Secrets(secrets_file, Redactor())
    assert [item.key for item in secrets.list("scope")] == ["from-file", "API_KEY"]
    assert secrets.get("scope", secrets.list("scope")[1].key) == "env-s3cr3t"
    assert [scope.name for scope in secrets.listScopes()] == ["scope"]
    assert "s3cr3t" not in repr(secrets.list("scope"))
    with pytest.raises(KeyError, match="secret scope 'nope' does not exist locally"):
        secrets.list("nope")
