"""What only a release may do with production: ship a commit (only one on the release branch), and run with
production's config or registered model (a branch folder's set_environment never may).

The branch a release names comes from ``--branch`` or a pipeline's variables (``BUILD_SOURCEBRANCHNAME``): a claim,
which anyone can set by hand on a laptop. Git's history of the release branch is what says a commit was merged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from posixpath import dirname, join, normpath

from mlops_engine.commands.environments import load_environment
from mlops_engine.contract.workspace import Workspace
from mlops_engine.errors import UserError
from mlops_engine.git import branch_refs, is_ancestor
from mlops_engine.package import LocalItem, collect_package
from mlops_engine.pipeline_variables import in_pipeline, pipeline_sha
from mlops_engine.settings import Settings
from mlops_engine.sync import recorded_config


def check_release_commit(project_dir: Path, commit: str, release_branch: str, environment: str) -> None:
    """Refuse a commit that is not on ``release_branch`` (locally or as origin's). A checkout that knows no ref of
    the branch (a pipeline's shallow fetch of one commit) may release only the commit its pipeline builds."""
    if branch_refs(project_dir, release_branch):
        if is_ancestor(project_dir, commit, release_branch):
            return
    elif in_pipeline() and pipeline_sha() == commit:
        return
    raise UserError(f"{commit[:10]} is not on {release_branch}, whatever the branch variables say; {environment} "
                    f"takes only commits merged into {release_branch}: merge and release from there (or --force)")


RUN_LINE = re.compile(r"^# MAGIC %run\s+(\S+)\s*$")
MODEL_NAME_LINE = re.compile(r"^MODEL_NAME\s*(?::[^=]*)?=(?!=)\s*(.*?)\s*$")
"""The registry name a config gives: the model whose ``@champion`` its ModelEvaluation moves and scoring loads."""


def _model_name(items: Mapping[str, LocalItem], notebook: str, seen: frozenset[str]) -> tuple[str, str] | None:
    """Where ``notebook``'s MODEL_NAME comes from along its ``%run`` chain: (the notebook that assigns it last, the
    expression assigned); None when no notebook of the chain assigns it."""
    item = items.get(notebook)
    if item is None or notebook in seen:
        return None
    found = None
    for line in item.content.decode("utf-8", "replace").splitlines():
        if run := RUN_LINE.match(line):
            found = _model_name(items, normpath(join(dirname(notebook), run.group(1))), seen | {notebook}) or found
        elif assigned := MODEL_NAME_LINE.match(line):
            found = (notebook, assigned.group(1))
    return found


def check_developer_config(settings: Settings, items: Mapping[str, LocalItem], config_notebook: str) -> None:
    """Refuse a branch folder a config that is an environment's (``mlops.environments.*.config``) or that takes its
    MODEL_NAME from one: a run there would register and promote production's model. A config that inherits from
    production but sets its own MODEL_NAME (as ``conf/<developer>_config`` does) is the developer's."""
    production = {f"conf/{(environment := load_environment(settings, name)).config_notebook}": environment.name
                  for name in settings.environments}
    path = f"conf/{config_notebook}"
    if path in production:
        raise UserError(f"{path} is {production[path]}'s config: only its release (invoke deploy --env "
                        f"{production[path]}) uses it; send with your own config (--config NAME)")
    mine = _model_name(items, path, frozenset())
    theirs = {notebook: _model_name(items, notebook, frozenset()) for notebook in production}
    owner = next((production[notebook] for notebook, name in theirs.items()
                  if mine is not None and (mine[0] == notebook or (name is not None and mine[1] == name[1]))), None)
    if owner is not None and mine is not None:
        raise UserError(f"{path} uses {owner}'s registered model (MODEL_NAME from {mine[0]}), which only a release "
                        f"of {owner} may write; set MODEL_NAME in {path} to your own model, or choose another config "
                        "with --config")


def check_run_folder(settings: Settings, workspace: Workspace, folder: str) -> None:
    """Refuse a run of a folder whose send record names production's config (``master/``, or a branch folder sent
    so before sends refused it): ModelEvaluation there moves production's ``@champion``, which only production's own
    jobs may; run a branch folder sent with a developer's config."""
    config = recorded_config(workspace, folder)
    if config is None:
        return
    try:
        check_developer_config(settings, collect_package(settings.notebooks_dir), config)
    except UserError as refused:
        raise UserError(f"{folder} runs production's config; a run there is not a release: {refused}") from None
