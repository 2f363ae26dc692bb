"""``invoke run``: one notebook of a sent folder as a one-time run: submit, print where to watch, wait, report."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from posixpath import join

from mlops_engine.commands.build import built_artifact
from mlops_engine.commands.progress import RunProgress, Write
from mlops_engine.contract.runs import RunOutput, RunRequest, RunStatus, RunTimeout, SubmittedRun, wait_for_run
from mlops_engine.contract.target import Target
from mlops_engine.errors import UserError
from mlops_engine.git import current_branch
from mlops_engine.layout import check_notebook, libraries_folder, notebook_folder
from mlops_engine.open_target import open_target
from mlops_engine.production_guard import check_run_folder
from mlops_engine.settings import Settings


def report_end(output: RunOutput, status: RunStatus, run_id: int, url: str, write: Write) -> None:
    """Print the MLflow link and the result; a run that did not succeed raises with its error and trace."""
    if output.mlflow_run_url:
        write(f"MLflow run: {output.mlflow_run_url}")
    if not status.succeeded:
        detail = output.error or status.state_message or "no error message"
        trace = f"\n{output.error_trace.rstrip()}" if output.error_trace else ""
        raise UserError(
            f"run {run_id} {status.life_cycle_state}/{status.result_state}: {detail}{trace}\n"
            f"log: {output.log_location or url}"
        )
    result = output.notebook_result or ""
    lines = result_lines(result)
    write(f"run {run_id} succeeded" + (":" if lines else f": {result}" if result else ""))
    for line in lines:
        write(line)


def _value(value: object) -> str:
    """One value of a notebook's JSON result, short: numbers to 4 significant digits, mappings as key=value."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{key}={_value(item)}" for key, item in value.items()) or "-"
    if isinstance(value, list) and not any(isinstance(item, dict) for item in value):
        return ", ".join(_value(item) for item in value) or "-"
    return str(value)


def result_lines(result: str) -> list[str]:
    """A notebook's JSON-object exit value as a person reads it: one ``key: value`` line per key (a list of objects,
    one line per item); [] for any other value, which stays on the run's line."""
    try:
        parsed = json.loads(result)
    except ValueError:
        return []
    if not isinstance(parsed, dict):
        return []
    lines = []
    for key, value in parsed.items():
        if isinstance(value, list) and any(isinstance(item, dict) for item in value):
            lines.append(f"  {key}:")
            lines.extend(f"    - {_value(item)}" for item in value)
        else:
            lines.append(f"  {key}: {_value(value)}")
    return lines


def submit_and_wait(target: Target, notebook_path: str, run_name: str, parameters: Mapping[str, str],
                    libraries: Sequence[str], on_progress: Callable[[RunStatus, float], None],
                    write: Write) -> tuple[SubmittedRun, RunStatus]:
    """Submit ``notebook_path`` as a one-time run, say where to watch it and wait for its end.

    Interrupted (Ctrl-C) or past the target's run timeout, the run is cancelled before this returns.
    """
    if target.run_timeout_seconds < 1:
        raise UserError(f"run_timeout_minutes of the {target.name} target in invoke.yaml gives "
                        f"{target.run_timeout_seconds} s: set at least 1 s (Databricks reads 0 as no timeout)")
    request = RunRequest(
        run_name=run_name,
        notebook_path=notebook_path,
        parameters=dict(parameters),
        libraries=tuple(libraries),
        timeout_seconds=target.run_timeout_seconds,
        idempotency_token=str(uuid.uuid4()),
    )
    submitted = target.runner.submit(request)
    write(f"run {submitted.run_id} of {request.notebook_path} submitted: {submitted.url}")
    try:
        status = wait_for_run(target.runner, submitted.run_id, request.timeout_seconds, on_progress,
                              max_interval=target.poll_seconds)
    except RunTimeout as timeout:
        raise UserError(f"{timeout}; the run was cancelled") from None
    return submitted, status


def run_notebook(target: Target, notebook_path: str, run_name: str, parameters: Mapping[str, str],
                 libraries: Sequence[str], write: Write) -> RunStatus:
    """Run ``notebook_path`` with progress shown and report its end: its result, or its error raised."""
    submitted, status = submit_and_wait(target, notebook_path, run_name, parameters, libraries, RunProgress(write),
                                        write)
    report_end(target.runner.output(submitted.run_id), status, submitted.run_id, submitted.url, write)
    return status


def branch_libraries(target: Target, settings: Settings, branch: str) -> list[str]:
    """The library a notebook of ``branch``'s folder installs: the one deployed for that branch."""
    folder = libraries_folder(settings.workspace_root, branch, settings.release_branch)
    return [target.libraries.location(folder, built_artifact(settings).name)]


def parse_parameters(pairs: Sequence[str]) -> dict[str, str]:
    """``name=value`` pairs of the command line as run parameters."""
    parsed = [item.partition("=") for item in pairs]
    if any(not sep or not name for name, sep, _ in parsed):
        raise UserError("--param takes name=value")
    return {name: value for name, _, value in parsed}


@dataclass(frozen=True)
class RunOptions:
    """``invoke run``'s arguments."""

    notebook: str = ""
    branch: str = ""
    params: Sequence[str] = field(default_factory=tuple)
    target: str | None = None
    profile: str | None = None


def run(settings: Settings, options: RunOptions, write: Write) -> RunStatus:
    """Run one notebook of a branch's folder (master/ for the release branch) with the branch's library."""
    branch = options.branch or current_branch(settings.project_dir)
    folder = notebook_folder(settings.workspace_root, branch, settings.release_branch)
    name = check_notebook(options.notebook or settings.training_notebook)
    parameters = parse_parameters(options.params)
    target = open_target(settings, options.target, options.profile)
    check_run_folder(settings, target.workspace, folder)
    try:
        return run_notebook(target, join(folder, name), f"{branch}-{name}", parameters,
                            branch_libraries(target, settings, branch), write)
    finally:
        note_warm_compute(target, write)


def note_warm_compute(target: Target, write: Write) -> None:
    """Say that the target's warm compute outlives the command, so nobody wonders what keeps running."""
    note = target.warm_compute.still_up_note() if target.warm_compute is not None else None
    if note:
        write(note)
