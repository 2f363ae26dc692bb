"""What git says about the project: its branch, its commit, whether the tree is clean, its remote, an earlier tree."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from mlops_engine.errors import UserError


def git(project_dir: Path, *args: str, strip: bool = True) -> str:
    """Run git in the project; its stdout, or a UserError with git's own message."""
    result = subprocess.run(["git", *args], cwd=project_dir, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise UserError(f"git {' '.join(args)} failed in {project_dir}: {message}")
    return result.stdout.strip() if strip else result.stdout


def current_branch(project_dir: Path) -> str:
    """The branch checked out in the project (a new repository's too, before its first commit)."""
    result = subprocess.run(["git", "symbolic-ref", "--short", "-q", "HEAD"], cwd=project_dir, capture_output=True,
                            text=True, check=False)
    branch = result.stdout.strip()
    if result.returncode != 0 or not branch:
        raise UserError("cannot tell the git branch here; pass --branch")
    return branch


def head_sha(project_dir: Path) -> str | None:
    """The commit checked out, or None in a folder with no commit yet."""
    result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project_dir, capture_output=True, text=True,
                            check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def resolve_commit(project_dir: Path, revision: str) -> str:
    """The full sha of ``revision`` (HEAD, a short sha, a tag), or one clear line if there is none."""
    try:
        return git(project_dir, "rev-parse", "--verify", "--quiet", revision + "^{commit}")
    except UserError:
        raise UserError(f"no commit {revision!r} in {project_dir}; commit first, or pass a sha `git log` shows") \
            from None


def uncommitted(project_dir: Path, paths: Sequence[str]) -> list[str]:
    """Paths under ``paths`` that differ from HEAD or are untracked (what a deploy would ship unrecorded)."""
    status = git(project_dir, "status", "--porcelain", "-z", "--untracked-files=all", "--", *paths, strip=False)
    entries = status.split("\0")
    changed, index = [], 0
    while index < len(entries):
        entry = entries[index]
        if len(entry) > 3:
            changed.append(entry[3:])
            if entry[0] in "RC":
                index += 1  # a rename's or copy's source path follows as its own entry
        index += 1
    return changed


def is_ancestor(project_dir: Path, commit: str, branch: str) -> bool:
    """True when ``commit`` is in the history of ``branch`` (locally or as origin's)."""
    for ref in (branch, f"origin/{branch}"):
        result = subprocess.run(["git", "merge-base", "--is-ancestor", commit, ref], cwd=project_dir,
                                capture_output=True, check=False)
        if result.returncode == 0:
            return True
    return False


def branch_refs(project_dir: Path, branch: str) -> list[str]:
    """The refs naming ``branch`` here: the local branch and origin's, those that exist (a shallow pipeline checkout
    of one commit may have neither)."""
    refs = (f"refs/heads/{branch}", f"refs/remotes/origin/{branch}")
    return [ref for ref in refs if subprocess.run(["git", "rev-parse", "--verify", "--quiet", ref], cwd=project_dir,
                                                   capture_output=True, check=False).returncode == 0]


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


def public_url(url: str) -> str:
    """The remote without user info: CI remotes often carry a token (https://user:TOKEN@host/...)."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        raise UserError(f"git remote {url!r} is not an https URL; Databricks Repos clone over https")
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def origin_url(project_dir: Path) -> str:
    """The project's ``origin`` remote, without credentials."""
    result = subprocess.run(["git", "remote", "get-url", "origin"], cwd=project_dir, capture_output=True,
                            text=True, check=False)
    if result.returncode != 0 or not result.stdout.strip():
        raise UserError("the project has no git remote 'origin'; set mlops.databricks.repos.git_url")
    return public_url(result.stdout.strip())
