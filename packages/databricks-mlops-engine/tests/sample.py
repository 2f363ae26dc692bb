"""The sample project the engine's tests work on (``sample_project/``: an invoke.yaml as the template writes one,
a notebooks package with configs, a one-module library), and its settings as the tasks load them."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import yaml
from invoke.config import merge_dicts

from mlops_engine.settings import DEFAULTS, load_settings

SAMPLE_DIR = Path(__file__).resolve().with_name("sample_project")
CONFIG = merge_dicts({"mlops": copy.deepcopy(DEFAULTS)}, yaml.safe_load((SAMPLE_DIR / "invoke.yaml").read_text()))
SETTINGS = load_settings(SAMPLE_DIR, CONFIG)
PACKAGE = SAMPLE_DIR / CONFIG["mlops"]["notebooks_package"]


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` as a test's committer; its output."""
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo,
                          check=True, capture_output=True, text=True).stdout.strip()


def commit_all(repo: Path, message: str) -> str:
    """Commit everything in ``repo``; the new commit."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")
