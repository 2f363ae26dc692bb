"""``ci --via repos``: run the notebook from a Databricks Git folder (Repo) checked out at the branch.

The second flavour of the seeds' Databricks blog: instead of sending files, the workspace clones the
remote; the temporary repo is removed afterwards unless the user keeps it to debug.
"""

from __future__ import annotations

import contextlib
import posixpath
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from posixpath import join
from urllib.parse import urlsplit, urlunsplit

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound, ResourceAlreadyExists

from .databricks_errors import explained
from .databricks_workspace import DatabricksWorkspace
from .errors import UserError
from .layout import check_branch
from .runs import Clock, Runner, RunRequest, RunStatus, SubmittedRun, wait_for_run

PROVIDERS_BY_HOST = {
    "github.com": "gitHub",
    "gitlab.com": "gitLab",
    "bitbucket.org": "bitbucketCloud",
    "dev.azure.com": "azureDevOpsServices",
    "visualstudio.com": "azureDevOpsServices",
}


def public_url(url: str) -> str:
    """The remote without user info: CI remotes often carry a token (https://user:TOKEN@host/...)."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        raise UserError(f"git remote {url!r} is not an https URL; Databricks Repos clone over https")
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def origin_url(project_dir: Path) -> str:
    """The project's ``origin`` remote, without credentials."""
    result = subprocess.run(
        ["git", "remote", "get-url", "origin"], cwd=project_dir, capture_output=True, text=True, check=False
    )
    if result.returncode != 0 or not result.stdout.strip():
        raise UserError("the project has no git remote 'origin'; set mlops.databricks.repos.git_url")
    return public_url(result.stdout.strip())


def git_provider(url: str) -> str:
    """The Repos API provider name for a remote on a well-known host."""
    host = urlsplit(url).hostname or ""
    for known, provider in PROVIDERS_BY_HOST.items():
        if host == known or host.endswith("." + known):
            return provider
    raise UserError(f"cannot tell the git provider of {host or url!r}; set mlops.databricks.repos.provider")


def repo_path(prefix: str, build_id: str, branch: str) -> str:
    """The temporary repo of one CI build: ``<prefix>/<build>-<branch>``."""
    if not prefix.startswith("/") or prefix.rstrip("/").count("/") < 2:
        raise UserError(f"repos prefix {prefix!r} must be a folder like /Repos/ci/<project>")
    return join(prefix.rstrip("/"), f"{build_id}-{check_branch(branch, allow_reserved=True)}")


@dataclass(frozen=True)
class RepoCheckout:
    """A Databricks repo at ``path`` checked out at ``branch``."""

    repo_id: int
    path: str
    branch: str


def checkout(client: WorkspaceClient, url: str, path: str, branch: str, provider: str | None = None) -> RepoCheckout:
    """Create the repo at ``path`` (or reuse the one there) and check out ``branch``."""
    url = public_url(url)
    provider = provider or git_provider(url)
    host = (client.config.host or "").rstrip("/")
    with explained(f"check out {url} at {branch} into {path}", host):
        try:
            repo_id = client.repos.create(url=url, provider=provider, path=path).id
        except ResourceAlreadyExists:
            found = [repo for repo in client.repos.list(path_prefix=path) if repo.path == path]
            if not found:
                raise UserError(f"{path} on {host} exists but is not a repo; remove it or change the prefix") from None
            repo_id = found[0].id
        client.repos.update(repo_id, branch=branch)
    return RepoCheckout(int(repo_id), path, branch)


def remove(client: WorkspaceClient, repo: RepoCheckout) -> None:
    """Delete the temporary repo; no error if it is already gone."""
    with explained(f"delete repo {repo.path}", (client.config.host or "").rstrip("/")), contextlib.suppress(NotFound):
        client.repos.delete(repo.repo_id)


@dataclass(frozen=True)
class RepoRun:
    """A notebook run from a repo: which notebook (relative to the repo root) and how."""

    url: str
    branch: str
    path: str
    notebook: str
    run_name: str
    timeout_seconds: int
    parameters: Mapping[str, str] = field(default_factory=dict)
    libraries: Sequence[str] = ()
    provider: str | None = None
    keep: bool = False
    set_environment: bytes | None = None
    """The set_environment notebook to write beside the notebook in the checkout (CI's, as the seeds do)."""


def run_via_repos(
    client: WorkspaceClient,
    runner: Runner,
    plan: RepoRun,
    on_submitted: Callable[[SubmittedRun], None],
    on_progress: Callable[[RunStatus, float], None],
    clock: Clock | None = None,
) -> tuple[SubmittedRun, RunStatus]:
    """Check out, run and wait; the repo is deleted afterwards (even on failure) unless ``keep``."""
    repo = checkout(client, plan.url, plan.path, plan.branch, plan.provider)
    try:
        if plan.set_environment is not None:
            folder = join(repo.path, posixpath.dirname(plan.notebook))
            workspace = DatabricksWorkspace(client)
            workspace.mkdirs(folder)
            workspace.import_notebook(join(folder, "set_environment"), plan.set_environment)
        submitted = runner.submit(
            RunRequest(
                run_name=plan.run_name,
                notebook_path=join(repo.path, plan.notebook),
                parameters=plan.parameters,
                libraries=plan.libraries,
                timeout_seconds=plan.timeout_seconds,
                idempotency_token=f"{plan.run_name}-{repo.repo_id}"[:64],
            )
        )
        on_submitted(submitted)
        status = wait_for_run(runner, submitted.run_id, plan.timeout_seconds, on_progress, clock)
        return submitted, status
    finally:
        if not plan.keep:
            remove(client, repo)
