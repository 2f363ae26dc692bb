"""CI without long-lived secrets: the real SDK fetches the pipeline's ID token from a fake identity provider
and the fake workspace exchanges it under a federation policy, exactly as the generated pipelines configure it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_databricks.oidc import AZURE_DEVOPS_AUDIENCE, FakeIdentityProvider, FederationPolicy
from fake_databricks.server import FakeDatabricks

from mlops_engine.databricks.auth import connect
from mlops_engine.databricks.workspace import DatabricksWorkspace
from mlops_engine.errors import UserError

CLIENT_ID = "11111111-2222-3333-4444-555555555555"
AZURE_SUBJECT = "p://contoso/forecasting/demand-forecasting-ci"
GITHUB_SUBJECT = "repo:contoso/demand-forecasting:environment:ci"


@pytest.fixture
def azure_idp() -> Iterator[FakeIdentityProvider]:
    with FakeIdentityProvider(AZURE_SUBJECT, request_token="system-access-token") as idp:
        yield idp


@pytest.fixture
def github_idp() -> Iterator[FakeIdentityProvider]:
    with FakeIdentityProvider(GITHUB_SUBJECT) as idp:
        yield idp


def azure_pipeline_env(monkeypatch: pytest.MonkeyPatch, fake: FakeDatabricks, idp: FakeIdentityProvider) -> None:
    """What an Azure Pipelines step sees: the predefined SYSTEM_* variables plus what the step's env: maps."""
    for name, value in {
        "DATABRICKS_HOST": fake.host, "DATABRICKS_CLIENT_ID": CLIENT_ID, "DATABRICKS_AUTH_TYPE": "azure-devops-oidc",
        "SYSTEM_ACCESSTOKEN": idp.request_token, "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI": f"{idp.issuer}/contoso/",
        "SYSTEM_TEAMPROJECTID": "project-guid", "SYSTEM_PLANID": "plan-guid", "SYSTEM_JOBID": "job-guid",
        "SYSTEM_HOSTTYPE": "build",
    }.items():
        monkeypatch.setenv(name, value)


def github_env(monkeypatch: pytest.MonkeyPatch, fake: FakeDatabricks, idp: FakeIdentityProvider) -> None:
    """What a GitHub Actions step with ``permissions: id-token: write`` sees."""
    for name, value in {
        "DATABRICKS_HOST": fake.host, "DATABRICKS_CLIENT_ID": CLIENT_ID, "DATABRICKS_AUTH_TYPE": "github-oidc",
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"{idp.issuer}/github/token?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": idp.request_token,
    }.items():
        monkeypatch.setenv(name, value)


def workspace_calls_carried_exchanged_tokens(fake: FakeDatabricks) -> None:
    """Every workspace call was authenticated by a token the exchange issued (the SDK may exchange again)."""
    exchanged = {exchange["access_token"] for exchange in fake.token_exchanges}
    calls = [(path, used) for path, used in fake.bearer_tokens if path.startswith("/api/")]
    assert exchanged and calls and all(used in exchanged for _path, used in calls), calls


def test_azure_devops_id_token_is_exchanged_and_used(monkeypatch, sdk_env: Path, fake: FakeDatabricks,
                                                      azure_idp: FakeIdentityProvider):
    fake.federation_policies.append(FederationPolicy(CLIENT_ID, azure_idp.issuer, AZURE_SUBJECT,
                                                     AZURE_DEVOPS_AUDIENCE))
    azure_pipeline_env(monkeypatch, fake, azure_idp)
    client = connect(retry_timeout_seconds=10)
    DatabricksWorkspace(client).mkdirs("/Projects/Demo/CI/1-main")
    assert client.config.auth_type == "azure-devops-oidc"
    assert {(e["claims"]["sub"], e["claims"]["aud"]) for e in fake.token_exchanges} == {
        (AZURE_SUBJECT, AZURE_DEVOPS_AUDIENCE)}
    assert any(path == "/api/2.0/workspace/mkdirs" for path, _token in fake.bearer_tokens)
    workspace_calls_carried_exchanged_tokens(fake)


def test_github_id_token_is_exchanged_and_used(monkeypatch, sdk_env: Path, fake: FakeDatabricks,
                                               github_idp: FakeIdentityProvider):
    audience = f"{fake.host}/oidc/v1/token"
    fake.federation_policies.append(FederationPolicy(CLIENT_ID, github_idp.issuer, GITHUB_SUBJECT, audience))
    github_env(monkeypatch, fake, github_idp)
    client = connect(retry_timeout_seconds=10)
    DatabricksWorkspace(client).mkdirs("/Projects/Demo/CI/1-main")
    assert {(e["claims"]["iss"], e["claims"]["aud"]) for e in fake.token_exchanges} == {(github_idp.issuer, audience)}
    workspace_calls_carried_exchanged_tokens(fake)


def test_a_job_outside_the_policy_gets_no_token(monkeypatch, sdk_env: Path, fake: FakeDatabricks,
                                                github_idp: FakeIdentityProvider):
    fake.federation_policies.append(FederationPolicy(CLIENT_ID, github_idp.issuer,
                                                     "repo:contoso/demand-forecasting:environment:production",
                                                     f"{fake.host}/oidc/v1/token"))
    github_env(monkeypatch, fake, github_idp)
    with pytest.raises(UserError) as refused:
        DatabricksWorkspace(connect(retry_timeout_seconds=10)).mkdirs("/Projects/Demo/CI/1-main")
    assert not fake.token_exchanges and not [p for p, _t in fake.bearer_tokens if p.startswith("/api/2.0/workspace")]
    assert idp_secret_absent(str(refused.value), github_idp)


def idp_secret_absent(message: str, idp: FakeIdentityProvider) -> bool:
    """Neither the job's request token nor an ID token appears in what the user is shown."""
    return idp.request_token not in message and "eyJ" not in message
