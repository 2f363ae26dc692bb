"""``invoke pipeline``: the model life cycle in a branch folder: train, evaluate (promote a clear winner), score."""

from __future__ import annotations

from posixpath import join

from mlops_engine.commands.build import build, upload_library
from mlops_engine.commands.progress import Write
from mlops_engine.commands.run import note_warm_compute, run_notebook
from mlops_engine.commands.send import send_branch
from mlops_engine.git import current_branch
from mlops_engine.layout import branch_folder, check_branch, libraries_folder
from mlops_engine.open_target import open_target
from mlops_engine.settings import Settings

LIFE_CYCLE = ("ModelTraining", "ModelEvaluation", "BatchScoring")


def pipeline(settings: Settings, branch: str, config: str | None, write: Write, *, target: str | None = None,
             profile: str | None = None) -> None:
    """Send the branch, deploy its library, then train, evaluate and score, each as a one-time run."""
    branch = check_branch(branch or current_branch(settings.project_dir))
    opened = open_target(settings, target, profile)
    send_branch(opened, settings, branch, config, full=False, write=write)
    library = upload_library(opened.libraries, build(settings, write),
                             libraries_folder(settings.workspace_root, branch, settings.release_branch), write)
    folder = branch_folder(settings.workspace_root, branch)
    try:
        for notebook in LIFE_CYCLE:
            write(f"{notebook}:")
            run_notebook(opened, join(folder, notebook), f"{branch}-{notebook}", {}, [library], write)
    finally:
        note_warm_compute(opened, write)
