"""Each CI provider's project gets its update bot, so a new engine is a version bump proposed as a pull request:
Dependabot for github-actions, Renovate for azure-pipelines; each valid for its bot's own schema."""

from __future__ import annotations

import fnmatch
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from matrix import MATRIX, Bake

BIN = Path(sys.executable).parent
ENGINE = "databricks-mlops-engine"
PINNED_FILES = {"requirements.txt", "requirements-dev.txt", "constraints.txt"}


def provider_bake(provider: str) -> Bake:
    (combination,) = [bake for bake in MATRIX if bake.answer("ci_provider", "azure-pipelines") == provider
                      and set(bake.answers) <= {"ci_provider"}]
    return combination


@pytest.fixture(scope="module")
def github_project(baked: Callable[[Bake], Path]) -> Path:
    return baked(provider_bake("github-actions"))


@pytest.fixture(scope="module")
def azure_project(baked: Callable[[Bake], Path]) -> Path:
    return baked(provider_bake("azure-pipelines"))


def matches_builtin_schema(path: Path, schema: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", schema, str(path)],
                          capture_output=True, text=True, check=False)


def engine_pin(project: Path) -> str:
    (line,) = [line for line in (project / "requirements-dev.txt").read_text().splitlines()
               if line.startswith(f"{ENGINE}==")]
    return line


def test_each_provider_gets_only_its_own_bot(github_project: Path, azure_project: Path) -> None:
    assert (github_project / ".github" / "dependabot.yml").is_file()
    assert not (github_project / "renovate.json").exists()
    assert (azure_project / "renovate.json").is_file()
    assert not (azure_project / ".github").exists()


def test_dependabot_config_matches_its_schema(github_project: Path) -> None:
    result = matches_builtin_schema(github_project / ".github" / "dependabot.yml", "vendor.dependabot")
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependabot_updates_pins_weekly_and_the_engine_on_its_own(github_project: Path) -> None:
    config: dict[str, Any] = yaml.safe_load((github_project / ".github" / "dependabot.yml").read_text())
    updates = {update["package-ecosystem"]: update for update in config["updates"]}
    assert set(updates) == {"pip", "github-actions"}
    assert all(update["directory"] == "/" and update["schedule"]["interval"] == "weekly"
               for update in updates.values())
    groups = updates["pip"]["groups"]
    name = engine_pin(github_project).partition("==")[0]
    (engine_group,) = [group for group in groups.values()
                       if any(fnmatch.fnmatch(name, pattern) for pattern in group["patterns"])]
    assert engine_group["patterns"] == [ENGINE], "the engine's group holds the engine alone"


def test_renovate_config_matches_its_schema(azure_project: Path) -> None:
    result = matches_builtin_schema(azure_project / "renovate.json", "vendor.renovate")
    assert result.returncode == 0, result.stdout + result.stderr


def js_regex(pattern: str) -> re.Pattern[str]:
    """Renovate's ``/.../`` file pattern as a Python regex (the constructs used here mean the same in both)."""
    assert pattern.startswith("/") and pattern.endswith("/"), pattern
    return re.compile(pattern[1:-1])


def test_renovate_reads_every_pinned_file_and_rules_the_engine(azure_project: Path) -> None:
    config: dict[str, Any] = json.loads((azure_project / "renovate.json").read_text())
    patterns = [js_regex(pattern) for pattern in config["pip_requirements"]["managerFilePatterns"]]
    files = {path.relative_to(azure_project).as_posix() for path in azure_project.rglob("*")
             if path.is_file() and ".git" not in path.parts}
    assert {name for name in files if any(pattern.search(name) for pattern in patterns)} == PINNED_FILES
    (rule,) = [rule for rule in config["packageRules"] if ENGINE in rule.get("matchPackageNames", [])]
    assert rule["groupName"] == ENGINE and rule["automerge"] is False
    assert engine_pin(azure_project).startswith(f"{rule['matchPackageNames'][0]}==")
