"""Sending the notebooks package to a workspace folder: incremental, concurrent, deletions mirrored."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from posixpath import join

from .errors import UserError
from .layout import LIBRARIES
from .workspace import NOTEBOOK_HEADER, ObjectKind, Workspace

SET_ENVIRONMENT = "set_environment"
SKIPPED_NAMES = frozenset({"__init__.py", "__pycache__"})


@dataclass(frozen=True)
class LocalItem:
    """One notebook or file of the package, as it will be named in the workspace."""

    relative_path: str
    kind: ObjectKind
    content: bytes

    @property
    def digest(self) -> str:
        """Content hash the snapshot remembers."""
        return hashlib.sha256(self.kind.value.encode() + self.content).hexdigest()


@dataclass(frozen=True)
class SendReport:
    """What a send did."""

    folder: str
    uploaded: int
    unchanged: int
    deleted: int
    url: str


def _is_notebook(file: Path) -> bool:
    with file.open("rb") as handle:
        return file.suffix == ".py" and handle.readline().rstrip(b"\r\n") == NOTEBOOK_HEADER.encode()


def collect_package(package_dir: Path) -> dict[str, LocalItem]:
    """The notebooks (named without ``.py``) and other files of the package; hidden files, caches skipped."""
    if not package_dir.is_dir():
        raise UserError(f"notebooks package {package_dir} does not exist")
    items: dict[str, LocalItem] = {}
    for file in sorted(package_dir.rglob("*")):
        parts = file.relative_to(package_dir).parts
        if not file.is_file() or any(part.startswith(".") or part in SKIPPED_NAMES for part in parts):
            continue
        if file.suffix in {".pyc", ".pyo"}:
            continue
        relative = "/".join(parts)
        if _is_notebook(file):
            relative = relative.removesuffix(".py")
            items[relative] = LocalItem(relative, ObjectKind.NOTEBOOK, file.read_bytes())
        else:
            items[relative] = LocalItem(relative, ObjectKind.FILE, file.read_bytes())
    return items


def set_environment_notebook(config: str) -> bytes:
    """The one-line set_environment notebook pointing at ``conf/<config>``."""
    return f"{NOTEBOOK_HEADER}\n# MAGIC %run ./conf/{config}\n".encode()


def with_set_environment(items: Mapping[str, LocalItem], source: bytes) -> dict[str, LocalItem]:
    """The package's items with the folder's own set_environment in place of the repository's."""
    chosen = dict(items)
    chosen[SET_ENVIRONMENT] = LocalItem(SET_ENVIRONMENT, ObjectKind.NOTEBOOK, source)
    return chosen


def check_config(items: Mapping[str, LocalItem], config: str) -> None:
    """Refuse a config the package does not have, naming those it does."""
    available = sorted(
        path.removeprefix("conf/") for path, item in items.items()
        if path.startswith("conf/") and path.endswith("_config") and item.kind is ObjectKind.NOTEBOOK
    )
    if f"conf/{config}" not in items:
        raise UserError(f"no config conf/{config}; configs: {', '.join(available)}")


class Snapshot:
    """What was last sent to a folder of a workspace, so an unchanged re-send uploads nothing."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def load(self) -> dict[str, str] | None:
        """Digests by relative path, or None when no send was recorded."""
        if not self.file.is_file():
            return None
        return json.loads(self.file.read_text())

    def save(self, digests: Mapping[str, str]) -> None:
        """Record the digests of what the folder now holds."""
        self.file.parent.mkdir(parents=True, exist_ok=True)
        self.file.write_text(json.dumps(dict(sorted(digests.items())), indent=1))

    def clear(self) -> None:
        """Forget the folder (after a failed send or a clean)."""
        self.file.unlink(missing_ok=True)


def _remote_items(workspace: Workspace, folder: str) -> dict[str, ObjectKind]:
    prefix = folder.rstrip("/") + "/"
    remote = {}
    for info in workspace.list_recursive(folder):
        relative = info.path.removeprefix(prefix)
        if relative.split("/")[0] != LIBRARIES:
            remote[relative] = info.kind
    return remote


def send(
    workspace: Workspace,
    items: Mapping[str, LocalItem],
    folder: str,
    snapshot: Snapshot,
    *,
    full: bool = False,
    parallelism: int = 8,
    on_file: Callable[[str], None] = lambda _path: None,
) -> SendReport:
    """Make ``folder`` hold exactly ``items`` (its ``libraries/`` left alone).

    With a snapshot of the last send and no ``full``, only changed items are uploaded and
    the folder is not listed; otherwise the folder is listed and everything is uploaded.
    """
    digests = {path: item.digest for path, item in items.items()}
    previous = None if full else snapshot.load()
    if previous is not None and not workspace.exists(folder):
        previous = None
    if previous is None:
        stale = set(_remote_items(workspace, folder)) - set(items)
        changed = sorted(items)
        workspace.mkdirs(folder)
    else:
        stale = set(previous) - set(items)
        changed = sorted(path for path in items if previous.get(path) != digests[path])
    snapshot.clear()

    def upload(path: str) -> None:
        item = items[path]
        target = join(folder, path)
        if item.kind is ObjectKind.NOTEBOOK:
            workspace.import_notebook(target, item.content)
        else:
            workspace.put_file(target, item.content)
        on_file(path)

    parents = sorted({path.rsplit("/", 1)[0] for path in changed if "/" in path})
    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        list(pool.map(lambda parent: workspace.mkdirs(join(folder, parent)), parents))
        list(pool.map(upload, changed))
        list(pool.map(lambda path: workspace.delete(join(folder, path)), sorted(stale)))
    snapshot.save(digests)
    return SendReport(folder, len(changed), len(items) - len(changed), len(stale), workspace.url(folder))
