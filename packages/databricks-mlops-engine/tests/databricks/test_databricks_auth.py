"""connect(): the SDK's unified auth only, checked with one call; failures name host and profile, never a secret."""

from __future__ import annotations

import logging
import socket
import time
from pathlib import Path

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.config import Config
from fake_databricks import FakeClock, FakeDatabricks
from fake_databricks.silent_host import closed_port, silent_host

from mlops_engine.databricks.auth import check_credentials, connect
from mlops_engine.errors import UserError


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


def test_a_silent_host_is_one_line_within_the_probe_time(sdk_env: Path, monkeypatch, caplog):
    with silent_host() as host:
        monkeypatch.setenv("DATABRICKS_HOST", host)
        monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-x")
        started = time.monotonic()
        with pytest.raises(UserError, match=rf"{host} accepted the connection but did not answer within 0.5 s"):
            connect(probe_seconds=1)
    assert time.monotonic() - started < 3


def test_a_closed_port_is_refused_at_once(sdk_env: Path, monkeypatch):
    host = closed_port()
    monkeypatch.setenv("DATABRICKS_HOST", host)
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-x")
    started = time.monotonic()
    with pytest.raises(UserError, match=rf"cannot reach {host} \(the connection was refused or dropped\)"):
        connect()
    assert time.monotonic() - started < 2


def test_an_outage_longer_than_the_retry_budget_names_the_outage(fake: FakeDatabricks, sdk_env: Path):
    fake.inject(503, count=10_000, retry_after=1)
    clock = FakeClock()
    client = WorkspaceClient(config=Config(host=fake.host, token=fake.token, retry_timeout_seconds=60, clock=clock))
    with pytest.raises(UserError, match="kept answering TEMPORARILY_UNAVAILABLE .* for 60 s of retries: an outage"):
        check_credentials(client)
    assert len(me_calls(fake)) > 3 and set(me_calls(fake)) == {503}


def test_no_host_metadata_noise_and_no_pool_warnings(fake: FakeDatabricks, sdk_env: Path, monkeypatch, caplog):
    fake.inject(404, count=1, path_prefix="/.well-known/")
    monkeypatch.setenv("DATABRICKS_HOST", fake.host)
    monkeypatch.setenv("DATABRICKS_TOKEN", fake.token)
    caplog.set_level(logging.WARNING)
    client = connect()
    assert client.config.max_connection_pools >= 16 and client.config.max_connections_per_pool >= 16
    assert not [r for r in caplog.records if "host metadata" in r.getMessage()]
