"""The wire types the fake Databricks API shares between its server and its handlers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


class ApiError(Exception):
    """An error answer exactly as Databricks sends it: a status and a JSON body with ``error_code``."""

    def __init__(self, status: int, error_code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.headers = headers or {}


def not_found(message: str) -> ApiError:
    return ApiError(404, "RESOURCE_DOES_NOT_EXIST", message)


def already_exists(message: str) -> ApiError:
    return ApiError(400, "RESOURCE_ALREADY_EXISTS", message)


def invalid(message: str) -> ApiError:
    return ApiError(400, "INVALID_PARAMETER_VALUE", message)


@dataclass(frozen=True)
class Request:
    """One request as it reached the server; ``headers`` never include Authorization."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        """The JSON body, or an INVALID_PARAMETER_VALUE answer when it is not JSON."""
        if not self.body:
            return {}
        try:
            parsed = json.loads(self.body)
        except ValueError:
            raise invalid("Malformed request: the body is not valid JSON") from None
        if not isinstance(parsed, dict):
            raise invalid("Malformed request: the body must be a JSON object")
        return parsed


@dataclass
class Response:
    """An answer: JSON when ``body`` is a dict, raw bytes otherwise."""

    status: int = 200
    body: dict[str, Any] | bytes = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, self.headers.get("Content-Type", "application/octet-stream")
        return json.dumps(self.body).encode(), "application/json"
