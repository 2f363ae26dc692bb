"""The same folder rules on the local target, through the real command line: a folder keeps the config it was last
sent with, and a send waits while another holds the folder's lock."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sample import SAMPLE_DIR

FOLDER = Path(".workspace/Projects/Sample/feat")


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    project_dir = tmp_path / "project"
    shutil.copytree(SAMPLE_DIR, project_dir, ignore=shutil.ignore_patterns(".*", "__pycache__", "*.egg-info", "dist"))
    (project_dir / "tasks.py").write_text("from mlops_engine.tasks import ns\n")
    return project_dir


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "invoke", *args, "--target", "local"]


def environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if not name.startswith(("INVOKE_", "MLFLOW_"))}


def send(project_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command("send", "--branch", "feat", *args), cwd=project_dir, env=environment(),
                          capture_output=True, text=True, check=False, timeout=300)


def runs_config(project_dir: Path) -> tuple[str, str | None]:
    """The config the folder's set_environment runs, and the one its send record names."""
    folder = project_dir / FOLDER
    record = json.loads((folder / ".mlops-send.json").read_text())
    return (folder / "set_environment").read_text().split("./conf/")[1].strip(), record.get("config")


def test_a_send_without_config_keeps_the_folder_s_config(project_dir: Path) -> None:
    assert send(project_dir, "--config", "ci").returncode == 0
    resent = send(project_dir)
    assert resent.returncode == 0, resent.stderr
    assert runs_config(project_dir) == ("ci_config", "ci_config")
    assert send(project_dir, "--config", "dev").returncode == 0
    assert runs_config(project_dir) == ("dev_config", "dev_config")


def test_a_send_waits_while_another_holds_the_folder_s_lock(project_dir: Path) -> None:
    lock = project_dir / FOLDER / ".mlops-send.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps({"since": time.time(), "host": "colleague", "pid": 1}))
    waiting = subprocess.Popen(command("send", "--branch", "feat", "--config", "ci"), cwd=project_dir,
                               env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first_line = waiting.stdout.readline() if waiting.stdout else ""
    assert first_line.startswith("waiting for another send to /Projects/Sample/feat to finish"), first_line
    assert not (project_dir / FOLDER / "set_environment").exists()
    lock.unlink()  # the other send ends
    assert waiting.wait(timeout=300) == 0
    assert runs_config(project_dir) == ("ci_config", "ci_config") and not lock.exists()
