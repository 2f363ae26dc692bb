"""``invoke send``: the notebooks package into a workspace folder, with that folder's own set_environment."""

from __future__ import annotations

from mlops_engine.commands.progress import FileProgress, Write
from mlops_engine.contract.target import Target
from mlops_engine.folder_lock import folder_lock
from mlops_engine.git import current_branch
from mlops_engine.layout import branch_folder, check_branch, master_folder
from mlops_engine.open_target import open_target
from mlops_engine.package import check_config, collect_package, set_environment_notebook, with_set_environment
from mlops_engine.production_guard import check_developer_config
from mlops_engine.settings import Settings
from mlops_engine.sync import SendReport, recorded_config, sync_folder


def send_folder(target: Target, settings: Settings, folder: str, set_environment: bytes, *, full: bool,
                write: Write, config: str | None = None) -> SendReport:
    """Send the notebooks package to ``folder`` with the given set_environment notebook (which runs ``config``,
    named in the folder's record), one send at a time per folder."""
    items = with_set_environment(collect_package(settings.notebooks_dir), set_environment)
    with folder_lock(target.workspace, folder, write):
        progress = FileProgress(write, len(items))
        try:
            report = sync_folder(target.workspace, items, folder, target.snapshot(folder), full=full,
                                 parallelism=target.upload_parallelism, on_file=progress, config=config)
        finally:
            progress.finish()
    write(f"sent {report.uploaded} changed, {report.unchanged} unchanged, {report.deleted} deleted -> {report.url}")
    return report


def send_branch(target: Target, settings: Settings, branch: str, config: str | None, *, full: bool,
                write: Write) -> SendReport:
    """The package into ``<root>/<branch>/``, set_environment -> the developer's config (never production's):
    ``--config``, else the one the folder was last sent with (a colleague's sandbox stays theirs), else the
    project's default."""
    folder = branch_folder(settings.workspace_root, branch)
    kept = None if config else recorded_config(target.workspace, folder)
    config_name = f"{config}_config" if config else kept or f"{settings.default_config}_config"
    package = collect_package(settings.notebooks_dir)
    check_config(package, config_name)
    check_developer_config(settings, package, config_name)
    if kept:
        write(f"{folder} keeps conf/{kept}, the config it was last sent with (--config to choose another)")
    return send_folder(target, settings, folder, set_environment_notebook(config_name), full=full, write=write,
                       config=config_name)


def send_master(target: Target, settings: Settings, config: str, write: Write, *, full: bool = False) -> SendReport:
    """Production's notebooks into master/, set_environment -> ``config``."""
    check_config(collect_package(settings.notebooks_dir), config)
    write(f"send to {master_folder(settings.workspace_root)}:")
    return send_folder(target, settings, master_folder(settings.workspace_root), set_environment_notebook(config),
                       full=full, write=write, config=config)


def send(settings: Settings, branch: str, config: str | None, write: Write, *, full: bool = False,
         target: str | None = None, profile: str | None = None) -> SendReport:
    """``invoke send``: the branch (default: git's) checked, then the package into its folder."""
    branch = check_branch(branch or current_branch(settings.project_dir))
    return send_branch(open_target(settings, target, profile), settings, branch, config, full=full, write=write)
