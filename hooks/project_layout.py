"""What the post-generation hook does to a freshly rendered project, kept here so tests can import it."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from answer_rules import choices, parse_developers

DEVELOPER_TEMPLATE = "conf/developer_config.py"
PLACEHOLDER = "DEVELOPER_NAME"
# The files each ci_provider choice of cookiecutter.json owns (a test checks every choice has an entry).
# renovate.json is Azure's update bot; GitHub's, Dependabot, lives in .github (dependabot.yml).
CI_PROVIDER_FILES = {"azure-pipelines": ("azure-pipelines.yml", "renovate.json"), "github-actions": (".github",)}
FIRST_BRANCH = "main"
FALLBACK_IDENTITY = ("-c", "user.name=cookiecutter-databricks-mlops", "-c", "user.email=noreply@example.com")
"""The first commit's author where git has no identity configured (a fresh CI agent, a container)."""


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


def _git(project_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=project_dir, capture_output=True, text=True, check=False)


def initialise_git(project_dir: Path) -> str:
    """Make the project a git repository on ``main`` with the bake as its first commit, so the tasks that read the
    branch and commit (send, ci, deploy) work at once; a project baked inside a work tree is left to that one."""
    if shutil.which("git") is None:
        return "git not found: run `git init` in the project before `invoke send` or `invoke ci`"
    if _git(project_dir, "rev-parse", "--is-inside-work-tree").returncode == 0:
        return "inside an existing git work tree: the project was not made a repository of its own"
    _git(project_dir, "init", "-q", "-b", FIRST_BRANCH)
    _git(project_dir, "add", "-A")
    identity = () if _git(project_dir, "config", "user.email").stdout.strip() else FALLBACK_IDENTITY
    committed = _git(project_dir, *identity, "commit", "-q", "--no-verify", "-m",
                     "Project baked from cookiecutter-databricks-mlops")
    if committed.returncode != 0:
        return f"git commit failed: {committed.stderr.strip()}"
    return f"a git repository on {FIRST_BRANCH} with the bake as its first commit"


def finish_project(project_dir: Path, answers: Mapping[str, object]) -> str:
    """Per-developer configs, the chosen CI provider's files only, ``.cookiecutter.json``, and a first commit."""
    notebooks_dir = project_dir / str(answers["notebooks_package"])
    write_developer_configs(notebooks_dir, parse_developers(str(answers["developers"])))
    prune_ci_provider(project_dir, str(answers["ci_provider"]))
    (project_dir / ".cookiecutter.json").write_text(json.dumps(saved_answers(answers), indent=2) + "\n")
    if "_commit" in answers:
        # cruft renders here: its create, and its update and diff into scratch folders it compares (a .git there
        # would enter the diff); a project made by `cruft create` is made a repository by its team.
        return "made by cruft: `git init`, then commit, before `invoke send` or `invoke ci`"
    return initialise_git(project_dir)
