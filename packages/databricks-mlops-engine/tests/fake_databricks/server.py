"""A stateful fake of the Databricks REST API on 127.0.0.1, for driving the real databricks-sdk in tests.

It answers like a workspace does (status codes, ``error_code``s, Retry-After), refuses a bad token,
can inject fault storms and latency, and records every request so tests assert what reached it.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlsplit

from .http import ApiError, Request, Response
from .jobs import Jobs, Repos, RunScript
from .oidc import FederationPolicy, verify
from .storage import Dbfs, Volumes, WorkspaceTree

__all__ = ["ApiError", "FakeDatabricks", "Fault", "Request", "RunScript"]

UNAUTHENTICATED_PATHS = ("/.well-known/", "/oidc/")
CLOUD_STORAGE_PATH = "/storage/"
"""Presigned cloud-storage URLs (multipart volume uploads) are served here; they carry no Databricks token."""
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
WORKSPACE_ID = "1234567890123456"


@dataclass
class Fault:
    """The next ``count`` requests under ``path_prefix`` (of ``method``, if given), after the first ``skip`` of
    them, meet this fault.

    As a faulty network or proxy in front of a workspace: an error answer (``status``), a connection dropped
    before any answer (``drop``), or a request that reaches the server and then hangs for ``stall`` seconds
    without an answer before its connection is dropped. It applies to presigned cloud-storage URLs too.
    """

    status: int
    count: int
    path_prefix: str = "/api/"
    retry_after: int | None = None
    drop: bool = False
    stall: float = 0.0
    skip: int = 0
    method: str = ""

    def matches(self, method: str, path: str) -> bool:
        """True when this fault still applies to a ``method`` request of ``path``."""
        return self.count > 0 and path.startswith(self.path_prefix) and self.method in ("", method)

    @property
    def silent(self) -> bool:
        """True when the fault sends no answer at all."""
        return self.drop or self.stall > 0

    def answer(self) -> ApiError:
        headers = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
        if self.status == 429:
            return ApiError(429, "REQUEST_LIMIT_EXCEEDED", "Too many requests. Please wait and retry.", headers)
        if self.status == 503:
            return ApiError(503, "TEMPORARILY_UNAVAILABLE", "The service is temporarily unavailable.", headers)
        return ApiError(self.status, "INTERNAL_ERROR", "Injected fault", headers)


class FakeDatabricks:
    """The fake workspace and its HTTP server; use as a context manager."""

    def __init__(
        self,
        token: str = "dapi-fake-0123456789abcdef",
        *,
        port: int = 0,
        latency: float = 0.0,
        client_id: str = "sp-client-id",
        client_secret: str = "sp-client-secret",
    ) -> None:
        self.token = token
        self.latency = latency
        self.client_id, self.client_secret = client_id, client_secret
        self.user_name = "dev@example.com"
        self.workspace = WorkspaceTree()
        self.dbfs = Dbfs()
        self.volumes = Volumes()
        self.jobs = Jobs(self.workspace, self._library_exists)
        self.repos = Repos(self.workspace)
        self.faults: list[Fault] = []
        self.stalled: list[Request] = []
        """Requests a stall fault is holding (or held) without an answer, in arrival order."""
        self._closing = threading.Event()
        self.log: list[tuple[Request, int]] = []
        self._oauth_tokens: set[str] = set()
        self.federation_policies: list[FederationPolicy] = []
        self.token_exchanges: list[dict[str, object]] = []
        """Every accepted ID-token exchange: client_id, the ID token's claims, the access token issued."""
        self.bearer_tokens: list[tuple[str, str]] = []
        """``(path, token)`` of every API call authenticated with a bearer token, to check which one it carried."""
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        """The base URL the SDK should use."""
        port = self._server.server_address[1]
        return "http://127.0.0.1" if port == 80 else f"http://127.0.0.1:{port}"

    def __enter__(self) -> FakeDatabricks:
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-databricks", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    @property
    def requests(self) -> list[Request]:
        """Every request that reached the server, faulted ones included, in arrival order."""
        with self._lock:
            return [request for request, _status in self.log]

    def calls(self, path_prefix: str = "/api/") -> list[tuple[str, str]]:
        """``(method, path)`` of requests under ``path_prefix``."""
        return [(r.method, r.path) for r in self.requests if r.path.startswith(path_prefix)]

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    def inject(self, status: int, count: int = 1, *, path_prefix: str = "/api/", retry_after: int | None = 0,
               drop: bool = False, stall: float = 0.0, skip: int = 0, method: str = "") -> None:
        """Answer the next ``count`` matching requests, after letting ``skip`` through, with ``status``; or drop
        their connection; or hold them ``stall`` seconds unanswered, then drop it."""
        with self._lock:
            self.faults.append(Fault(status, count, path_prefix, retry_after, drop, stall, skip, method))

    def stall_until_closed(self, request: Request, seconds: float) -> None:
        """Hold ``request`` unanswered, as a hung network does, for ``seconds`` or until the fake shuts down."""
        with self._lock:
            self.stalled.append(request)
        self._closing.wait(seconds)

    def script_run(self, notebook_path: str, script: RunScript) -> None:
        """How runs of ``notebook_path`` unfold from now on."""
        with self._lock:
            self.jobs.scripts[notebook_path] = script

    def add_notebook(self, path: str, source: bytes = b"# Databricks notebook source\n") -> None:
        """Put a notebook (and its folders) in the workspace, as if someone had imported it."""
        from .storage import WorkspaceObject

        with self._lock:
            self.workspace.mkdirs(path.rsplit("/", 1)[0])
            self.workspace.objects[path] = WorkspaceObject("NOTEBOOK", source, "PYTHON")

    def _library_exists(self, path: str) -> bool:
        if path.startswith("/Workspace/"):
            obj = self.workspace.objects.get(path.removeprefix("/Workspace"))
            return obj is not None and obj.object_type == "FILE"
        if path.startswith("/Volumes/"):
            return path in self.volumes.files
        if path.startswith("dbfs:/"):
            return path.removeprefix("dbfs:") in self.dbfs.files
        return False

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method, path):
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                fault.count -= 1
                return fault
        return None

    def _authenticate(self, request: Request, authorization: str) -> None:
        if request.path.startswith(CLOUD_STORAGE_PATH):
            if authorization:
                raise ApiError(400, "InvalidArgument", "Only one auth mechanism allowed: the URL is presigned")
            return
        if request.path.startswith(UNAUTHENTICATED_PATHS):
            return
        if not authorization:
            raise ApiError(401, "UNAUTHENTICATED",
                           "Credential was not sent or was of an unsupported type for this API.")
        scheme, _, credential = authorization.partition(" ")
        if scheme != "Bearer" or (credential != self.token and credential not in self._oauth_tokens):
            raise ApiError(403, "PERMISSION_DENIED", "Invalid access token.")
        self.bearer_tokens.append((request.path, credential))

    def answer(self, request: Request, authorization: str) -> Response | Fault:
        """Dispatch one request; the caller has already applied latency."""
        with self._lock:
            fault = self._take_fault(request.method, request.path)
            status = 0
            try:
                if fault is not None:
                    status = 0 if fault.silent else fault.status
                    return fault if fault.silent else _error(fault.answer())
                self._authenticate(request, authorization)
                response = self._route(request, authorization)
                status = response.status
                return response
            except ApiError as error:
                status = error.status
                return _error(error)
            finally:
                self.log.append((request, status))

    def _route(self, request: Request, authorization: str) -> Response:
        path = request.path
        if path == "/.well-known/databricks-config":
            return Response(body={"oidc_endpoint": f"{self.host}/oidc", "workspace_id": WORKSPACE_ID})
        if path == "/oidc/.well-known/oauth-authorization-server":
            return Response(body={"issuer": f"{self.host}/oidc", "authorization_endpoint": f"{self.host}/oidc/v1/"
                                  "authorize", "token_endpoint": f"{self.host}/oidc/v1/token"})
        if path == "/oidc/v1/token":
            form = {key: values[0] for key, values in parse_qs(request.body.decode()).items()}
            if form.get("grant_type") == TOKEN_EXCHANGE:
                return self._exchange(form)
            return self._oauth_token(authorization)
        if path == "/api/2.0/preview/scim/v2/Me":
            return Response(body={"id": "7001", "userName": self.user_name, "displayName": "Dev", "active": True})
        if path.startswith("/api/2.0/workspace/"):
            return self.workspace.handle(request)
        if path.startswith("/api/2.0/dbfs/"):
            return self.dbfs.handle(request)
        if path.startswith(("/api/2.0/fs/", CLOUD_STORAGE_PATH)):
            return self.volumes.handle(request)
        if path.startswith(("/api/2.1/jobs/runs/", "/api/2.2/jobs/runs/")):
            return self.jobs.handle(request, self.host)
        if path.startswith("/api/2.0/repos"):
            return self.repos.handle(request)
        raise ApiError(404, "ENDPOINT_NOT_FOUND", f"No API found for '{request.method} {path}'")

    def _oauth_token(self, authorization: str) -> Response:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if authorization != f"Basic {expected}":
            return Response(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
        issued = f"oauth-{len(self._oauth_tokens)}-{time.time_ns()}"
        self._oauth_tokens.add(issued)
        return Response(body={"access_token": issued, "token_type": "Bearer", "expires_in": 3600})


    def _exchange(self, form: dict[str, str]) -> Response:
        """Workload identity federation: an ID token a policy of ``client_id`` accepts becomes an access token."""
        policies = [p for p in self.federation_policies if p.client_id == form.get("client_id")]
        if not policies:
            return Response(400, {"error": "invalid_request", "error_description": "No federation policy for the "
                                  "client_id"})
        errors = []
        for policy in policies:
            try:
                claims = verify(form.get("subject_token", ""), policy)
            except ValueError as error:
                errors.append(str(error))
                continue
            issued = f"oauth-federated-{len(self._oauth_tokens)}-{time.time_ns()}"
            self._oauth_tokens.add(issued)
            self.token_exchanges.append({"client_id": policy.client_id, "claims": claims, "access_token": issued})
            return Response(body={"access_token": issued, "token_type": "Bearer", "expires_in": 3600})
        return Response(401, {"error": "invalid_grant", "error_description": "; ".join(errors)})


def _error(error: ApiError) -> Response:
    return Response(error.status, {"error_code": error.error_code, "message": error.message}, error.headers)


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        return b"".join(_chunks(handler))
    return handler.rfile.read(int(handler.headers.get("Content-Length") or 0))


def _chunks(handler: BaseHTTPRequestHandler) -> Iterator[bytes]:
    while True:
        size = int(handler.rfile.readline().split(b";")[0], 16)
        if size == 0:
            handler.rfile.readline()
            return
        yield handler.rfile.read(size)
        handler.rfile.readline()


def _handler_for(fake: FakeDatabricks) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True
        wbufsize = 1 << 16  # one write per answer: headers and body together, flushed by the server

        def _serve(self) -> None:
            url = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items() if k.lower() != "authorization"}
            request = Request(self.command, url.path, dict(parse_qsl(url.query)), headers, _read_body(self))
            if fake.latency:
                time.sleep(fake.latency)
            outcome = fake.answer(request, self.headers.get("Authorization", ""))
            if isinstance(outcome, Fault):
                if outcome.stall:
                    fake.stall_until_closed(request, outcome.stall)
                self.close_connection = True
                return
            payload, content_type = outcome.encoded()
            self.send_response(outcome.status)
            for name, value in outcome.headers.items():
                self.send_header(name, value)
            if "Content-Type" not in outcome.headers:
                self.send_header("Content-Type", content_type)
            if "Content-Length" not in outcome.headers:
                self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
            """Quiet: tests read ``fake.log`` instead."""

    return Handler
