"""What git says about the code a deploy ships: its commit, whether it is committed, an earlier tree."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .errors import UserError


def git(project_dir: Path, *args: str) -> str:
    """Run git in the project; its stdout, or a UserError with git's own message."""
    result = subprocess.run(["git", *args], cwd=project_dir, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise UserError(f"git {' '.join(args)} failed in {project_dir}: {message}")
    return result.stdout.strip()


def resolve_commit(project_dir: Path, revision: str) -> str:
    """The full sha of ``revision`` (HEAD, a short sha, a tag), or one clear line if there is none."""
    try:
        return git(project_dir, "rev-parse", "--verify", "--quiet", revision + "^{commit}")
    except UserError:
        raise UserError(f"no commit {revision!r} in {project_dir}; commit first, or pass a sha `git log` shows") \
            from None


def uncommitted(project_dir: Path, paths: Sequence[str]) -> list[str]:
    """Paths under ``paths`` that differ from HEAD or are untracked (what a deploy would ship unrecorded)."""
    status = git(project_dir, "status", "--porcelain", "--untracked-files=all", "--", *paths)
    return [line[3:] for line in status.splitlines() if line.strip()]


def is_ancestor(project_dir: Path, commit: str, branch: str) -> bool:
    """True when ``commit`` is in the history of ``branch`` (locally or as origin's)."""
    for ref in (branch, f"origin/{branch}"):
        result = subprocess.run(["git", "merge-base", "--is-ancestor", commit, ref], cwd=project_dir,
                                capture_output=True, check=False)
        if result.returncode == 0:
            return True
    return False


@contextmanager
def checked_out(project_dir: Path, commit: str) -> Iterator[Path]:
    """A temporary git worktree of ``commit``, removed afterwards: the tree a rollback builds from."""
    parent = Path(tempfile.mkdtemp(prefix="deploy-"))
    tree = parent / project_dir.name
    git(project_dir, "worktree", "add", "--detach", "--quiet", str(tree), commit)
    try:
        yield tree
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=project_dir, capture_output=True,
                       check=False)
        shutil.rmtree(parent, ignore_errors=True)
