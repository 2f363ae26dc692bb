"""The fake's one-time runs (Jobs API 2.2 runs/*) and Git folders (Repos API), scripted by the tests."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .http import ApiError, Request, Response, already_exists, invalid, not_found
from .storage import WorkspaceObject, WorkspaceTree

GIT_PROVIDERS = {
    "github": "gitHub", "gitlab": "gitLab", "bitbucketcloud": "bitbucketCloud", "azuredevopsservices":
    "azureDevOpsServices", "githubenterprise": "gitHubEnterprise", "bitbucketserver": "bitbucketServer",
    "gitlabenterpriseedition": "gitLabEnterpriseEdition", "awscodecommit": "awsCodeCommit",
}


@dataclass(frozen=True)
class RunScript:
    """How a run of one notebook unfolds: PENDING and RUNNING for so many polls (runs/get), then its end.

    With ``duration_seconds`` the run ends that long after submission instead, by the wall clock.
    """

    pending_polls: int = 1
    running_polls: int = 1
    result_state: str = "SUCCESS"
    life_cycle_end: str = "TERMINATED"
    state_message: str = ""
    error: str | None = None
    error_trace: str | None = None
    notebook_result: str | None = None
    duration_seconds: float | None = None


@dataclass
class FakeRun:
    run_id: int
    task_run_id: int
    body: dict[str, Any]
    script: RunScript
    started: float = field(default_factory=time.time)
    polls: int = 0
    cancelled_at: float | None = None
    ended_at: float | None = None

    @property
    def task(self) -> dict[str, Any]:
        return self.body["tasks"][0]

    def state(self) -> dict[str, Any]:
        script = self.script
        if self.cancelled_at is not None:
            return {"life_cycle_state": "TERMINATED", "result_state": "CANCELED", "state_message": "Run cancelled.",
                    "user_cancelled_or_timedout": True}
        if script.duration_seconds is not None:
            elapsed = time.time() - self.started
            phase = "PENDING" if elapsed < script.duration_seconds * 0.1 else "RUNNING"
            ended = elapsed >= script.duration_seconds
        else:
            phase = "PENDING" if self.polls <= script.pending_polls else "RUNNING"
            ended = self.polls > script.pending_polls + script.running_polls
        if not ended:
            message = "Waiting for cluster" if phase == "PENDING" else "In run"
            return {"life_cycle_state": phase, "state_message": message}
        if self.ended_at is None:
            self.ended_at = self.started + script.duration_seconds if script.duration_seconds else time.time()
        result = "FAILED" if script.life_cycle_end == "INTERNAL_ERROR" else script.result_state
        return {"life_cycle_state": script.life_cycle_end, "result_state": result,
                "state_message": script.state_message or ("" if result == "SUCCESS" else script.error or "")}

    @property
    def is_terminal(self) -> bool:
        return self.cancelled_at is not None or self.ended_at is not None


class Jobs:
    """``/api/2.2/jobs/runs/*`` (and 2.1): submit honours idempotency tokens; each runs/get moves a run on."""

    def __init__(self, tree: WorkspaceTree, library_exists: Callable[[str], bool]) -> None:
        self.tree = tree
        self.library_exists = library_exists
        self.runs: dict[int, FakeRun] = {}
        self.task_runs: dict[int, FakeRun] = {}
        self.scripts: dict[str, RunScript] = {}
        self.clusters: set[str] = {"0123-456789-fakecl"}
        self.tokens: dict[str, int] = {}
        self._ids = itertools.count(1001)

    def _page_url(self, host: str, run_id: int) -> str:
        return f"{host}/?o=1234567890123456#job/987/run/{run_id}"

    def _notebook_exists(self, path: str) -> bool:
        obj = self.tree.objects.get(path)
        if obj is not None and obj.object_type == "NOTEBOOK":
            return True
        return any(self.tree.objects.get(p, WorkspaceObject("FILE")).object_type == "REPO"
                   for p in _ancestors(path))

    def _script_for(self, task: dict[str, Any]) -> RunScript:
        path = task["notebook_task"]["notebook_path"]
        if path in self.scripts:
            return self.scripts[path]
        if not self._notebook_exists(path):
            return RunScript(life_cycle_end="INTERNAL_ERROR", state_message=f"Unable to access the notebook "
                             f"\"{path}\". Either it does not exist, or the identity used to run this job lacks "
                             "the required permissions.")
        for library in task.get("libraries", []):
            for path in library.values():
                if isinstance(path, str) and not self.library_exists(path):
                    return RunScript(life_cycle_end="INTERNAL_ERROR", state_message=f"Library installation failed "
                                     f"for library due to user error. Error message: File {path} does not exist")
        return RunScript()

    def _validate(self, body: dict[str, Any]) -> None:
        tasks = body.get("tasks")
        if not tasks:
            raise invalid("At least one task is required.")
        environments = {e.get("environment_key") for e in body.get("environments", [])}
        for task in tasks:
            notebook = task.get("notebook_task") or {}
            if not str(notebook.get("notebook_path", "")).startswith("/"):
                raise invalid("Invalid notebook_path: it must be an absolute workspace path.")
            if task.get("new_cluster") is not None:
                cluster = task["new_cluster"]
                if not cluster.get("spark_version"):
                    raise invalid("Missing required field: spark_version")
                if not (cluster.get("node_type_id") or cluster.get("instance_pool_id")):
                    raise invalid("Missing required field: node_type_id")
            if task.get("existing_cluster_id") is not None and task["existing_cluster_id"] not in self.clusters:
                raise invalid(f"Cluster {task['existing_cluster_id']} does not exist")
            if task.get("environment_key") is not None and task["environment_key"] not in environments:
                raise invalid(f"Environment {task['environment_key']} is not defined in the job's environments.")
            if not any(task.get(field) is not None for field in CLUSTER_FIELDS):
                _validate_serverless(task)
        for environment in body.get("environments", []):
            spec = environment.get("spec") or {}
            if not (spec.get("client") or spec.get("environment_version")):
                raise invalid("Environment spec must set environment_version (or client).")
        if int(body.get("timeout_seconds") or 0) < 0:
            raise invalid("timeout_seconds must be non-negative")

    def _run_json(self, run: FakeRun, host: str) -> dict[str, Any]:
        state = run.state()
        task = {**run.task, "run_id": run.task_run_id, "state": state,
                "run_page_url": self._page_url(host, run.task_run_id)}
        return {
            "job_id": 987, "run_id": run.run_id, "number_in_job": run.run_id, "run_name": run.body.get("run_name"),
            "run_type": "SUBMIT_RUN", "format": "MULTI_TASK", "run_page_url": self._page_url(host, run.run_id),
            "state": state, "status": {"state": state["life_cycle_state"]}, "tasks": [task],
            "start_time": int(run.started * 1000), "end_time": int((run.ended_at or 0) * 1000),
        }

    def handle(self, request: Request, host: str) -> Response:
        action = request.path.split("/jobs/runs/", 1)[1]
        if action == "submit":
            body = request.json
            token = body.get("idempotency_token")
            if token and token in self.tokens:
                return Response(body={"run_id": self.tokens[token]})
            self._validate(body)
            run_id, task_run_id = next(self._ids), next(self._ids)
            run = FakeRun(run_id, task_run_id, body, self._script_for(body["tasks"][0]))
            self.runs[run_id] = self.task_runs[task_run_id] = run
            if token:
                self.tokens[token] = run_id
            return Response(body={"run_id": run_id})
        run_id = int(request.query.get("run_id") or request.json.get("run_id") or 0)
        run = self.runs.get(run_id) or self.task_runs.get(run_id)
        if run is None:
            raise invalid(f"Run {run_id} does not exist.")
        if action == "get":
            run.polls += 1
            return Response(body=self._run_json(run, host))
        if action == "cancel":
            if not run.is_terminal:
                run.cancelled_at = time.time()
            return Response()
        if action == "get-output":
            if run_id == run.run_id:
                raise invalid("Retrieving the output of runs with multiple tasks is not supported. Please retrieve "
                              "the output of each individual task run instead.")
            state = run.state()
            answer: dict[str, Any] = {"metadata": self._run_json(run, host)["tasks"][0]}
            if state.get("result_state") == "SUCCESS" and run.script.notebook_result is not None:
                answer["notebook_output"] = {"result": run.script.notebook_result, "truncated": False}
            if state.get("result_state") not in (None, "SUCCESS") and run.cancelled_at is None:
                answer["error"] = run.script.error or state["state_message"]
                if run.script.error_trace:
                    answer["error_trace"] = run.script.error_trace
            return Response(body=answer)
        raise ApiError(404, "ENDPOINT_NOT_FOUND", f"No API found for '{request.method} {request.path}'")


CLUSTER_FIELDS = ("new_cluster", "existing_cluster_id", "job_cluster_key")


def _validate_serverless(task: dict[str, Any]) -> None:
    """A task naming no cluster runs on serverless: no ``libraries``, and a notebook brings its own environment."""
    if task.get("libraries"):
        raise invalid("Libraries field is not supported for serverless task, please specify libraries in "
                      "environment.")
    if task.get("notebook_task") is not None and task.get("environment_key") is not None:
        raise invalid("A notebook task on serverless compute cannot use environment_key: the notebook's own "
                      "environment applies (install its libraries with %pip in the notebook).")


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(2, len(parts))]


@dataclass
class FakeRepo:
    id: int
    url: str
    provider: str
    path: str
    branch: str = "main"
    head_commit_id: str = "0" * 40

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "provider": self.provider, "path": self.path,
                "branch": self.branch, "head_commit_id": self.head_commit_id}


class Repos:
    """``/api/2.0/repos``: Git folders under /Repos (or /Workspace paths), branches the tests declare."""

    def __init__(self, tree: WorkspaceTree) -> None:
        self.tree = tree
        self.repos: dict[int, FakeRepo] = {}
        self.remote_branches: dict[str, set[str]] = {}
        self._ids = itertools.count(4242)

    def _checkout(self, repo: FakeRepo, branch: str) -> None:
        known = self.remote_branches.get(repo.url)
        if known is not None and branch not in known:
            raise invalid(f"Branch {branch} does not exist in the remote repository {repo.url}.")
        repo.branch = branch
        repo.head_commit_id = f"{abs(hash((repo.url, branch))):040x}"[:40]

    def handle(self, request: Request) -> Response:
        tail = request.path.removeprefix("/api/2.0/repos").strip("/")
        if not tail:
            if request.method == "GET":
                prefix = request.query.get("path_prefix", "")
                found = [r.json() for r in self.repos.values() if r.path.startswith(prefix)]
                return Response(body={"repos": found} if found else {})
            body = request.json
            provider = GIT_PROVIDERS.get(str(body.get("provider", "")).lower())
            if not body.get("url") or provider is None:
                raise invalid(f"Invalid git provider {body.get('provider')!r} or missing url.")
            path = body.get("path") or f"/Repos/someone@example.com/{body['url'].rstrip('/').rsplit('/', 1)[-1]}"
            if path in self.tree.objects:
                raise already_exists(f"Repo {path} already exists. Please choose another path.")
            parent = path.rsplit("/", 1)[0]
            self.tree.mkdirs(parent)
            self.tree.objects[path] = WorkspaceObject("REPO")
            repo = FakeRepo(next(self._ids), body["url"], provider, path)
            self.repos[repo.id] = repo
            return Response(body=repo.json())
        repo = self.repos.get(int(tail)) if tail.isdigit() else None
        if repo is None:
            raise not_found(f"Repo {tail} could not be found")
        if request.method == "GET":
            return Response(body=repo.json())
        if request.method == "PATCH":
            branch = request.json.get("branch")
            if not branch:
                raise invalid("Either branch or tag must be given.")
            self._checkout(repo, branch)
            return Response()
        if request.method == "DELETE":
            del self.repos[repo.id]
            self.tree.delete(repo.path, recursive=True)
            return Response()
        raise ApiError(405, "METHOD_NOT_ALLOWED", f"{request.method} is not allowed on {request.path}")
