"""A release that fails half-way puts production back: production runs the previous release or the new one, never a mix.

The Workspace API offers list, import, export, mkdirs and delete but no move or rename (nor does the Files API of
volumes), so a release cannot be written beside production and switched in at once. Instead, before writing, the
release keeps what it may replace: every notebook and file under ``master/`` (its send record included) and the
library file of the same name. On any failure, Ctrl-C and SIGTERM included, what the release added is deleted and
what it replaced written back. The same steps run on both targets, through the Workspace and LibraryStore contracts.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from posixpath import dirname, join

from mlops_engine.commands.progress import Write
from mlops_engine.contract.target import Target
from mlops_engine.contract.workspace import ObjectKind
from mlops_engine.errors import UserError
from mlops_engine.sync import RECORD


@dataclass(frozen=True)
class Kept:
    """A notebook or file as production had it."""

    kind: ObjectKind
    content: bytes


@dataclass(frozen=True)
class Production:
    """What production held before the release: its notebooks folder's paths and objects, and the library."""

    notebooks_folder: str | None
    folder_existed: bool
    paths: frozenset[str]
    objects: dict[str, Kept]
    libraries_folder: str
    library_name: str
    library: bytes | None


def keep(target: Target, notebooks_folder: str | None, libraries_folder: str, library_name: str) -> Production:
    """Read what the release may replace: the notebooks folder (None: the release writes no folder) and the library."""
    library = target.libraries.read(libraries_folder, library_name)
    if notebooks_folder is None:
        return Production(None, False, frozenset(), {}, libraries_folder, library_name, library)
    workspace = target.workspace
    paths = frozenset(workspace.modified_times(notebooks_folder))
    kinds = {info.path: info.kind for info in workspace.list_recursive(notebooks_folder)}
    record = join(notebooks_folder, RECORD)
    if record in paths:
        kinds[record] = ObjectKind.FILE
    with ThreadPoolExecutor(max_workers=max(1, target.upload_parallelism)) as pool:
        contents = dict(zip(kinds, pool.map(workspace.read, kinds), strict=True))
    objects = {path: Kept(kind, contents[path]) for path, kind in kinds.items()}
    return Production(notebooks_folder, bool(paths) or workspace.exists(notebooks_folder), paths, objects,
                      libraries_folder, library_name, library)


def put_back(target: Target, production: Production) -> None:
    """Make production hold again what ``keep`` read: delete what was added, write back what changed or went, the
    send record last (so that the next send sees the objects as its own), then the library."""
    workspace = target.workspace
    if production.notebooks_folder is not None and not production.folder_existed:
        workspace.delete(production.notebooks_folder, recursive=True)
    elif production.notebooks_folder is not None:
        now = set(workspace.modified_times(production.notebooks_folder))
        added = now - production.paths
        for path in sorted(path for path in added if dirname(path) not in added):
            workspace.delete(path, recursive=True)
        record = join(production.notebooks_folder, RECORD)
        changed = [path for path in production.objects if path != record and _differs(target, production, path, now)]
        with ThreadPoolExecutor(max_workers=max(1, target.upload_parallelism)) as pool:
            list(pool.map(lambda path: _write(target, path, production.objects[path], now), changed))
        if record in production.objects and _differs(target, production, record, now):
            _write(target, record, production.objects[record], now)
    if production.library is None:
        target.libraries.delete(production.libraries_folder, production.library_name)
    elif target.libraries.read(production.libraries_folder, production.library_name) != production.library:
        target.libraries.upload(production.libraries_folder, production.library_name, production.library)


def _differs(target: Target, production: Production, path: str, now: set[str]) -> bool:
    return path not in now or target.workspace.read(path) != production.objects[path].content


def _write(target: Target, path: str, kept: Kept, now: set[str]) -> None:
    if dirname(path) not in now:
        target.workspace.mkdirs(dirname(path))
    if kept.kind is ObjectKind.NOTEBOOK:
        target.workspace.import_notebook(path, kept.content)
    else:
        target.workspace.put_file(path, kept.content)


def _said(error: BaseException) -> str:
    if isinstance(error, UserError):
        return str(error)
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    return f"{type(error).__name__}: {error}"


@contextmanager
def restored_on_failure(target: Target, notebooks_folder: str | None, libraries_folder: str, library_name: str,
                        environment: str, write: Write) -> Iterator[None]:
    """Run a release's writes; if they fail, put production back and say so in the one error line."""
    production = keep(target, notebooks_folder, libraries_folder, library_name)
    try:
        yield
    except BaseException as error:
        write(f"the release failed ({_said(error)}); putting {environment} back to the previous release")
        try:
            put_back(target, production)
        except BaseException as restoring:  # noqa: BLE001 - whatever stopped it, the user must learn production is mixed
            raise UserError(f"the release to {environment} failed ({_said(error)}) and putting the previous release "
                            f"back failed too ({_said(restoring)}): {environment} may run a mix; deploy again, or "
                            "roll back with `invoke deploy --env ... --sha <previous sha>`") from None
        if isinstance(error, KeyboardInterrupt):
            raise
        raise UserError(f"the release to {environment} failed, and {environment} was put back to the previous "
                        f"release: {_said(error)}") from None
