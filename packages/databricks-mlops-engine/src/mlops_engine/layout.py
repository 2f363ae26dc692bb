"""The workspace layout shared by both targets: which folder a send, a CI build or a deploy writes."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from posixpath import join

from mlops_engine.errors import UserError

RESERVED_FOLDERS = frozenset({"master", "CI", "libraries"})
LIBRARIES = "libraries"
_BRANCH = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def check_branch(branch: str, *, allow_reserved: bool = False) -> str:
    """Return ``branch`` if it can name a workspace folder, else raise one clear line."""
    if not branch:
        raise UserError("branch name is empty; pass --branch, e.g. --branch BI-4811")
    if not _BRANCH.fullmatch(branch) or ".." in branch:
        raise UserError(
            f"branch name {branch!r} cannot name a workspace folder: use letters, digits, '.', '_' and '-' "
            "(no '/', '..' or spaces)"
        )
    if not allow_reserved and branch.casefold() in {name.casefold() for name in RESERVED_FOLDERS}:
        raise UserError(
            f"{branch!r} is a reserved folder ({', '.join(sorted(RESERVED_FOLDERS))}); "
            "only a deploy from the release branch writes master/"
        )
    return branch


def check_notebook(name: str) -> str:
    """A notebook named relative to its folder and inside it (``ModelTraining``, ``integration_tests/x``)."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        raise UserError(f"notebook {name!r} must be a path inside the folder, such as ModelTraining "
                        "(no leading '/', no '..')")
    return str(path)


def branch_folder(root: str, branch: str) -> str:
    """Where ``invoke send --branch`` writes."""
    return join(root, check_branch(branch))


def ci_folder(root: str, build_id: str, branch: str) -> str:
    """Where CI build ``build_id`` of ``branch`` writes: ``CI/<build>-<branch>``."""
    if not re.fullmatch(r"[0-9A-Za-z._-]{1,40}", build_id or ""):
        raise UserError(f"build id {build_id!r} must be letters, digits, '.', '_' or '-' (Azure's Build.BuildId)")
    return join(root, "CI", f"{build_id}-{check_branch(branch, allow_reserved=True)}")


def master_folder(root: str) -> str:
    """The production copy."""
    return join(root, "master")


def libraries_folder(root: str, branch: str, release_branch: str) -> str:
    """Production's libraries for the release branch; a branch's own folder for any other."""
    if branch == release_branch:
        return join(root, LIBRARIES)
    return join(branch_folder(root, branch), LIBRARIES)


def notebook_folder(root: str, branch: str, release_branch: str) -> str:
    """Where ``branch``'s notebooks live: master/ for the release branch, else the branch's own folder."""
    if branch == release_branch:
        return master_folder(root)
    return branch_folder(root, branch)
