"""The sample project the engine's tests work on (``sample_project/``: an invoke.yaml as the template writes one,
a notebooks package with configs, a one-module library), and its settings as the tasks load them."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from invoke.config import merge_dicts

from mlops_engine.settings import DEFAULTS, load_settings

SAMPLE_DIR = Path(__file__).resolve().with_name("sample_project")
CONFIG = merge_dicts({"mlops": copy.deepcopy(DEFAULTS)}, yaml.safe_load((SAMPLE_DIR / "invoke.yaml").read_text()))
SETTINGS = load_settings(SAMPLE_DIR, CONFIG)
PACKAGE = SAMPLE_DIR / CONFIG["mlops"]["notebooks_package"]
