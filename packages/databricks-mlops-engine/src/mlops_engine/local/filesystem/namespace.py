"""One filesystem for every process of a local run: ``/dbfs``, ``/Volumes``, ``/Workspace``, ``/databricks-datasets``.

On a Databricks driver these are mounts that every process sees: the notebook's Python, ``%sh``, ``!cmd``, a
``subprocess`` and Spark's Python workers. Locally the run's process (and the workspace's warm Spark driver, whose
Python workers run the notebook's UDFs) start inside a private mount namespace made by bubblewrap (``bwrap``)
where the four paths are bind mounts of the workspace folder (``PathMap``'s layout); ``/databricks-datasets`` is
read-only, as Databricks' sample datasets are. Nothing else changes: the new root binds every top-level entry of
the machine's ``/`` (writes reach the real folders; a file written to ``/`` itself fails as read-only), and the
network, process ids, the user's identity, environment and working directory are kept. Unprivileged, ``bwrap``
makes a user namespace mapping the user to itself; as root, only the mount namespace.

Where no namespace can be made (bwrap missing, user namespaces refused, not Linux, ``LOCAL_FS_NAMESPACE=0``) the run
still works for its own Python, which maps the paths itself (``fuse``); the reason travels in ``LOCAL_FS_UNAVAILABLE``
so the run can say that child processes do not see the paths, and ``%sh``/``!cmd`` naming them fail saying why.
A real ``/dbfs`` (etc.) on the machine is never hidden silently: starting the namespace fails naming it.
"""

from __future__ import annotations

import functools
import os
import posix
import shutil
import stat
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mlops_engine.errors import UserError
from mlops_engine.local.filesystem.paths import DATASETS_DIR, DBFS_DIR, VOLUMES_DIR

SWITCH_ENV = "LOCAL_FS_NAMESPACE"
"""Set to 0 to run without the namespace (only the run's own Python then sees the workspace at these paths)."""
ROOT_ENV = "LOCAL_FS_ROOT"
"""The workspace folder whose mounts the process's namespace holds ('' outside one)."""
UNAVAILABLE_ENV = "LOCAL_FS_UNAVAILABLE"
"""Why a run's process is outside the namespace ('' inside one): its child processes do not see the mounts."""
PROBE_TIMEOUT = 10.0
USERNS_FIX = ("allow unprivileged user namespaces for bwrap (Ubuntu 23.10+: an AppArmor profile granting "
              "/usr/bin/bwrap `userns`, or sysctl kernel.apparmor_restrict_unprivileged_userns=0; elsewhere "
              "sysctl kernel.unprivileged_userns_clone=1 and user.max_user_namespaces > 0; in a container, allow "
              "unshare/mount in its seccomp profile)")


@dataclass(frozen=True)
class Mount:
    """A Databricks path and the folder of the local workspace behind it ('' is the workspace folder itself)."""

    point: str
    folder: str
    read_only: bool = False

    def source(self, workspace_root: Path) -> Path:
        return workspace_root / self.folder if self.folder else workspace_root


MOUNTS = (Mount("/dbfs", DBFS_DIR), Mount("/Volumes", VOLUMES_DIR), Mount("/Workspace", ""),
          Mount("/" + DATASETS_DIR, DATASETS_DIR, read_only=True))
POINTS = frozenset(mount.point.lstrip("/") for mount in MOUNTS)
OWN_MOUNTS = ("proc", "dev")
"""Top-level entries bound as the kernel's (/proc) and the machine's devices (/dev), not as plain folders."""


class MountConflict(UserError):
    """A real ``/dbfs`` (etc.) exists on this machine: the namespace would hide it from the run."""


@dataclass(frozen=True)
class Launch:
    """How to start a process that sees the workspace at the four paths: a command prefix and its environment."""

    prefix: tuple[str, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)

    def wrap(self, argv: Sequence[str]) -> list[str]:
        """``argv`` started inside the namespace (unchanged when there is none, or the caller is already in it)."""
        return [*self.prefix, *argv]

    @property
    def unavailable(self) -> str:
        """Why there is no namespace ('' when there is one)."""
        return self.environment.get(UNAVAILABLE_ENV, "")


def _identity(path: str | Path) -> tuple[int, int] | None:
    """The (device, inode) of a folder, following links; through ``posix`` so ``fuse``'s mapping never applies."""
    try:
        info = posix.stat(os.fspath(path))
    except OSError:
        return None
    return info.st_dev, info.st_ino


def mounted(workspace_root: Path) -> bool:
    """Whether this process sees ``workspace_root``'s folders at the four paths (it runs inside their namespace)."""
    root = Path(workspace_root)
    for mount in MOUNTS:
        inside = _identity(mount.point)
        if inside is None or inside != _identity(mount.source(root)):
            return False
    return True


def _unavailable(reason: str) -> Launch:
    return Launch((), {ROOT_ENV: "", UNAVAILABLE_ENV: reason})


def _exists(path: str) -> bool:
    try:
        posix.lstat(path)
    except OSError:
        return False
    return True


def _conflicts(environ: Mapping[str, str]) -> list[str]:
    """The four paths that exist on this machine and are not a namespace of this engine's (one for another
    workspace may be replaced: the process is inside it)."""
    outer = environ.get(ROOT_ENV, "")
    if outer and mounted(Path(outer)):
        return []
    return [mount.point for mount in MOUNTS if _exists(mount.point)]


def _root_entries() -> list[str]:
    """bwrap's arguments recreating the machine's root: every top-level entry bound (links as links)."""
    arguments: list[str] = []
    for name in sorted(posix.listdir("/")):
        if name in POINTS or name in OWN_MOUNTS:
            continue
        path = "/" + name
        try:
            mode = posix.lstat(path).st_mode
        except OSError:  # gone meanwhile
            continue
        if stat.S_ISLNK(mode):
            arguments += ["--symlink", posix.readlink(path), path]
        else:
            arguments += ["--bind-try", path, path]
    return arguments


def command(bwrap: str, workspace_root: Path) -> list[str]:
    """The bwrap command line (up to ``--``) of a namespace with the workspace's mounts."""
    arguments = [bwrap, *_root_entries(), "--dev-bind", "/dev", "/dev", "--bind", "/proc", "/proc"]
    for mount in MOUNTS:
        arguments += ["--ro-bind" if mount.read_only else "--bind", str(mount.source(workspace_root)), mount.point]
    return [*arguments, "--remount-ro", "/", "--"]


@functools.lru_cache(maxsize=8)
def _probe(prefix: tuple[str, ...]) -> str:
    """'' when ``prefix`` starts a process here, else bwrap's complaint (checked once per command line)."""
    try:
        result = subprocess.run([*prefix, "true"], capture_output=True, text=True, timeout=PROBE_TIMEOUT,
                                stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        return str(error)
    if result.returncode == 0:
        return ""
    return (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]


def launch(workspace_root: Path, environ: Mapping[str, str] | None = None) -> Launch:
    """How to start a run's (or the warm driver's) process for ``workspace_root``: inside the namespace when it can be
    made, else unchanged with the reason in ``LOCAL_FS_UNAVAILABLE``. A real ``/dbfs`` (etc.) raises MountConflict."""
    environ = os.environ if environ is None else environ
    root = Path(workspace_root).resolve()
    if mounted(root):  # a warm driver started by a run: it shares the run's namespace
        return Launch((), {ROOT_ENV: str(root), UNAVAILABLE_ENV: ""})
    if environ.get(SWITCH_ENV, "1") == "0":
        return _unavailable(f"{SWITCH_ENV}=0 turns the filesystem namespace off (unset it to have one)")
    if not sys.platform.startswith("linux"):
        return _unavailable(f"mount namespaces are Linux's and this is {sys.platform}: run on Linux (or in a Linux "
                            "container) for %sh and child processes to see them")
    bwrap = shutil.which("bwrap", path=environ.get("PATH"))
    if bwrap is None:
        return _unavailable("bubblewrap (bwrap) is not installed: install it (Debian/Ubuntu: apt-get install "
                            "bubblewrap; Fedora: dnf install bubblewrap; Arch: pacman -S bubblewrap)")
    conflicts = _conflicts(environ)
    if conflicts:
        raise MountConflict(
            f"{', '.join(conflicts)} already exist{'s' if len(conflicts) == 1 else ''} on this machine: a local run "
            f"mounts the local workspace ({root}) there for all its processes and would hide the machine's own. Move "
            f"{'it' if len(conflicts) == 1 else 'them'} away, or set {SWITCH_ENV}=0 to run without the namespace "
            "(then only the run's Python sees the workspace there, and %sh lines naming these paths fail)")
    for mount in MOUNTS:
        mount.source(root).mkdir(parents=True, exist_ok=True)
    prefix = tuple(command(bwrap, root))
    complaint = _probe(prefix)
    if complaint:
        return _unavailable(f"bwrap could not make a mount namespace here ({complaint}): {USERNS_FIX}")
    return Launch(prefix, {ROOT_ENV: str(root), UNAVAILABLE_ENV: ""})
