"""Multipart uploads to Unity Catalog volumes, as databricks-sdk's ``files.upload`` drives them.

Above ``Config.files_ext_multipart_upload_min_stream_size`` (50 MiB by default) the SDK does not PUT
the file: it initiates a session (``POST /api/2.0/fs/files<path>?action=initiate-upload``), asks for
one presigned URL per part (``POST /api/2.0/fs/create-upload-part-urls``), PUTs each part to cloud
storage without Databricks credentials, and completes with the parts' ETags
(``POST /api/2.0/fs/files<path>?action=complete-upload``); on failure it aborts through a presigned
URL from ``POST /api/2.0/fs/create-abort-upload-url``. Databricks' rules: part numbers 1 to 10000,
every part but the last at least 5 MiB, at most 4000 MiB each, assembled in ascending part number.
The "cloud storage" here is this server, under ``/storage/``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .http import ApiError, Request, Response, invalid

if TYPE_CHECKING:
    from .storage import Volumes

MIN_PART_BYTES = 5 * 1024 * 1024
MAX_PART_BYTES = 4000 * 1024 * 1024
MAX_PART_NUMBER = 10_000
STORAGE_PREFIX = "/storage/uploads/"


@dataclass
class UploadSession:
    path: str
    signature: str
    parts: dict[int, tuple[bytes, str]] = field(default_factory=dict)
    """part number -> (content, ETag)."""


def _storage_error(status: int, code: str, message: str) -> Response:
    """Cloud storage answers in S3's XML, not Databricks' JSON."""
    body = f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return Response(status, body.encode(), {"Content-Type": "application/xml"})


class MultipartUploads:
    """Upload sessions of one fake workspace's volumes."""

    def __init__(self, volumes: Volumes) -> None:
        self.volumes = volumes
        self.sessions: dict[str, UploadSession] = {}
        self.completed: list[tuple[str, list[int]]] = []
        """``(path, part numbers)`` of every completed upload, in order."""

    def initiate(self, request: Request, path: str) -> Response:
        if path in self.volumes.directories:
            raise ApiError(409, "ALREADY_EXISTS", f"{path} is a directory")
        if path in self.volumes.files and request.query.get("overwrite") == "false":
            raise ApiError(409, "ALREADY_EXISTS", f"The file being created already exists: {path}")
        token = secrets.token_urlsafe(16)
        self.sessions[token] = UploadSession(path, secrets.token_hex(16))
        return Response(body={"multipart_upload": {"session_token": token}})

    def _session(self, token: str | None, path: str | None) -> UploadSession:
        session = self.sessions.get(token or "")
        if session is None or session.path != path:
            raise ApiError(404, "NOT_FOUND", f"No upload session {token!r} for {path}")
        return session

    def part_urls(self, request: Request) -> Response:
        body = request.json
        token, path = body.get("session_token"), body.get("path")
        session = self._session(token, path)
        start, count = body.get("start_part_number"), body.get("count")
        if not isinstance(start, int) or not isinstance(count, int) or count < 1 or not body.get("expire_time"):
            raise invalid("start_part_number, count (>= 1) and expire_time are required")
        if start < 1 or start + count - 1 > MAX_PART_NUMBER:
            raise invalid(f"Part numbers must be between 1 and {MAX_PART_NUMBER}")
        host = request.headers.get("host", "127.0.0.1")
        urls = [
            {"url": f"http://{host}{STORAGE_PREFIX}{token}/{number}?signature={session.signature}",
             "part_number": number, "headers": [{"name": "x-fake-storage", "value": "part"}]}
            for number in range(start, start + count)
        ]
        return Response(body={"upload_part_urls": urls})

    def abort_url(self, request: Request) -> Response:
        body = request.json
        token = body.get("session_token")
        session = self._session(token, body.get("path"))
        host = request.headers.get("host", "127.0.0.1")
        url = f"http://{host}{STORAGE_PREFIX}{token}?signature={session.signature}"
        return Response(body={"abort_upload_url": {"url": url, "headers": []}})

    def storage(self, request: Request) -> Response:
        """A presigned PUT of one part, or DELETE of the whole upload: no Databricks token, a signature."""
        token, _, number = request.path.removeprefix(STORAGE_PREFIX).partition("/")
        session = self.sessions.get(token)
        if session is None:
            return _storage_error(404, "NoSuchUpload", "The specified upload does not exist.")
        if request.query.get("signature") != session.signature:
            return _storage_error(403, "AccessDenied", "The request signature does not match.")
        if request.method == "DELETE" and not number:
            del self.sessions[token]
            return Response(200, b"")
        if request.method != "PUT" or not number.isdigit():
            return _storage_error(405, "MethodNotAllowed", "The method is not allowed against this resource.")
        if len(request.body) > MAX_PART_BYTES:
            return _storage_error(400, "EntityTooLarge", "The part exceeds the maximum allowed size.")
        etag = f"\"{hashlib.md5(request.body).hexdigest()}\""  # noqa: S324 - S3's ETag is an MD5, not security
        session.parts[int(number)] = (request.body, etag)
        return Response(200, b"", {"ETag": etag})

    def complete(self, request: Request, path: str) -> Response:
        if request.query.get("upload_type") != "multipart":
            raise invalid("complete-upload needs upload_type=multipart")
        token = request.query.get("session_token")
        session = self._session(token, path)
        listed = request.json.get("parts") or []
        numbers = [part.get("part_number") for part in listed]
        if not numbers or numbers != sorted(set(numbers)):
            raise invalid("parts must be listed once each, in ascending part_number")
        for part in listed:
            stored = session.parts.get(part["part_number"])
            if stored is None or stored[1] != part.get("etag"):
                raise invalid(f"Part {part['part_number']} was not uploaded or its etag does not match")
        contents = [session.parts[number][0] for number in numbers]
        if any(len(content) < MIN_PART_BYTES for content in contents[:-1]):
            raise invalid(f"Every part but the last must be at least {MIN_PART_BYTES} bytes")
        del self.sessions[token]
        self.volumes.store(path, b"".join(contents))
        self.completed.append((path, numbers))
        return Response(body={})
