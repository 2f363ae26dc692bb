"""``invoke deploy --env``: release a commit to an environment, recorded in MLflow; and its history.

A deploy puts the library in ``<root>/libraries/`` and the notebooks in ``<root>/master/`` with
``set_environment`` pointing at the environment's config (or, with ``via="repos"``, checks out the
release branch in the environment's Git folder instead). ``sha`` redeploys an earlier commit from a
git worktree of it: a rollback, recorded the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from mlops_engine.commands.build import build, built_artifact, upload_library
from mlops_engine.commands.deployment_log import DeploymentLog, deployer, history_table
from mlops_engine.commands.environments import (
    Environment,
    check_approvals,
    check_host,
    environment_settings,
    load_environment,
)
from mlops_engine.commands.progress import Write
from mlops_engine.commands.release_guard import restored_on_failure
from mlops_engine.commands.send import send_master
from mlops_engine.contract.target import Target
from mlops_engine.errors import UserError
from mlops_engine.git import checked_out, is_ancestor, origin_url, resolve_commit, uncommitted
from mlops_engine.layout import check_branch, libraries_folder, master_folder
from mlops_engine.open_target import open_target
from mlops_engine.production_guard import check_release_commit
from mlops_engine.settings import Settings

VIAS = ("files", "repos")


@dataclass(frozen=True)
class DeployRequest:
    """What to deploy where, as the command line asked (``invoke deploy``'s arguments)."""

    environment: str = ""
    branch: str = ""
    build_id: str = ""
    sha: str | None = None
    via: str = "files"
    note: str = ""
    force: bool = False
    prebuilt: bool = False
    target: str | None = None
    profile: str | None = None

    @property
    def release_only(self) -> bool:
        """True when an option that only a release (an ``environment``) takes was given."""
        return bool(self.sha or self.note or self.force or self.prebuilt or self.build_id or self.via != "files")


def library_version(artifact: Path) -> str:
    """The version in a wheel or egg file name (``name-1.2.0-py3-none-any.whl``)."""
    parts = artifact.name.split("-")
    if len(parts) < 3:
        raise UserError(f"cannot read a version from {artifact.name}")
    return parts[1]


def check_request(project_dir: Path, settings: Settings, environment: Environment, request: DeployRequest) -> str:
    """Refuse what must not reach an environment; return the commit being deployed."""
    if request.via not in VIAS:
        raise UserError(f"--via {request.via!r}: choose {' or '.join(VIAS)}")
    if request.sha and request.prebuilt:
        raise UserError("--sha builds the library from that commit; drop --prebuilt")
    if request.sha and request.via == "repos":
        raise UserError("--via repos checks out the release branch; roll back with --via files --sha")
    check_approvals(environment, force=request.force)
    commit = resolve_commit(project_dir, request.sha or "HEAD")
    if request.force:
        return commit
    if request.sha:
        if not is_ancestor(project_dir, commit, environment.release_branch):
            raise UserError(f"{commit[:10]} is not on {environment.release_branch}; only released commits go to "
                            f"{environment.name} (--force to override)")
        return commit
    if check_branch(request.branch, allow_reserved=True) != environment.release_branch:
        raise UserError(f"{environment.name} releases from {environment.release_branch}, not {request.branch} "
                        "(--force to override)")
    check_release_commit(project_dir, commit, environment.release_branch, environment.name)
    changed = uncommitted(project_dir, [settings.notebooks_package, "src", "pyproject.toml"])
    if changed:
        raise UserError(f"uncommitted changes would ship unrecorded: {', '.join(changed[:5])}; commit them "
                        "(or --force)")
    return commit


@contextmanager
def source_tree(project_dir: Path, commit: str | None) -> Iterator[Path]:
    """The project itself, or for a rollback a worktree of the earlier commit."""
    if commit is None:
        yield project_dir
        return
    with checked_out(project_dir, commit) as tree:
        yield tree


def deliver_notebooks(target: Target, source: Settings, environment: Environment, via: str, write: Write) -> str:
    """The notebooks into ``master/`` (files) or the environment's Git folder at the release branch (repos)."""
    if via == "files":
        return send_master(target, source, environment.config_notebook, write, full=True).folder
    if target.repos is None:
        raise UserError(f"--via repos needs a workspace with Git folders; the {target.name} target has none "
                        "(use --target databricks)")
    repos = source.databricks.get("repos") or {}
    url = environment.git_url or str(repos.get("git_url") or "") or origin_url(source.project_dir)
    path = environment.repo_path or f"/Repos/{environment.name}/{source.library_name}"
    repo = target.repos.checkout(url, path, environment.release_branch, repos.get("provider") or None)
    write(f"repo {repo.path} checked out at {repo.branch}")
    return repo.path


def deploy_environment(settings: Settings, request: DeployRequest, write: Write) -> str:
    """Deploy to ``request.environment`` and record it; return the MLflow run id of the record."""
    environment = load_environment(settings, request.environment)
    commit = check_request(settings.project_dir, settings, environment, request)
    env_settings = environment_settings(settings, environment)
    profile = request.profile or environment.profile or None
    target = open_target(env_settings, request.target, profile)
    check_host(environment, target.host)
    log = DeploymentLog(target.tracking_uri, environment.workspace_root)
    who, what = deployer()
    run_id = log.start(f"{environment.name}-{commit[:10]}", {
        "environment": environment.name, "git_sha": commit, "git_branch": request.branch, "build_id": request.build_id,
        "kind": "rollback" if request.sha else "deploy", "via": request.via, "host": target.host or target.name,
        "forced": str(request.force).lower(), "deployed_by": who, "deployed_with": what, "note": request.note,
    })
    write(f"deploying {commit[:10]} to {environment.name} (record {run_id} in {log.experiment_name})")
    try:
        with source_tree(settings.project_dir, commit if request.sha else None) as tree:
            source = replace(env_settings, project_dir=tree)
            artifact = built_artifact(env_settings) if request.prebuilt else build(source, write)
            log.log(run_id, {"library_version": library_version(artifact), "library_artifact": artifact.name})
            folder = libraries_folder(environment.workspace_root, environment.release_branch,
                                      environment.release_branch)
            notebooks = master_folder(environment.workspace_root) if request.via == "files" else None
            with restored_on_failure(target, notebooks, folder, artifact.name, environment.name, write):
                upload_library(target.libraries, artifact, folder, write)
                delivered = deliver_notebooks(target, source, environment, request.via, write)
            log.log(run_id, {"notebook_folder": delivered})
    except BaseException as error:  # noqa: BLE001 - recorded as failed, then raised as it came
        log.finish(run_id, str(error) or type(error).__name__)
        raise
    log.finish(run_id, None)
    write(f"deployed {commit[:10]} to {environment.name}")
    return run_id


def deployments(settings: Settings, environment_name: str, limit: int, *, target: str | None = None,
                profile: str | None = None) -> str:
    """``invoke deployments``: the environment's deploy history as a table, newest first."""
    environment = load_environment(settings, environment_name)
    opened = open_target(environment_settings(settings, environment), target, profile or environment.profile or None)
    log = DeploymentLog(opened.tracking_uri, environment.workspace_root)
    found = log.history(environment.name, limit)
    if not found:
        return f"no deployments to {environment.name} recorded in {log.experiment_name}"
    return history_table(found)
