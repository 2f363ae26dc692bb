"""``invoke clean``: remove what sends and CI builds leave behind: a branch folder, CI folders older than N days."""

from __future__ import annotations

import time
from collections.abc import Mapping
from posixpath import join

from mlops_engine.commands.progress import Write
from mlops_engine.contract.workspace import Workspace
from mlops_engine.errors import UserError
from mlops_engine.layout import branch_folder
from mlops_engine.open_target import open_target
from mlops_engine.settings import Settings

DAY = 24 * 60 * 60


def remove_branch_folder(workspace: Workspace, root: str, branch: str) -> str | None:
    """Delete ``<root>/<branch>`` (never master, CI or libraries); the folder removed, or None if absent."""
    folder = branch_folder(root, branch)
    if not workspace.exists(folder):
        return None
    workspace.delete(folder, recursive=True)
    return folder


def ci_folder_ages(times: Mapping[str, float], root: str) -> dict[str, float]:
    """Each CI build folder with the newest change inside it, the folder's own included."""
    prefix = join(root, "CI") + "/"
    newest: dict[str, float] = {}
    for path, modified in times.items():
        if not path.startswith(prefix):
            continue
        folder = prefix + path.removeprefix(prefix).split("/", 1)[0]
        newest[folder] = max(newest.get(folder, 0.0), modified)
    return newest


def stale_ci_folders(ages: Mapping[str, float], now: float, older_than_days: float) -> list[str]:
    """The CI folders untouched for more than ``older_than_days``."""
    if older_than_days < 0:
        raise UserError(f"--older-than-days must be 0 or more (got {older_than_days})")
    cutoff = now - older_than_days * DAY
    return sorted(folder for folder, newest in ages.items() if newest < cutoff)


def remove_stale_ci_folders(workspace: Workspace, root: str, older_than_days: float, now: float | None = None
                            ) -> list[str]:
    """Delete CI folders older than ``older_than_days``; the folders removed."""
    ages = ci_folder_ages(workspace.modified_times(join(root, "CI")), root)
    stale = stale_ci_folders(ages, time.time() if now is None else now, older_than_days)
    for folder in stale:
        workspace.delete(folder, recursive=True)
    return stale


def clean(settings: Settings, branch: str | None, ci_older_than_days: float | None, write: Write, *,
          target: str | None = None, profile: str | None = None, yes: bool = False) -> None:
    """Remove a branch folder and/or CI folders untouched for more than N days (0, every one, only with ``yes``)."""
    if branch is None and ci_older_than_days is None:
        raise UserError("say what to clean: --branch NAME and/or --ci-older-than-days N")
    if ci_older_than_days == 0 and not yes:
        raise UserError("--ci-older-than-days 0 removes every CI folder, a running build's too; add --yes to do it")
    if branch is not None:
        branch_folder(settings.workspace_root, branch)
    opened = open_target(settings, target, profile)
    if branch is not None:
        removed = remove_branch_folder(opened.workspace, settings.workspace_root, branch)
        opened.snapshot(branch_folder(settings.workspace_root, branch)).clear()
        write(f"removed {removed}" if removed else f"nothing at {branch_folder(settings.workspace_root, branch)}")
    if ci_older_than_days is not None:
        stale = remove_stale_ci_folders(opened.workspace, settings.workspace_root, ci_older_than_days)
        write(f"removed {len(stale)} CI folder(s) older than {ci_older_than_days:g} days"
              + "".join(f"\n  {folder}" for folder in stale))
