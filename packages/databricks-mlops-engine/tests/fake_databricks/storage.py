"""The fake's stored things: the workspace tree, DBFS and Unity Catalog volumes (Files API)."""

from __future__ import annotations

import base64
import binascii
import email.parser
import email.policy
import itertools
import time
from dataclasses import dataclass, field
from posixpath import dirname, normpath
from typing import Any
from urllib.parse import unquote

from .http import ApiError, Request, Response, already_exists, invalid, not_found
from .multipart import STORAGE_PREFIX, MultipartUploads

NOTEBOOK_HEADER = b"# Databricks notebook source"
MAX_IMPORT_BYTES = 10 * 1024 * 1024
DBFS_BLOCK_BYTES = 1024 * 1024
_ids = itertools.count(1_000_000)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _b64(value: str | None, what: str) -> bytes:
    try:
        return base64.b64decode(value or "", validate=True)
    except (binascii.Error, ValueError):
        raise invalid(f"{what} is not valid base64") from None


def _absolute(path: str | None, what: str = "path") -> str:
    if not path or not path.startswith("/"):
        raise invalid(f"Path ({path}) must be absolute: {what} should start with '/'")
    return normpath(path)


@dataclass
class WorkspaceObject:
    """A folder, notebook, file or repo root of the workspace tree."""

    object_type: str
    content: bytes = b""
    language: str | None = None
    object_id: int = field(default_factory=lambda: next(_ids))
    created_at: int = field(default_factory=_now_ms)
    modified_at: int = field(default_factory=_now_ms)

    def info(self, path: str) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "object_type": self.object_type,
            "path": path,
            "object_id": self.object_id,
            "resource_id": str(self.object_id),
            "created_at": self.created_at,
            "modified_at": self.modified_at,
        }
        if self.language:
            answer["language"] = self.language
        if self.object_type in ("FILE", "NOTEBOOK"):
            answer["size"] = len(self.content)
        return answer


class WorkspaceTree:
    """``/api/2.0/workspace/*``: folders must exist before imports, as on a real workspace."""

    def __init__(self) -> None:
        self.objects: dict[str, WorkspaceObject] = {"/": WorkspaceObject("DIRECTORY")}
        self.read_only: set[str] = set()

    def children(self, path: str) -> list[str]:
        prefix = path.rstrip("/") + "/"
        return sorted(p for p in self.objects if p.startswith(prefix) and "/" not in p[len(prefix):] and p != "/")

    def _check_writable(self, path: str) -> None:
        for prefix in self.read_only:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                raise ApiError(403, "PERMISSION_DENIED", f"User does not have Manage or Edit permissions on {path}")

    def mkdirs(self, path: str) -> None:
        self._check_writable(path)
        parts = [p for p in path.split("/") if p]
        current = ""
        for part in parts:
            current += "/" + part
            existing = self.objects.get(current)
            if existing is None:
                self.objects[current] = WorkspaceObject("DIRECTORY")
            elif existing.object_type not in ("DIRECTORY", "REPO"):
                raise already_exists(f"Cannot create directory {path} because {current} is an existing file.")

    def put(self, path: str, obj: WorkspaceObject, overwrite: bool) -> None:
        self._check_writable(path)
        parent = dirname(path)
        parent_obj = self.objects.get(parent)
        if parent_obj is None or parent_obj.object_type not in ("DIRECTORY", "REPO"):
            raise not_found(f"The parent folder ({parent}) does not exist.")
        existing = self.objects.get(path)
        if existing is not None:
            if existing.object_type in ("DIRECTORY", "REPO"):
                raise already_exists(f"{path} already exists and is a directory.")
            if not overwrite:
                raise already_exists(f"{path} already exists.")
            obj.object_id, obj.created_at = existing.object_id, existing.created_at
        self.objects[path] = obj

    def delete(self, path: str, recursive: bool) -> None:
        obj = self.objects.get(path)
        if obj is None or path == "/":
            raise not_found(f"Path ({path}) doesn't exist.")
        self._check_writable(path)
        below = [p for p in self.objects if p.startswith(path.rstrip("/") + "/")]
        if below and not recursive:
            raise ApiError(400, "DIRECTORY_NOT_EMPTY", f"Folder ({path}) is not empty.")
        for p in below + [path]:
            del self.objects[p]

    def handle(self, request: Request) -> Response:
        action = request.path.removeprefix("/api/2.0/workspace/")
        if action == "mkdirs":
            self.mkdirs(_absolute(request.json.get("path")))
            return Response()
        if action == "import":
            return self._import(request)
        if action == "delete":
            body = request.json
            self.delete(_absolute(body.get("path")), bool(body.get("recursive")))
            return Response()
        path = _absolute(request.query.get("path"))
        obj = self.objects.get(path)
        if obj is None:
            raise not_found(f"Path ({path}) doesn't exist.")
        if action == "get-status":
            return Response(body=obj.info(path))
        if action == "list":
            if obj.object_type not in ("DIRECTORY", "REPO"):
                return Response(body={"objects": [obj.info(path)]})
            objects = [self.objects[p].info(p) for p in self.children(path)]
            return Response(body={"objects": objects} if objects else {})
        if action == "export":
            if obj.object_type in ("DIRECTORY", "REPO"):
                raise invalid(f"Exporting the folder {path} needs format DBC, which this fake does not support.")
            if request.query.get("direct_download") == "true":
                return Response(body=obj.content)
            return Response(body={"content": base64.b64encode(obj.content).decode(), "file_type": "py"})
        raise ApiError(404, "ENDPOINT_NOT_FOUND", f"No API found for '{request.method} {request.path}'")

    def _import(self, request: Request) -> Response:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            fields = _multipart_fields(content_type, request.body)
            content = fields.pop("content", b"")
            body: dict[str, Any] = {k: v.decode() for k, v in fields.items()}
        else:
            body = request.json
            content = _b64(body.get("content"), "content")
        path = _absolute(body.get("path"))
        if len(content) > MAX_IMPORT_BYTES:
            raise ApiError(400, "MAX_NOTEBOOK_SIZE_EXCEEDED", f"File size imported is ({len(content)} bytes), exceeded "
                                                               f"max size ({MAX_IMPORT_BYTES} bytes)")
        overwrite = body.get("overwrite") in (True, "true")
        fmt = body.get("format") or "SOURCE"
        language = body.get("language")
        if fmt == "AUTO":
            if path.endswith(".py") and content.startswith(NOTEBOOK_HEADER):
                path, fmt, language = path.removesuffix(".py"), "SOURCE", "PYTHON"
            else:
                self.put(path, WorkspaceObject("FILE", content), overwrite)
                return Response()
        if fmt == "RAW":
            self.put(path, WorkspaceObject("FILE", content), overwrite)
            return Response()
        if fmt != "SOURCE":
            raise invalid(f"Import format {fmt} is not supported by this fake")
        if language not in ("PYTHON", "SQL", "SCALA", "R"):
            raise invalid("The language field is required when the import format is SOURCE.")
        if not content.startswith(NOTEBOOK_HEADER):
            content = NOTEBOOK_HEADER + b"\n" + content
        self.put(path, WorkspaceObject("NOTEBOOK", content, language), overwrite)
        return Response()


def _multipart_fields(content_type: str, body: bytes) -> dict[str, bytes]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    if not message.is_multipart():
        raise invalid("Malformed multipart body")
    return {
        part.get_param("name", header="content-disposition"): part.get_payload(decode=True) or b""
        for part in message.iter_parts()
    }


@dataclass
class DbfsHandle:
    path: str
    data: bytearray = field(default_factory=bytearray)


class Dbfs:
    """``/api/2.0/dbfs/*`` for legacy workspaces: put up to 1 MB, bigger files in blocks through a handle."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.handles: dict[int, DbfsHandle] = {}
        self._handles = itertools.count(1)

    @staticmethod
    def _path(value: str | None) -> str:
        return _absolute((value or "").removeprefix("dbfs:"))

    def _check_new(self, path: str, overwrite: bool) -> None:
        if path in self.files and not overwrite:
            raise already_exists(f"A file or directory already exists at the input path dbfs:{path}.")

    def handle(self, request: Request) -> Response:
        action = request.path.removeprefix("/api/2.0/dbfs/")
        if action == "get-status":
            path = self._path(request.query.get("path"))
            if path in self.files:
                return Response(body={"path": path, "is_dir": False, "file_size": len(self.files[path]),
                                      "modification_time": _now_ms()})
            if any(p.startswith(path.rstrip("/") + "/") for p in self.files):
                return Response(body={"path": path, "is_dir": True, "file_size": 0})
            raise not_found(f"No file or directory exists on path dbfs:{path}.")
        if action == "read":
            return self._read(request.query)
        body = request.json
        if action == "put":
            path = self._path(body.get("path"))
            contents = _b64(body.get("contents"), "contents")
            if len(contents) > DBFS_BLOCK_BYTES:
                raise ApiError(400, "MAX_BLOCK_SIZE_EXCEEDED", "File uploads larger than 1 MB must use streaming "
                                                               "(create, add-block, close).")
            self._check_new(path, bool(body.get("overwrite")))
            self.files[path] = contents
            return Response()
        if action == "create":
            path = self._path(body.get("path"))
            self._check_new(path, bool(body.get("overwrite")))
            handle = next(self._handles)
            self.handles[handle] = DbfsHandle(path)
            return Response(body={"handle": handle})
        if action in ("add-block", "close"):
            stream = self.handles.get(body.get("handle"))
            if stream is None:
                raise not_found(f"The handle {body.get('handle')} does not exist.")
            if action == "close":
                self.files[stream.path] = bytes(self.handles.pop(body["handle"]).data)
                return Response()
            data = _b64(body.get("data"), "data")
            if len(data) > DBFS_BLOCK_BYTES:
                raise ApiError(400, "MAX_BLOCK_SIZE_EXCEEDED", "The block of data exceeds the 1 MB limit.")
            stream.data += data
            return Response()
        if action == "delete":
            path = self._path(body.get("path"))
            if path not in self.files:
                raise not_found(f"No file or directory exists on path dbfs:{path}.")
            del self.files[path]
            return Response()
        raise ApiError(404, "ENDPOINT_NOT_FOUND", f"No API found for '{request.method} {request.path}'")


    def _read(self, query: dict[str, str]) -> Response:
        """``GET /dbfs/read``: at most 1 MB from ``offset``, base64; past the end, nothing."""
        path = self._path(query.get("path"))
        if path not in self.files:
            if any(p.startswith(path.rstrip("/") + "/") for p in self.files):
                raise invalid(f"Cannot read a directory: dbfs:{path}")
            raise not_found(f"No file or directory exists on path dbfs:{path}.")
        offset, length = int(query.get("offset") or 0), int(query.get("length") or DBFS_BLOCK_BYTES)
        if length > DBFS_BLOCK_BYTES:
            raise ApiError(400, "MAX_READ_SIZE_EXCEEDED", "Cannot read more than 1 MB at a time.")
        data = self.files[path][offset:offset + length]
        return Response(body={"bytes_read": len(data), "data": base64.b64encode(data).decode()})


class Volumes:
    """``/api/2.0/fs/files`` and ``/api/2.0/fs/directories`` on Unity Catalog volumes the test creates."""

    def __init__(self) -> None:
        self.volumes: set[str] = set()
        self.files: dict[str, tuple[bytes, float]] = {}
        self.directories: set[str] = set()
        self.uploads = MultipartUploads(self)

    def create_volume(self, path: str) -> None:
        """A volume ``/Volumes/<catalog>/<schema>/<volume>`` the tests' workspace has."""
        self.volumes.add(path.rstrip("/"))
        self.directories.add(path.rstrip("/"))

    def _path(self, raw: str, prefix: str) -> str:
        path = normpath(unquote(raw.removeprefix(prefix)) or "/")
        parts = path.split("/")
        if len(parts) < 5 or parts[1] != "Volumes":
            raise invalid(f"Invalid path {path}: expected /Volumes/<catalog>/<schema>/<volume>/...")
        if "/".join(parts[:5]) not in self.volumes:
            raise ApiError(404, "NOT_FOUND", f"Volume {'/'.join(parts[:5])} does not exist.")
        return path

    def _parents(self, path: str) -> None:
        parent = dirname(path)
        while parent not in self.directories:
            self.directories.add(parent)
            parent = dirname(parent)

    def store(self, path: str, content: bytes) -> None:
        """Write a file whole, as a single PUT or a completed multipart upload does."""
        self._parents(path)
        self.files[path] = (content, time.time())

    def handle(self, request: Request) -> Response:
        if request.path.startswith(STORAGE_PREFIX):
            return self.uploads.storage(request)
        if request.path == "/api/2.0/fs/create-upload-part-urls" and request.method == "POST":
            return self.uploads.part_urls(request)
        if request.path == "/api/2.0/fs/create-abort-upload-url" and request.method == "POST":
            return self.uploads.abort_url(request)
        if request.path.startswith("/api/2.0/fs/files/"):
            return self._file(request, self._path(request.path, "/api/2.0/fs/files"))
        if request.path.startswith("/api/2.0/fs/directories/"):
            return self._directory(request, self._path(request.path, "/api/2.0/fs/directories"))
        raise ApiError(404, "ENDPOINT_NOT_FOUND", f"No API found for '{request.method} {request.path}'")

    def _file(self, request: Request, path: str) -> Response:
        if request.method == "POST":
            action = request.query.get("action")
            if action == "initiate-upload":
                return self.uploads.initiate(request, path)
            if action == "complete-upload":
                return self.uploads.complete(request, path)
            raise invalid(f"Unknown action {action!r} for POST {path}")
        if request.method == "PUT":
            if request.query.get("action"):
                raise ApiError(501, "NOT_IMPLEMENTED", "Multipart uploads are not supported by this fake")
            if path in self.directories:
                raise ApiError(409, "ALREADY_EXISTS", f"{path} is a directory")
            if path in self.files and request.query.get("overwrite") == "false":
                raise ApiError(409, "ALREADY_EXISTS", f"The file being created already exists: {path}")
            self.store(path, request.body)
            return Response(204, b"")
        if path not in self.files:
            raise ApiError(404, "NOT_FOUND", f"The file {path} does not exist")
        content, modified = self.files[path]
        headers = {"Last-Modified": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(modified))}
        if request.method == "DELETE":
            del self.files[path]
            return Response(204, b"")
        if request.method == "HEAD":
            return Response(200, b"", {**headers, "Content-Length": str(len(content))})
        return Response(200, content, {**headers, "Content-Type": "application/octet-stream"})

    def _directory(self, request: Request, path: str) -> Response:
        if request.method == "PUT":
            if path in self.files:
                raise ApiError(409, "ALREADY_EXISTS", f"{path} is a file")
            self._parents(path + "/x")
            return Response(204, b"")
        if path not in self.directories:
            raise ApiError(404, "NOT_FOUND", f"The directory {path} does not exist")
        below_files = [p for p in self.files if dirname(p) == path]
        below_dirs = [p for p in self.directories if dirname(p) == path and p != path]
        if request.method == "HEAD":
            return Response(200, b"")
        if request.method == "DELETE":
            if below_files or below_dirs:
                raise ApiError(409, "DIRECTORY_NOT_EMPTY", f"The directory {path} is not empty")
            self.directories.discard(path)
            return Response(204, b"")
        contents = [{"path": p, "name": p.rsplit("/", 1)[1], "is_directory": True} for p in sorted(below_dirs)]
        contents += [
            {"path": p, "name": p.rsplit("/", 1)[1], "is_directory": False, "file_size": len(self.files[p][0]),
             "last_modified": int(self.files[p][1] * 1000)}
            for p in sorted(below_files)
        ]
        return Response(body={"contents": contents})
