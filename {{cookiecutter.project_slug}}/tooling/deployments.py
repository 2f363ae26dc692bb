"""``invoke deploy --env``: release a commit to an environment, recorded in MLflow; and its history.

A deploy puts the library in ``<root>/libraries/`` and the notebooks in ``<root>/master/`` with
``set_environment`` pointing at the environment's config (or, with ``via="repos"``, checks out the
release branch in the environment's Databricks Repo instead). ``sha`` redeploys an earlier commit
from a git worktree of it: a rollback, recorded the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .deployment_log import DeploymentLog, deployer, history_table, tracking_uri
from .environments import Environment, check_approvals, check_host, environment_settings, load_environment
from .errors import UserError
from .git_source import checked_out, is_ancestor, resolve_commit, uncommitted
from .layout import check_branch, libraries_folder, master_folder
from .operations import build, built_artifact, send_folder, upload_library
from .settings import Settings
from .sync import check_config, collect_package, set_environment_notebook
from .targets import LibraryStore

Write = Callable[[str], None]
VIAS = ("files", "repos")


@dataclass(frozen=True)
class DeployRequest:
    """What to deploy where, as the command line asked."""

    environment: str
    branch: str
    build_id: str = ""
    sha: str | None = None
    via: str = "files"
    note: str = ""
    force: bool = False
    prebuilt: bool = False
    target: str | None = None
    profile: str | None = None


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


@dataclass(frozen=True)
class Destination:
    """Where a deploy writes: the library store, the host for the record, and how notebooks arrive."""

    name: str
    host: str
    libraries: LibraryStore
    deliver: Callable[[Settings, Write], str]


def _files_destination(env_settings: Settings, environment: Environment, target: str | None,
                       profile: str | None) -> Destination:
    from .targets import open_target

    opened = open_target(env_settings, target, profile)
    host = getattr(opened.workspace, "host", "")
    if opened.name == "databricks":
        check_host(environment, host)

    def deliver(source: Settings, write: Write) -> str:
        folder = master_folder(environment.workspace_root)
        check_config(collect_package(source.notebooks_dir), environment.config_notebook)
        write(f"send to {folder}:")
        send_folder(opened, source, folder, set_environment_notebook(environment.config_notebook), full=True,
                    write=write)
        return folder

    return Destination(opened.name, host or "local", opened.libraries, deliver)


def _repos_destination(env_settings: Settings, environment: Environment, target: str | None,
                       profile: str | None) -> Destination:
    if (target or env_settings.target) != "databricks":
        raise UserError("--via repos needs --target databricks (Repos exist only in a workspace)")
    from .databricks_target import databricks_target
    from .repos_ci import checkout, origin_url

    opened = databricks_target(env_settings, profile)
    check_host(environment, opened.host)
    repos = env_settings.databricks.get("repos") or {}
    path = environment.repo_path or f"/Repos/{environment.name}/{env_settings.library_name}"

    def deliver(source: Settings, write: Write) -> str:
        url = environment.git_url or str(repos.get("git_url") or "") or origin_url(source.project_dir)
        repo = checkout(opened.client, url, path, environment.release_branch, repos.get("provider") or None)
        write(f"repo {repo.path} checked out at {repo.branch}")
        return repo.path

    return Destination("databricks", opened.host, opened.libraries, deliver)


def deploy_environment(settings: Settings, environments: Mapping[str, Any], request: DeployRequest,
                       write: Write) -> str:
    """Deploy to ``request.environment`` and record it; return the MLflow run id of the record."""
    environment = load_environment(settings, environments, request.environment)
    commit = check_request(settings.project_dir, settings, environment, request)
    env_settings = environment_settings(settings, environment)
    profile = request.profile or environment.profile or None
    opener = _repos_destination if request.via == "repos" else _files_destination
    destination = opener(env_settings, environment, request.target, profile)
    log = DeploymentLog(tracking_uri(destination.name, settings.local.mlflow_dir, profile),
                        environment.workspace_root,
                        settings.local.mlflow_dir / "mlruns" if destination.name == "local" else None)
    who, what = deployer()
    run_id = log.start(f"{environment.name}-{commit[:10]}", {
        "environment": environment.name, "git_sha": commit, "git_branch": request.branch, "build_id": request.build_id,
        "kind": "rollback" if request.sha else "deploy", "via": request.via, "host": destination.host,
        "deployed_by": who, "deployed_with": what, "note": request.note,
    })
    write(f"deploying {commit[:10]} to {environment.name} (record {run_id} in {log.experiment_name})")
    try:
        with source_tree(settings.project_dir, commit if request.sha else None) as tree:
            source = replace(env_settings, project_dir=tree)
            artifact = built_artifact(env_settings) if request.prebuilt else build(source, write)
            log.log(run_id, {"library_version": library_version(artifact), "library_artifact": artifact.name})
            folder = libraries_folder(environment.workspace_root, environment.release_branch,
                                      environment.release_branch)
            upload_library(destination.libraries, artifact, folder, write)
            log.log(run_id, {"notebook_folder": destination.deliver(source, write)})
    except BaseException as error:  # noqa: BLE001 - recorded as failed, then raised as it came
        log.finish(run_id, str(error) or type(error).__name__)
        raise
    log.finish(run_id, None)
    write(f"deployed {commit[:10]} to {environment.name}")
    return run_id


def deployments(settings: Settings, environments: Mapping[str, Any], environment_name: str, target: str | None,
                profile: str | None, limit: int) -> str:
    """``invoke deployments``: the environment's deploy history as a table, newest first."""
    environment = load_environment(settings, environments, environment_name)
    name = target or settings.target
    log = DeploymentLog(tracking_uri(name, settings.local.mlflow_dir, profile or environment.profile or None),
                        environment.workspace_root)
    found = log.history(environment.name, limit)
    if not found:
        return f"no deployments to {environment.name} recorded in {log.experiment_name}"
    return history_table(found)
