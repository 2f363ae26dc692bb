"""The Workspace contract on Databricks, through databricks-sdk's typed calls and errors."""

from __future__ import annotations

import base64
import contextlib

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound, ResourceAlreadyExists
from databricks.sdk.service.workspace import ExportFormat, ImportFormat, Language, ObjectType

from mlops_engine.contract.workspace import ObjectInfo, ObjectKind
from mlops_engine.databricks.errors import explained
from mlops_engine.errors import UserError

_KINDS = {ObjectType.NOTEBOOK: ObjectKind.NOTEBOOK, ObjectType.FILE: ObjectKind.FILE}
_FOLDERS = (ObjectType.DIRECTORY, ObjectType.REPO)


class DatabricksWorkspace:
    """The Workspace protocol on a Databricks workspace; safe to call from several threads."""

    def __init__(self, client: WorkspaceClient) -> None:
        self.client = client
        self.host = (client.config.host or "").rstrip("/")

    def mkdirs(self, path: str) -> None:
        with explained(f"create folder {path}", self.host):
            try:
                self.client.workspace.mkdirs(path)
            except ResourceAlreadyExists:
                raise UserError(f"cannot create folder {path} on {self.host}: a notebook or file has that name") \
                    from None

    def import_notebook(self, path: str, source: bytes) -> None:
        self._import(path, source, ImportFormat.SOURCE, Language.PYTHON)

    def put_file(self, path: str, content: bytes) -> None:
        self._import(path, content, ImportFormat.AUTO, None)

    def create_new(self, path: str, content: bytes) -> bool:
        """An import without overwrite: the workspace refuses it when ``path`` exists (RESOURCE_ALREADY_EXISTS)."""
        return self._import(path, content, ImportFormat.AUTO, None, overwrite=False)

    def _import(self, path: str, content: bytes, format: ImportFormat, language: Language | None, *,
                overwrite: bool = True) -> bool:
        # JSON import rather than the SDK's multipart upload: only a request with a rewindable body is retried.
        with explained(f"write {path}", self.host):
            try:
                self.client.workspace.import_(
                    path,
                    content=base64.b64encode(content).decode(),
                    format=format,
                    language=language,
                    overwrite=overwrite,
                )
            except NotFound:
                raise UserError(f"cannot write {path} on {self.host}: its folder does not exist") from None
            except ResourceAlreadyExists:
                if overwrite:
                    raise
                return False
        return True

    def list_recursive(self, path: str) -> list[ObjectInfo]:
        with explained(f"list {path}", self.host):
            try:
                return [
                    ObjectInfo(info.path, _KINDS[info.object_type])
                    for info in self.client.workspace.list(path, recursive=True)
                    if info.object_type in _KINDS and info.path
                ]
            except NotFound:
                return []

    def delete(self, path: str, recursive: bool = False) -> None:
        with explained(f"delete {path}", self.host), contextlib.suppress(NotFound):
            self.client.workspace.delete(path, recursive=recursive)

    def exists(self, path: str) -> bool:
        with explained(f"look up {path}", self.host):
            try:
                self.client.workspace.get_status(path)
            except NotFound:
                return False
            return True

    def url(self, path: str) -> str:
        return f"{self.host}/#workspace{path}"

    def read(self, path: str) -> bytes:
        """The bytes of the notebook or file at ``path``."""
        with explained(f"read {path}", self.host):
            try:
                exported = self.client.workspace.export(path, format=ExportFormat.SOURCE)
            except NotFound:
                raise UserError(f"nothing at {path} on {self.host}") from None
        return base64.b64decode(exported.content or "")

    def modified_times(self, path: str, skip: frozenset[str] = frozenset()) -> dict[str, float]:
        """Last change (epoch seconds) of ``path`` and of everything below it that reports one.

        One listing call per folder; folders named in ``skip`` are not looked into. A notebook or file
        that reports no time gets infinity: "changed after anything", the safe reading for a send.
        """
        times: dict[str, float] = {}
        folders = [path]
        with explained(f"list {path}", self.host):
            while folders:
                try:
                    listing = list(self.client.workspace.list(folders.pop()))
                except NotFound:
                    continue
                for info in listing:
                    if not info.path:
                        continue
                    if info.object_type in _FOLDERS and info.path.rsplit("/", 1)[-1] not in skip:
                        folders.append(info.path)
                    if info.modified_at:
                        times[info.path] = info.modified_at / 1000
                    elif info.object_type not in _FOLDERS:
                        times[info.path] = float("inf")
        return times
