"""``invoke deploy``: the built library into its branch's libraries folder, or with ``--env`` a recorded release.

One rule guards production: whatever writes ``master/`` or ``<root>/libraries/`` is a release. A plain
deploy of the release branch therefore goes through the release of the environment that owns that root,
with its checks (the release branch checked out, a clean tree, approvals) and its MLflow record.
"""

from __future__ import annotations

from dataclasses import replace

from mlops_engine.commands.build import built_artifact, upload_library
from mlops_engine.commands.environments import load_environment
from mlops_engine.commands.progress import Write
from mlops_engine.commands.release import DeployRequest, deploy_environment
from mlops_engine.errors import UserError
from mlops_engine.git import current_branch
from mlops_engine.layout import check_branch, libraries_folder
from mlops_engine.open_target import open_target
from mlops_engine.pipeline_variables import pipeline_branch, pipeline_build_id
from mlops_engine.settings import Settings


def checked_out_branch(settings: Settings) -> str:
    """The branch being deployed from: the pipeline's, else git's; "" when nothing tells (a detached checkout)."""
    if pipeline_branch():
        return pipeline_branch()
    try:
        return current_branch(settings.project_dir)
    except UserError:
        return ""


def release_branch_checked(request: DeployRequest, settings: Settings) -> str:
    """The branch a release comes from: --branch may not claim another branch than the one checked out."""
    checked_out = checked_out_branch(settings)
    if request.branch and checked_out and request.branch != checked_out:
        raise UserError(f"--branch {request.branch}, but {checked_out} is checked out; release a branch from its own "
                        "checkout")
    return request.branch or checked_out


def releasing_environment(settings: Settings, branch: str) -> str:
    """The environment whose release writes this project's ``master/`` and ``libraries/`` from ``branch``."""
    owners = [name for name in settings.environments
              if (environment := load_environment(settings, name)).workspace_root == settings.workspace_root
              and environment.release_branch == branch]
    if len(owners) != 1:
        raise UserError(f"{branch} writes {settings.workspace_root}/master and /libraries, which only a release does, "
                        f"but {'no' if not owners else 'more than one'} environment of mlops.environments releases "
                        f"{branch} there ({', '.join(owners) or 'none'}); use `invoke deploy --env NAME`")
    return owners[0]


def deploy(settings: Settings, request: DeployRequest, write: Write) -> None:
    """Without an environment: the library built in dist/ into the branch's libraries folder; for the release
    branch, a release of the environment that owns the root. With one: a checked, recorded release."""
    if request.environment:
        deploy_environment(settings, replace(request, branch=release_branch_checked(request, settings),
                                             build_id=request.build_id or pipeline_build_id()), write)
        return
    if request.release_only:
        raise UserError("--sha, --via, --note, --force, --prebuilt and --build-id go with --env")
    branch = check_branch(request.branch or checked_out_branch(settings), allow_reserved=True)
    if branch == settings.release_branch:
        branch = release_branch_checked(request, settings)
        environment = releasing_environment(settings, branch)
        write(f"{branch} is the release branch: deploying the built library as a release to {environment}")
        deploy_environment(settings, replace(request, environment=environment, branch=branch, prebuilt=True,
                                             build_id=pipeline_build_id()), write)
        return
    target = open_target(settings, request.target, request.profile)
    upload_library(target.libraries, built_artifact(settings),
                   libraries_folder(settings.workspace_root, branch, settings.release_branch), write)
