"""What the post-generation hook does to a freshly rendered project, kept here so tests can import it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path

from answer_rules import choices, parse_developers

DEVELOPER_TEMPLATE = "conf/developer_config.py"
PLACEHOLDER = "DEVELOPER_NAME"
# The files each ci_provider choice of cookiecutter.json owns (a test checks every choice has an entry).
CI_PROVIDER_FILES = {"azure-pipelines": ("azure-pipelines.yml",), "github-actions": (".github",)}


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


def prune_ci_provider(project_dir: Path, provider: str) -> list[Path]:
    """Keep only the chosen CI provider's pipeline files; return what was removed."""
    options = choices("ci_provider")
    if provider not in options:
        raise ValueError(f"ci_provider {provider!r} is not one of {options}")
    removed = []
    for other, names in CI_PROVIDER_FILES.items():
        if other == provider:
            continue
        for name in names:
            path = project_dir / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
            removed.append(path)
    return removed


def saved_answers(answers: Mapping[str, object]) -> dict[str, object]:
    """The answers to the questions, for a later regeneration or ``cruft link --extra-context``.

    Private keys are left out: they hold machine paths (``_output_dir``, ``_repo_dir``, a local
    ``_template``), cruft's ``_commit`` (which would change this file on every update) and the template's
    own settings, which a newer template must be free to change.
    """
    return {key: value for key, value in answers.items() if not key.startswith("_")}


def finish_project(project_dir: Path, answers: Mapping[str, object]) -> None:
    """Per-developer configs, the chosen CI provider's files only, and ``.cookiecutter.json``."""
    notebooks_dir = project_dir / str(answers["notebooks_package"])
    write_developer_configs(notebooks_dir, parse_developers(str(answers["developers"])))
    prune_ci_provider(project_dir, str(answers["ci_provider"]))
    (project_dir / ".cookiecutter.json").write_text(json.dumps(saved_answers(answers), indent=2) + "\n")
