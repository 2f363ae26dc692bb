"""What a CI pipeline tells a command through its variables: Azure Pipelines' and GitHub Actions' alike."""

from __future__ import annotations

import os

BUILD_ID = ("BUILD_BUILDID", "GITHUB_RUN_ID")
BRANCH = ("BUILD_SOURCEBRANCHNAME", "GITHUB_REF_NAME")
SHA = ("BUILD_SOURCEVERSION", "GITHUB_SHA")


def _first(names: tuple[str, ...]) -> str:
    return next((os.environ[name] for name in names if os.environ.get(name)), "")


def pipeline_build_id() -> str:
    """The pipeline's build (Azure's Build.BuildId, GitHub's run id), or "" outside a pipeline."""
    return _first(BUILD_ID)


def pipeline_branch() -> str:
    """The branch the pipeline builds, or "" outside a pipeline."""
    return _first(BRANCH)


def pipeline_sha() -> str:
    """The commit the pipeline builds, or "" outside a pipeline."""
    return _first(SHA)


def in_pipeline() -> bool:
    """True inside an Azure Pipelines or GitHub Actions run, where approvals gate the deploy job."""
    return bool(pipeline_build_id())
