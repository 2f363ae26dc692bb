"""Making a workspace folder hold the notebooks package: incremental, concurrent, deletions mirrored."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from posixpath import join

from .layout import LIBRARIES
from .package import LocalItem
from .target.snapshot import Snapshot
from .target.workspace import ObjectKind, Workspace


@dataclass(frozen=True)
class SendReport:
    """What a send did."""

    folder: str
    uploaded: int
    unchanged: int
    deleted: int
    url: str


def _remote_items(workspace: Workspace, folder: str) -> dict[str, ObjectKind]:
    prefix = folder.rstrip("/") + "/"
    remote = {}
    for info in workspace.list_recursive(folder):
        relative = info.path.removeprefix(prefix)
        if relative.split("/")[0] != LIBRARIES:
            remote[relative] = info.kind
    return remote


def sync_folder(
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
