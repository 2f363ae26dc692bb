"""What the post-generation hook does to a freshly rendered project, kept here so tests can import it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from answer_rules import parse_developers

DEVELOPER_TEMPLATE = "conf/developer_config.py"
PLACEHOLDER = "DEVELOPER_NAME"
MACHINE_KEYS = frozenset({"_output_dir", "_repo_dir", "_checkout"})


def write_developer_configs(notebooks_dir: Path, developers: list[str]) -> list[Path]:
    """Turn the developer config template into one ``<name>_config.py`` per developer."""
    template = notebooks_dir / DEVELOPER_TEMPLATE
    text = template.read_text()
    written = []
    for name in developers:
        target = template.with_name(f"{name}_config.py")
        target.write_text(text.replace(PLACEHOLDER, name))
        written.append(target)
    template.unlink()
    return written


def saved_answers(answers: Mapping[str, object]) -> dict[str, object]:
    """The answers worth keeping for a later regeneration: no machine-specific paths."""
    return {key: value for key, value in answers.items() if key not in MACHINE_KEYS}


def finish_project(project_dir: Path, answers: Mapping[str, object]) -> None:
    """Per-developer configs and ``.cookiecutter.json``."""
    notebooks_dir = project_dir / str(answers["notebooks_package"])
    write_developer_configs(notebooks_dir, parse_developers(str(answers["developers"])))
    (project_dir / ".cookiecutter.json").write_text(json.dumps(saved_answers(answers), indent=2) + "\n")
