"""A branch folder's config, through the real command line against the fake workspace: it keeps the config it was
last sent with, two sends at once leave set_environment and the send record agreeing, and production's config or
registered model never reach a branch folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from fake_databricks import FakeDatabricks
from sample import SAMPLE_DIR

from mlops_engine.contract.workspace import ObjectKind
from mlops_engine.package import LocalItem

FOLDER = "/Projects/Sample/feat"
HEADER = "# Databricks notebook source\n"


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """The sample project, its production config naming the registered model, and two developers' configs."""
    project_dir = tmp_path / "project"
    shutil.copytree(SAMPLE_DIR, project_dir, ignore=shutil.ignore_patterns(".*", "__pycache__", "*.egg-info", "dist"))
    (project_dir / "tasks.py").write_text("from mlops_engine.tasks import ns\n")
    conf = project_dir / "notebooks" / "conf"
    production = conf / "production_config.py"
    production.write_text(production.read_text() + 'MODEL_NAME = f"main.sample.samplelib"\n')
    (conf / "kyle_config.py").write_text(HEADER + "# MAGIC %run ./production_config\n\n# COMMAND ----------\n\n"
                                         'ENVIRONMENT = "kyle"\nMODEL_NAME = f"main.sample.samplelib_kyle"\n')
    (conf / "lazy_config.py").write_text(HEADER + "# MAGIC %run ./production_config\n\n# COMMAND ----------\n\n"
                                         'ENVIRONMENT = "lazy"\n')
    (conf / "copycat_config.py").write_text(HEADER + "# MAGIC %run ./kyle_config\n\n# COMMAND ----------\n\n"
                                            'MODEL_NAME = f"main.sample.samplelib"\n')
    (conf / "dev_config.py").write_text(conf.joinpath("dev_config.py").read_text()
                                        + 'MODEL_NAME = f"main.sample.samplelib_dev"\n')
    return project_dir


def command(project_dir: Path, fake: FakeDatabricks, *args: str) -> tuple[list[str], dict[str, str]]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("DATABRICKS_", "INVOKE_", "BUILD_", "GITHUB_", "TF_BUILD", "MLFLOW_"))}
    env.update(DATABRICKS_HOST=fake.host, DATABRICKS_TOKEN=fake.token, HOME=str(project_dir.parent),
               DATABRICKS_CONFIG_FILE=str(project_dir.parent / "databrickscfg"))
    return [sys.executable, "-m", "invoke", *args, "--target", "databricks"], env


def invoke(project_dir: Path, fake: FakeDatabricks, *args: str) -> subprocess.CompletedProcess[str]:
    argv, env = command(project_dir, fake, *args)
    return subprocess.run(argv, cwd=project_dir, env=env, capture_output=True, text=True, check=False, timeout=300)


def folder_state(fake: FakeDatabricks) -> tuple[str, dict[str, Any]]:
    """The config the folder's set_environment runs, and its send record."""
    set_environment = fake.workspace.objects[f"{FOLDER}/set_environment"].content
    record = json.loads(fake.workspace.objects[f"{FOLDER}/.mlops-send.json"].content)
    assert record["digests"]["set_environment"] == LocalItem("set_environment", ObjectKind.NOTEBOOK,
                                                             set_environment).digest, "record and folder disagree"
    return set_environment.decode().split("./conf/")[1].strip(), record


def test_a_send_or_pipeline_without_config_keeps_the_folder_s_config(project_dir: Path, fake: FakeDatabricks) -> None:
    assert invoke(project_dir, fake, "send", "--branch", "feat", "--config", "kyle").returncode == 0
    resent = invoke(project_dir, fake, "send", "--branch", "feat")
    assert resent.returncode == 0, resent.stderr
    assert f"{FOLDER} keeps conf/kyle_config, the config it was last sent with" in resent.stdout
    assert folder_state(fake)[0] == "kyle_config"
    invoke(project_dir, fake, "pipeline", "--branch", "feat")  # its runs may fail here; its send comes first
    config, record = folder_state(fake)
    assert (config, record["config"]) == ("kyle_config", "kyle_config")
    assert invoke(project_dir, fake, "send", "--branch", "feat", "--config", "dev").returncode == 0
    assert folder_state(fake)[0] == "dev_config"


def test_two_sends_at_once_leave_set_environment_and_the_record_agreeing(project_dir: Path,
                                                                        fake: FakeDatabricks) -> None:
    """The first send is held just before it writes its record until the second has finished or found the first's
    lock: without a lock the second's set_environment would be followed by the first's record."""
    first_holds, release = threading.Event(), threading.Event()
    answer = fake.answer

    def held_answer(request: Any, authorization: str) -> Any:
        written = request.json.get("path", "") if request.path.endswith("/workspace/import") else ""
        if written.endswith("/.mlops-send.json") and not first_holds.is_set():
            first_holds.set()
            release.wait(timeout=120)
        outcome = answer(request, authorization)
        if written.endswith("/.mlops-send.lock") and getattr(outcome, "status", 200) != 200:
            release.set()  # the second send waits for the first's lock
        return outcome

    fake.answer = held_answer  # type: ignore[method-assign]
    argv, env = command(project_dir, fake, "send", "--branch", "feat", "--config", "kyle")
    first = subprocess.Popen(argv, cwd=project_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert first_holds.wait(timeout=120)
    argv, env = command(project_dir, fake, "send", "--branch", "feat", "--config", "dev")
    second = subprocess.Popen(argv, cwd=project_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    second_out, second_err = second.communicate(timeout=300)
    release.set()
    first_out, first_err = first.communicate(timeout=300)
    assert (first.returncode, second.returncode) == (0, 0), first_err + second_err
    config, record = folder_state(fake)
    assert (config, record["config"]) == ("dev_config", "dev_config")
    assert f"waiting for another send to {FOLDER} to finish" in second_out
    assert f"{FOLDER}/.mlops-send.lock" not in fake.workspace.objects


@pytest.mark.parametrize(("config", "said"), [
    ("production", "conf/production_config is production's config: only its release (invoke deploy --env "
                   "production) uses it; send with your own config (--config NAME)"),
    ("lazy", "conf/lazy_config uses production's registered model (MODEL_NAME from conf/production_config), which "
             "only a release of production may write; set MODEL_NAME in conf/lazy_config to your own model, or "
             "choose another config with --config"),
    ("copycat", "conf/copycat_config uses production's registered model (MODEL_NAME from conf/copycat_config)"),
])
def test_production_s_config_or_model_is_refused_to_a_branch_before_anything_is_written(
        project_dir: Path, fake: FakeDatabricks, config: str, said: str) -> None:
    for args in (("pipeline", "--branch", "feat", "--config", config), ("send", "--branch", "feat", "--config",
                                                                         config)):
        refused = invoke(project_dir, fake, *args)
        assert refused.returncode == 1
        assert refused.stderr.startswith(f"error: {said}") and len(refused.stderr.strip().splitlines()) == 1, \
            refused.stderr
    assert not [call for call in fake.calls() if call[0] == "POST"]
    assert not (project_dir / "dist").exists()


def test_a_config_that_inherits_production_with_its_own_model_is_the_developer_s(project_dir: Path,
                                                                                 fake: FakeDatabricks) -> None:
    sent = invoke(project_dir, fake, "send", "--branch", "feat", "--config", "kyle")
    assert sent.returncode == 0, sent.stderr
    assert folder_state(fake)[0] == "kyle_config"


def test_a_run_of_a_folder_sent_with_production_s_config_is_refused_before_it_is_submitted(
        project_dir: Path, fake: FakeDatabricks) -> None:
    """master/ as a release leaves it: set_environment -> production_config, named in its send record."""
    from fake_databricks.storage import WorkspaceObject

    master = "/Projects/Sample/master"
    fake.add_notebook(f"{master}/ModelTraining")
    fake.add_notebook(f"{master}/set_environment", (HEADER + "# MAGIC %run ./conf/production_config\n").encode())
    fake.workspace.objects[f"{master}/.mlops-send.json"] = WorkspaceObject("FILE", json.dumps(
        {"format": 1, "config": "production_config", "digests": {}}).encode())

    (project_dir / "dist").mkdir()
    (project_dir / "dist" / "samplelib-0.1.0-py3-none-any.whl").write_bytes(b"wheel")
    refused = invoke(project_dir, fake, "run", "--branch", "master")

    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"error: {master} runs production's config; a run there is not a release: conf/production_config is "
        "production's config: only its release (invoke deploy --env production) uses it; send with your own config "
        "(--config NAME)")
    assert not fake.jobs.runs
