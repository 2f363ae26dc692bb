"""``invoke ci``: unit tests, then the training notebook as a one-time run of this build, red when it fails.

Two flavours reach the same run path: ``files`` sends the notebooks to ``CI/<build>-<branch>/``;
``repos`` runs them from a temporary Git folder checked out at the branch (removed afterwards
unless kept). Either way the library is deployed to the ``libraries/`` folder beside the notebooks, where
their install cell (``conf/install_library``) finds it on any compute, serverless included.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from posixpath import join

from mlops_engine.commands.build import build, upload_library
from mlops_engine.commands.integration_tests import run_integration_tests
from mlops_engine.commands.progress import Write
from mlops_engine.commands.run import run_notebook
from mlops_engine.commands.send import send_folder
from mlops_engine.commands.unit_tests import unit_tests
from mlops_engine.contract.target import Target
from mlops_engine.errors import UserError
from mlops_engine.git import current_branch, origin_url
from mlops_engine.layout import LIBRARIES, check_branch, ci_folder
from mlops_engine.open_target import open_target
from mlops_engine.package import ci_set_environment
from mlops_engine.pipeline_variables import pipeline_branch, pipeline_build_id
from mlops_engine.settings import Settings

VIAS = ("files", "repos")


@dataclass(frozen=True)
class CiOptions:
    """``invoke ci``'s arguments; build and branch default to the pipeline's variables, then local/git."""

    build_id: str = ""
    branch: str = ""
    skip_tests: bool = False
    via: str = "files"
    keep: bool = False
    run_tests: bool = False
    target: str | None = None
    profile: str | None = None


def check_options(settings: Settings, options: CiOptions) -> None:
    """Refuse combinations that cannot work, before any test runs or anything is written."""
    if options.via not in VIAS:
        raise UserError(f"--via {options.via!r}: choose {' or '.join(VIAS)}")
    if options.via == "repos" and options.run_tests:
        raise UserError("--run-tests goes with --via files (RunTests runs in the CI folder)")
    if options.keep and options.via != "repos":
        raise UserError("--keep goes with --via repos (it keeps the temporary repo)")


@contextmanager
def repo_notebooks(target: Target, settings: Settings, build_id: str, branch: str, keep: bool,
                   write: Write) -> Iterator[str]:
    """The notebooks folder of a temporary Git folder at ``branch``, with CI's set_environment written into it."""
    if target.repos is None:
        raise UserError(f"--via repos needs a workspace with Git folders; the {target.name} target has none "
                        "(use --target databricks)")
    repos = settings.databricks.get("repos") or {}
    url = str(repos.get("git_url") or "") or origin_url(settings.project_dir)
    prefix = str(repos.get("prefix") or f"/Repos/ci/{settings.library_name}")
    if not prefix.startswith("/") or prefix.rstrip("/").count("/") < 2:
        raise UserError(f"repos prefix {prefix!r} must be a folder like /Repos/ci/<project>")
    path = join(prefix.rstrip("/"), f"{build_id}-{check_branch(branch, allow_reserved=True)}")
    repo = target.repos.checkout(url, path, branch, repos.get("provider") or None)
    write(f"repo {repo.path} checked out at {repo.branch}")
    try:
        folder = join(repo.path, settings.notebooks_package)
        target.workspace.mkdirs(folder)
        target.workspace.import_notebook(join(folder, "set_environment"),
                                         ci_set_environment(settings.notebooks_dir))
        yield folder
    finally:
        if keep:
            write(f"kept repo {repo.path}")
        else:
            target.repos.remove(repo)


@contextmanager
def warm_compute(target: Target, write: Write) -> Iterator[None]:
    """The target's warm compute started now, so it boots while the unit tests run (one pytest process: the other
    core is free) and the notebooks are sent and the library built; stopped at the end if ci started it (red tests
    included: a pipeline agent is not left with a JVM) once no run uses it (a concurrent ci's run goes on), left up
    if it was already there."""
    compute = target.warm_compute
    started = compute is not None and compute.used_by_runs and compute.start_in_background()
    if started:
        write("warm compute starting in the background for the run (stopped when ci ends)")
    try:
        yield
    finally:
        if started and compute is not None:
            compute.stop_when_unused()


@contextmanager
def sent_notebooks(target: Target, settings: Settings, folder: str, write: Write) -> Iterator[str]:
    """The CI folder with the notebooks sent to it."""
    write(f"send to {folder}:")
    send_folder(target, settings, folder, ci_set_environment(settings.notebooks_dir), full=False, write=write)
    yield folder


def ci(settings: Settings, options: CiOptions, write: Write) -> None:
    """Unit tests, then the notebooks to ``CI/<build>-<branch>/`` (or a repo) with the library in its
    ``libraries/``, and the training notebook run (and with ``run_tests`` the RunTests notebook); failures raise."""
    check_options(settings, options)
    build_id = options.build_id or pipeline_build_id() or "local"
    branch = options.branch or pipeline_branch() or current_branch(settings.project_dir)
    folder = ci_folder(settings.workspace_root, build_id, branch)
    target = open_target(settings, options.target, options.profile)
    with warm_compute(target, write):
        if not options.skip_tests:
            unit_tests(settings.project_dir, write)
        run_name = f"CI-{build_id}-{branch}"
        notebooks = (repo_notebooks(target, settings, build_id, branch, options.keep, write)
                     if options.via == "repos" else sent_notebooks(target, settings, folder, write))
        with notebooks as notebooks_folder:
            library = upload_library(target.libraries, build(settings, write), join(notebooks_folder, LIBRARIES),
                                     write)
            run_notebook(target, posixpath.join(notebooks_folder, settings.training_notebook), run_name, {},
                         [library], write)
            if options.run_tests:
                run_integration_tests(target, settings, notebooks_folder, run_name, build_id, [library], write)
