"""The invoke collection a project imports: one meaning per short flag, help that reads whole, the defaults a
project's invoke.yaml layers over, and a clean of every CI folder only when confirmed."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from invoke import Config
from sample import SAMPLE_DIR, SETTINGS

from mlops_engine import tasks as engine_tasks
from mlops_engine.commands.clean import clean
from mlops_engine.errors import UserError
from mlops_engine.local.filesystem.workspace import LocalWorkspace
from mlops_engine.settings import LocalSettings, load_settings
from mlops_engine.tasks import ns


def test_a_short_flag_means_one_option_in_every_task() -> None:
    meanings: dict[str, set[str]] = {}
    for name in ns.task_names:
        for argument in ns[name].get_arguments():
            long, *short = argument.names
            for flag in short:
                meanings.setdefault(flag, set()).add(long)
    assert {flag: longs for flag, longs in meanings.items() if len(longs) > 1} == {}
    assert meanings["b"] == {"branch"} and meanings["t"] == {"target"}


def test_every_task_and_option_is_described_in_whole_sentences() -> None:
    fresh = importlib.reload(engine_tasks).ns  # invoke hands each option's help over once, to the parser
    for name in fresh.task_names:
        task = fresh[name]
        assert task.__doc__ and task.__doc__.strip().split("\n\n")[0].endswith("."), name
        assert all(argument.help for argument in task.get_arguments()), name


def test_the_collection_gives_the_defaults_a_project_s_invoke_yaml_leaves_out(tmp_path: Path) -> None:
    config = Config(project_location=str(SAMPLE_DIR))
    config.load_collection(ns.configuration())
    config.load_project()
    settings = load_settings(SAMPLE_DIR, config)
    assert (settings.training_notebook, settings.release_branch, settings.target) == ("ModelTraining", "master",
                                                                                      "local")
    assert settings.local.workspace_dir == SAMPLE_DIR / ".workspace"
    assert settings.databricks["compute"]["new_cluster"]["num_workers"] == 1
    assert settings.databricks["upload_parallelism"] == 16


def test_invoke_list_runs_in_a_project_and_names_every_task(tmp_path: Path) -> None:
    (tmp_path / "tasks.py").write_text("from mlops_engine.tasks import ns\n")
    (tmp_path / "invoke.yaml").write_text((SAMPLE_DIR / "invoke.yaml").read_text())
    listed = subprocess.run([sys.executable, "-m", "invoke", "--list"], cwd=tmp_path, capture_output=True, text=True,
                            check=True).stdout
    assert all(f"  {name} " in listed for name in ns.task_names), listed


def test_cleaning_every_ci_folder_needs_yes(tmp_path: Path) -> None:
    local = LocalSettings(workspace_dir=tmp_path / "ws", runs_dir=tmp_path / "runs", mlflow_dir=tmp_path / "mlflow")
    settings = replace(SETTINGS, local=local)
    workspace = LocalWorkspace(local.workspace_dir)
    workspace.put_file(f"{settings.workspace_root}/CI/7-main/ModelTraining", b"x")
    lines: list[str] = []
    with pytest.raises(UserError, match="removes every CI folder.*add --yes"):
        clean(settings, None, 0, lines.append, target="local")
    assert workspace.exists(f"{settings.workspace_root}/CI/7-main")
    clean(settings, None, 0, lines.append, target="local", yes=True)
    assert not workspace.exists(f"{settings.workspace_root}/CI/7-main") and "removed 1 CI folder" in lines[-1]


def test_a_task_outside_a_project_says_where_it_looked(tmp_path: Path) -> None:
    (tmp_path / "tasks.py").write_text("from mlops_engine.tasks import ns\n")
    done = subprocess.run([sys.executable, "-m", "invoke", "send", "--branch", "x"], cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert done.stderr.strip() == (f"error: no invoke.yaml in {tmp_path} or a folder above it: run the tasks in a "
                                   "project baked from cookiecutter-databricks-mlops")


@pytest.mark.parametrize(("overrides", "said"), [
    ("mlops:\n  local: {warm_spark: true\n", "line 3: not valid YAML"),
    ("mlops:\n  local:\n    warm_sprak: false\n", "mlops.local.warm_sprak: unknown key; local takes: workspace_dir"),
    ("mlops:\n  local:\n    warm_spark: 'false'\n", "mlops.local.warm_spark: expected true or false (unquoted), got "
                                                   "'false'"),
    ("mlops:\n  databricks:\n    run_timeout_minutes: '5'\n", "mlops.databricks.run_timeout_minutes: expected a "
                                                              "number (unquoted), got '5'"),
])
def test_a_bad_invoke_local_yaml_stops_every_task_in_one_line_before_it_writes(tmp_path: Path, overrides: str,
                                                                               said: str) -> None:
    (tmp_path / "tasks.py").write_text("from mlops_engine.tasks import ns\n")
    (tmp_path / "invoke.yaml").write_text((SAMPLE_DIR / "invoke.yaml").read_text())
    shutil.copytree(SAMPLE_DIR / "notebooks", tmp_path / "notebooks")
    (tmp_path / "invoke.local.yaml").write_text(overrides)
    done = subprocess.run([sys.executable, "-m", "invoke", "send", "--branch", "x"], cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: {tmp_path / 'invoke.local.yaml'}") and said in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / ".workspace").exists()
