"""Making a workspace folder hold the notebooks package: incremental, shared safely, deleting only what sends made.

The folder itself keeps the record of what sends put there (``.mlops-send.json``: digest by relative
path), so every machine and every colleague sees the same record. The record is written after the
uploads, so an object modified after the record was changed by someone else: it is uploaded again,
and never deleted. Objects the record does not name (made by hand, or by anything else) are never touched.
The record also names the config the folder's set_environment runs, so a send without ``--config`` keeps it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from posixpath import join

from mlops_engine.contract.snapshot import Snapshot
from mlops_engine.contract.workspace import ObjectKind, Workspace
from mlops_engine.layout import LIBRARIES
from mlops_engine.package import LocalItem

RECORD = ".mlops-send.json"
RECORD_FORMAT = 1


@dataclass(frozen=True)
class SendReport:
    """What a send did."""

    folder: str
    uploaded: int
    unchanged: int
    deleted: int
    url: str
    kept: tuple[str, ...] = ()
    """Objects a send once put there but someone changed since: left in place instead of deleted."""


def _decode_record(content: bytes, where: str) -> tuple[dict[str, str], str | None]:
    """The record's digests and config (None from a record written before records named it)."""
    try:
        data = json.loads(content)
        digests = data["digests"]
        if data.get("format") != RECORD_FORMAT or not isinstance(digests, dict):
            raise ValueError("unknown format")
        config = data.get("config")
        return {str(path): str(digest) for path, digest in digests.items()}, str(config) if config else None
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        print(f"warning: ignoring the unreadable send record {where} ({type(error).__name__}): everything is "
              "uploaded again and nothing is deleted", file=sys.stderr)
        return {}, None


def _encode_record(digests: Mapping[str, str], config: str | None) -> bytes:
    record = {"format": RECORD_FORMAT, "config": config, "digests": dict(sorted(digests.items()))}
    return json.dumps(record, indent=1).encode()


def _read_record(workspace: Workspace, record_path: str, stamp: float | None,
                 snapshot: Snapshot) -> tuple[dict[str, str], str | None]:
    """What the folder's record names: from this machine's cache when the record has not changed since."""
    if stamp is None:
        return {}, None
    cached = snapshot.load()
    if cached is not None and cached.stamp == stamp:
        return dict(cached.digests), cached.config
    digests, config = _decode_record(workspace.read(record_path), record_path)
    snapshot.save(stamp, digests, config)
    return digests, config


def recorded_config(workspace: Workspace, folder: str) -> str | None:
    """The config the folder was last sent with, as its send record names it; None for a folder never sent (or
    sent before records named it)."""
    record_path = join(folder, RECORD)
    if not workspace.exists(record_path):
        return None
    return _decode_record(workspace.read(record_path), record_path)[1]


def sync_folder(
    workspace: Workspace,
    items: Mapping[str, LocalItem],
    folder: str,
    snapshot: Snapshot,
    *,
    full: bool = False,
    parallelism: int = 8,
    on_file: Callable[[str], None] = lambda _path: None,
    config: str | None = None,
) -> SendReport:
    """Make ``folder`` hold ``items``; delete only what the folder's send record names (``libraries/`` left alone).

    One listing tells what changed in the workspace since the last send (anyone's); an unchanged re-send
    writes nothing. ``full`` uploads everything again, and still deletes only recorded objects. The record names
    ``config``, the config notebook the items' set_environment runs.
    """
    try:
        return _sync(workspace, items, folder, snapshot, full, parallelism, on_file, config)
    except BaseException:
        snapshot.clear()
        raise


def _sync(workspace: Workspace, items: Mapping[str, LocalItem], folder: str, snapshot: Snapshot, full: bool,
          parallelism: int, on_file: Callable[[str], None], config: str | None) -> SendReport:
    times = workspace.modified_times(folder, skip=frozenset({LIBRARIES}))
    record_path = join(folder, RECORD)
    stamp = times.get(record_path)
    recorded, recorded_with = _read_record(workspace, record_path, stamp, snapshot)
    since = stamp if stamp is not None else float("inf")

    def untouched(path: str) -> bool:
        """Present and not modified since the record was written."""
        remote = times.get(join(folder, path))
        return remote is not None and remote <= since

    digests = {path: item.digest for path, item in items.items()}
    changed = sorted(path for path in items if full or recorded.get(path) != digests[path] or not untouched(path))
    gone = sorted(path for path in set(recorded) - set(items) if join(folder, path) in times)
    stale = [path for path in gone if untouched(path)]
    kept = tuple(path for path in gone if not untouched(path))
    if not changed and not stale and recorded == digests and recorded_with == config:
        return SendReport(folder, 0, len(items), 0, workspace.url(folder), kept)

    def upload(path: str) -> None:
        item = items[path]
        target = join(folder, path)
        if item.kind is ObjectKind.NOTEBOOK:
            workspace.import_notebook(target, item.content)
        else:
            workspace.put_file(target, item.content)
        on_file(path)

    def missing(path: str) -> bool:
        return path not in times and not any(known.startswith(path + "/") for known in times)

    if missing(folder):
        workspace.mkdirs(folder)
    parents = sorted(parent for parent in {join(folder, path.rsplit("/", 1)[0]) for path in changed if "/" in path}
                     if missing(parent))
    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        list(pool.map(workspace.mkdirs, parents))
        list(pool.map(upload, changed))
        list(pool.map(lambda path: workspace.delete(join(folder, path)), stale))
    workspace.put_file(record_path, _encode_record(digests, config))
    written = workspace.modified_times(record_path).get(record_path)
    if written is not None:
        snapshot.save(written, digests, config)
    for path in kept:
        print(f"warning: kept {join(folder, path)}: deleted from the package, but changed in the workspace "
              "since the last send; delete it there if it should go", file=sys.stderr)
    return SendReport(folder, len(changed), len(items) - len(changed), len(stale), workspace.url(folder), kept)
