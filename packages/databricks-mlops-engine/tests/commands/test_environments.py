"""Environments as data: defaults from the project, local overrides, and the checks that keep them isolated."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from invoke import Config
from sample import SAMPLE_DIR as PROJECT_DIR
from sample import SETTINGS

from mlops_engine.commands.environments import (
    check_approvals,
    check_host,
    environment_settings,
    load_environment,
)
from mlops_engine.errors import UserError
from mlops_engine.settings import DEFAULTS, Settings, load_settings


def with_environments(environments: dict) -> Settings:
    return replace(SETTINGS, environments=environments)


def test_production_is_defined_and_releases_master_to_the_project_root() -> None:
    production = load_environment(SETTINGS, "production")
    assert (production.workspace_root, production.release_branch) == (SETTINGS.workspace_root, "master")
    assert production.config_notebook == "production_config" and production.approvals == "pipeline"


def test_missing_values_default_to_the_project_settings() -> None:
    staging = load_environment(with_environments({"staging": {"host": "https://staging.example.com/"}}), "staging")
    assert staging.workspace_root == SETTINGS.workspace_root and staging.host == "https://staging.example.com"
    assert staging.approvals == "none"


@pytest.mark.parametrize(("data", "message"), [
    ({}, r"unknown environment 'qa'; environments: production"),
    ({"qa": {"hots": "x"}}, r"unknown key\(s\) hots"),
    ({"qa": {"approvals": "manager"}}, r"approvals is 'manager'; choose pipeline or none"),
    ({"qa": {"workspace_root": "Projects/x"}}, r"must be an absolute workspace folder"),
])
def test_bad_environment_data_is_one_clear_line(data: dict, message: str) -> None:
    environments = {"production": {}, **data}
    with pytest.raises(UserError, match=message):
        load_environment(with_environments(environments), "qa")


def test_invoke_local_yaml_overrides_one_environment_key(tmp_path: Path) -> None:
    """invoke layers the runtime file (tasks.py names invoke.local.yaml) over the project's invoke.yaml."""
    (tmp_path / "invoke.local.yaml").write_text("mlops:\n  environments:\n    production:\n      profile: prod\n")
    config = Config(project_location=str(PROJECT_DIR), runtime_path=str(tmp_path / "invoke.local.yaml"))
    config.load_collection({"mlops": DEFAULTS})
    config.load_project()
    config.load_runtime()
    production = load_environment(load_settings(PROJECT_DIR, config), "production")
    assert (production.profile, production.release_branch) == ("prod", "master")


def test_environment_settings_use_its_root_branch_and_compute() -> None:
    environment = load_environment(with_environments({"staging": {
        "workspace_root": "/Staging/P", "release_branch": "main", "compute": {"existing_cluster_id": "abc"}},
    }), "staging")
    settings = environment_settings(SETTINGS, environment)
    assert (settings.workspace_root, settings.release_branch) == ("/Staging/P", "main")
    assert settings.databricks["compute"] == {"existing_cluster_id": "abc"}
    assert environment_settings(SETTINGS, replace(environment, compute={})).databricks == SETTINGS.databricks


def test_pipeline_approvals_refuse_a_deploy_from_a_laptop(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BUILD_BUILDID", "GITHUB_RUN_ID"):
        monkeypatch.delenv(name, raising=False)
    production = load_environment(SETTINGS, "production")
    with pytest.raises(UserError, match="approved pipeline run"):
        check_approvals(production, force=False)
    check_approvals(production, force=True)
    monkeypatch.setenv("BUILD_BUILDID", "12")
    check_approvals(production, force=False)


def test_credentials_for_another_workspace_are_refused() -> None:
    production = load_environment(with_environments({"production": {"host": "https://prod.example.com"}}), "production")
    check_host(production, "https://prod.example.com/")
    with pytest.raises(UserError, match="lives on https://prod.example.com, but the credentials here reach"):
        check_host(production, "https://dev.example.com")
