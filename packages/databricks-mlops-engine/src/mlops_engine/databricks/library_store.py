"""Where built libraries go on Databricks: workspace files, a Unity Catalog volume, or DBFS."""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from posixpath import join
from typing import Any

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound

from mlops_engine.databricks.errors import explained
from mlops_engine.databricks.volume_upload import upload_to_volume
from mlops_engine.databricks.workspace import DatabricksWorkspace
from mlops_engine.errors import UserError

LIBRARY_STORES = ("workspace", "volume", "dbfs")
DBFS_BLOCK = 1024 * 1024
_VOLUME = re.compile(r"/Volumes(/(?!\.{1,2}(?:/|$))[^/\s]+){3,}")
"""``/Volumes/<catalog>/<schema>/<volume>``, optionally a folder in it; no empty, ``.`` or ``..`` segment."""


@dataclass(frozen=True)
class LibraryPlace:
    """Where built libraries go so that runs can install them, mirroring the workspace libraries folder.

    ``workspace`` keeps them beside the notebooks (workspace files), ``volume`` in a Unity Catalog volume,
    ``dbfs`` on DBFS for legacy workspaces. Known without connecting, so notebooks and tasks agree on paths.
    """

    kind: str = "workspace"
    volume: str = ""
    dbfs_root: str = "dbfs:/FileStore/mlops"

    def __post_init__(self) -> None:
        if self.kind not in LIBRARY_STORES:
            raise UserError(f"library_store {self.kind!r} is not one of: {', '.join(LIBRARY_STORES)}")
        if self.kind == "volume" and not _VOLUME.fullmatch(self.volume):
            raise UserError(
                "library_store volume needs library_volume: /Volumes/<catalog>/<schema>/<volume>[/<folder>] "
                f"(got {self.volume!r})"
            )
        if self.kind == "dbfs" and not self.dbfs_root.startswith("dbfs:/"):
            raise UserError(f"library_dbfs_root must start with dbfs:/ (got {self.dbfs_root!r})")

    @classmethod
    def from_settings(cls, databricks: Mapping[str, Any]) -> LibraryPlace:
        """The place configured under ``mlops.databricks``: library_store, library_volume, library_dbfs_root."""
        return cls(
            str(databricks.get("library_store") or "workspace"),
            str(databricks.get("library_volume") or "").rstrip("/"),
            str(databricks.get("library_dbfs_root") or "dbfs:/FileStore/mlops").rstrip("/"),
        )

    def location(self, libraries_folder: str, file_name: str) -> str:
        """The path a run's ``libraries`` spec names for ``file_name`` deployed to ``libraries_folder``."""
        if not file_name or "/" in file_name:
            raise UserError(f"library file name {file_name!r} must be a plain file name")
        relative = join(libraries_folder, file_name)
        if self.kind == "workspace":
            return "/Workspace" + relative
        if self.kind == "volume":
            return self.volume + relative
        return self.dbfs_root + relative


class DatabricksLibraryStore:
    """Uploads built libraries to their place; big ones in blocks (DBFS) or through the Files API (volumes).

    A volume upload is ``files.upload`` of a seekable stream: the SDK sends a file below
    ``Config.files_ext_multipart_upload_min_stream_size`` (50 MiB) as one PUT and a bigger one as the
    Files API's multipart upload (initiate, parts to presigned URLs, complete), as that API requires;
    ``volume_upload`` makes its failures and interruptions one line, the session aborted.
    """

    def __init__(self, client: WorkspaceClient, place: LibraryPlace) -> None:
        self.client = client
        self.place = place
        self.host = (client.config.host or "").rstrip("/")

    def upload(self, libraries_folder: str, file_name: str, content: bytes) -> str:
        """Store the library, overwriting, and return its location for the run's libraries spec."""
        location = self.place.location(libraries_folder, file_name)
        with explained(f"upload library {location}", self.host):
            if self.place.kind == "workspace":
                workspace = DatabricksWorkspace(self.client)
                workspace.mkdirs(libraries_folder)
                workspace.put_file(location.removeprefix("/Workspace"), content)
            elif self.place.kind == "volume":
                upload_to_volume(self.client, location, content, self.host)
            else:
                self._dbfs_upload(location.removeprefix("dbfs:"), content)
        return location

    def location(self, libraries_folder: str, file_name: str) -> str:
        """The location a library in ``libraries_folder`` has, without connecting."""
        return self.place.location(libraries_folder, file_name)

    def read(self, libraries_folder: str, file_name: str) -> bytes | None:
        """The library at its location, or None when there is none (asked first: a read that is refused must
        never pass for an absent library, which a failed release would then delete)."""
        location = self.place.location(libraries_folder, file_name)
        with explained(f"read library {location}", self.host):
            if self.place.kind == "workspace":
                workspace, path = DatabricksWorkspace(self.client), location.removeprefix("/Workspace")
                return workspace.read(path) if workspace.exists(path) else None
            try:
                if self.place.kind == "volume":
                    self.client.files.get_metadata(location)
                else:
                    self.client.dbfs.get_status(location.removeprefix("dbfs:"))
            except NotFound:
                return None
            if self.place.kind == "volume":
                return self.client.files.download(location).contents.read()
            with self.client.dbfs.download(location.removeprefix("dbfs:")) as stream:
                return stream.read()

    def delete(self, libraries_folder: str, file_name: str) -> None:
        """Remove the library at its location; no error if there is none."""
        location = self.place.location(libraries_folder, file_name)
        with explained(f"delete library {location}", self.host), contextlib.suppress(NotFound):
            if self.place.kind == "workspace":
                DatabricksWorkspace(self.client).delete(location.removeprefix("/Workspace"))
            elif self.place.kind == "volume":
                self.client.files.delete(location)
            else:
                self.client.dbfs.delete(location.removeprefix("dbfs:"))

    def _dbfs_upload(self, path: str, content: bytes) -> None:
        dbfs = self.client.dbfs
        if len(content) <= DBFS_BLOCK:
            dbfs.put(path, contents=base64.b64encode(content).decode(), overwrite=True)
            return
        handle = dbfs.create(path, overwrite=True).handle
        try:
            for start in range(0, len(content), DBFS_BLOCK):
                dbfs.add_block(handle, base64.b64encode(content[start:start + DBFS_BLOCK]).decode())
        finally:
            dbfs.close(handle)
