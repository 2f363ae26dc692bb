"""connect(): the SDK's unified auth only, checked with one call; failures name host and profile, never a secret."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from fake_databricks import FakeDatabricks

from tooling.databricks.auth import connect
from tooling.errors import UserError


def me_calls(fake: FakeDatabricks) -> list[int]:
    return [status for request, status in fake.log if request.path == "/api/2.0/preview/scim/v2/Me"]


def test_host_and_token_from_the_environment(fake: FakeDatabricks, sdk_env: Path, monkeypatch):
    monkeypatch.setenv("DATABRICKS_HOST", fake.host)
    monkeypatch.setenv("DATABRICKS_TOKEN", fake.token)
    client = connect()
    assert client.config.auth_type == "pat" and me_calls(fake) == [200]


def test_a_profile_of_the_config_file(fake: FakeDatabricks, sdk_env: Path):
    sdk_env.write_text(f"[ci]\nhost = {fake.host}\ntoken = {fake.token}\n")
    assert connect("ci").config.host == fake.host


def test_no_credentials_say_what_to_set(sdk_env: Path):
    with pytest.raises(UserError) as error:
        connect()
    message = str(error.value)
    assert "host (not set), profile (none)" in message and "DATABRICKS_HOST and DATABRICKS_TOKEN" in message
    assert "ARM_CLIENT_ID" in message and "\n" not in message


def test_an_unknown_profile_names_the_known_ones(fake: FakeDatabricks, sdk_env: Path):
    sdk_env.write_text(f"[dev]\nhost = {fake.host}\ntoken = {fake.token}\n")
    with pytest.raises(UserError, match="profile 'prod' is not in .*profiles there: dev"):
        connect("prod")
    assert fake.calls("/") == []


def test_a_rejected_token_names_host_and_profile_but_not_the_token(
    fake: FakeDatabricks, sdk_env: Path, monkeypatch, caplog
):
    secret = "dapi-wrong-5e3c7a9b1d"
    sdk_env.write_text(f"[dev]\nhost = {fake.host}\ntoken = {secret}\n")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(UserError) as error:
        connect("dev")
    message = str(error.value)
    assert f"{fake.host} rejected the credentials (pat auth, host {fake.host}, profile dev)" in message
    assert secret not in message and secret not in caplog.text
    assert error.value.__cause__ is None and error.value.__suppress_context__
    assert me_calls(fake) == [403]


def test_an_oauth_service_principal(fake: FakeDatabricks, sdk_env: Path, monkeypatch):
    monkeypatch.setenv("DATABRICKS_HOST", fake.host)
    monkeypatch.setenv("DATABRICKS_CLIENT_ID", fake.client_id)
    monkeypatch.setenv("DATABRICKS_CLIENT_SECRET", fake.client_secret)
    assert connect().config.auth_type == "oauth-m2m" and me_calls(fake) == [200]


def test_a_wrong_service_principal_secret_is_refused_without_echoing_it(fake: FakeDatabricks, sdk_env, monkeypatch):
    monkeypatch.setenv("DATABRICKS_HOST", fake.host)
    monkeypatch.setenv("DATABRICKS_CLIENT_ID", fake.client_id)
    monkeypatch.setenv("DATABRICKS_CLIENT_SECRET", "not-the-secret-0451")
    with pytest.raises(UserError) as error:
        connect()
    assert fake.host in str(error.value) and "not-the-secret-0451" not in str(error.value)


def test_an_unreachable_host_is_one_line(sdk_env: Path, monkeypatch):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    monkeypatch.setenv("DATABRICKS_HOST", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-x")
    with pytest.raises(UserError, match=rf"cannot reach http://127\.0\.0\.1:{port} .*check the host"):
        connect(retry_timeout_seconds=1)
