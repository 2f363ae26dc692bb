"""Removing what sends and CI builds leave behind: a branch folder, and CI folders older than N days."""

from __future__ import annotations

import time
from collections.abc import Mapping
from posixpath import join
from typing import Protocol

from .errors import UserError
from .layout import branch_folder
from .workspace import LocalWorkspace, Workspace

DAY = 24 * 60 * 60


class ModifiedTimes(Protocol):
    """A workspace that can say when things below a folder last changed (epoch seconds)."""

    def modified_times(self, path: str) -> Mapping[str, float]:
        """Every folder, notebook and file below ``path`` that reports a last change."""


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


def remove_stale_ci_folders(
    workspace: Workspace, listing: ModifiedTimes, root: str, older_than_days: float, now: float | None = None
) -> list[str]:
    """Delete CI folders older than ``older_than_days``; the folders removed."""
    ages = ci_folder_ages(listing.modified_times(join(root, "CI")), root)
    stale = stale_ci_folders(ages, time.time() if now is None else now, older_than_days)
    for folder in stale:
        workspace.delete(folder, recursive=True)
    return stale


class LocalModifiedTimes:
    """ModifiedTimes for the local target, from the files' own modification times."""

    def __init__(self, workspace: LocalWorkspace) -> None:
        self.workspace = workspace

    def modified_times(self, path: str) -> dict[str, float]:
        folder = self.workspace.local_path(path)
        if not folder.is_dir():
            return {}
        found = {path: folder.stat().st_mtime}
        for entry in folder.rglob("*"):
            found[join(path, entry.relative_to(folder).as_posix())] = entry.stat().st_mtime
        return found
