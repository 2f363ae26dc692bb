"""``invoke deploy``: the built library into its branch's libraries folder, or with ``--env`` a recorded release."""

from __future__ import annotations

from dataclasses import replace

from ..errors import UserError
from ..git import current_branch
from ..layout import check_branch, libraries_folder
from ..open_target import open_target
from ..pipeline_variables import pipeline_branch, pipeline_build_id
from ..settings import Settings
from .build import built_artifact, upload_library
from .progress import Write
from .release import DeployRequest, deploy_environment
from .send import send_master


def deploying_branch(request: DeployRequest, settings: Settings) -> str:
    """--branch, else the pipeline's branch, else git's; "" when nothing tells (a detached checkout)."""
    if request.branch or pipeline_branch():
        return request.branch or pipeline_branch()
    try:
        return current_branch(settings.project_dir)
    except UserError:
        return ""


def deploy(settings: Settings, request: DeployRequest, write: Write) -> None:
    """Without an environment: the library built in dist/ into the branch's libraries folder (for the release
    branch, production's, with the notebooks into master/). With one: a checked, recorded release."""
    branch = deploying_branch(request, settings)
    if request.environment:
        deploy_environment(settings, replace(request, branch=branch,
                                             build_id=request.build_id or pipeline_build_id()), write)
        return
    if request.release_only:
        raise UserError("--sha, --via, --note, --force, --prebuilt and --build-id go with --env")
    branch = check_branch(branch, allow_reserved=True)
    artifact = built_artifact(settings)
    target = open_target(settings, request.target, request.profile)
    upload_library(target.libraries, artifact,
                   libraries_folder(settings.workspace_root, branch, settings.release_branch), write)
    if branch == settings.release_branch:
        send_master(target, settings, "production_config", write)
