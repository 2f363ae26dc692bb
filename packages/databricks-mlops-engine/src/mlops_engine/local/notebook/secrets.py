"""``dbutils.secrets`` locally: values from environment variables or a git-ignored JSON file, always redacted.

A run's process gets neither the variables nor the file's path: the runner hands it one file of its own
(mode 0600, in the run's folder) holding both, and knows every value in it so it can redact the run's output.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_engine.errors import UserError
from mlops_engine.local.notebook.redaction import Redactor

SECRET_PREFIX = "DATABRICKS_SECRET_"
HANDOFF_FORMAT = "mlops-run-secrets/1"


def secret_env_name(scope: str, key: str) -> str:
    """The environment variable that holds a local secret, e.g. DATABRICKS_SECRET_MY_SCOPE__API_KEY."""
    def clean(part: str) -> str:
        return re.sub(r"[^A-Za-z0-9]", "_", part).upper()

    return f"{SECRET_PREFIX}{clean(scope)}__{clean(key)}"


def _read_scopes(secrets_file: Path) -> dict[str, dict[str, str]]:
    if not secrets_file.is_file():
        return {}
    try:
        scopes = json.loads(secrets_file.read_text())
    except ValueError as error:
        raise UserError(f"{secrets_file} is not valid JSON ({error.msg}, line {error.lineno})") from None
    if not isinstance(scopes, dict) or not all(isinstance(keys, dict) for keys in scopes.values()):
        raise UserError(f"{secrets_file} must map scope names to objects of key: value")
    return {str(scope): {str(k): str(v) for k, v in keys.items()} for scope, keys in scopes.items()}


def hand_off(secrets_file: Path, environ: Mapping[str, str], destination: Path) -> list[str]:
    """Write every local secret for one run into ``destination`` (0600); return the values, to redact."""
    scopes = _read_scopes(secrets_file)
    variables = {name: value for name, value in environ.items() if name.startswith(SECRET_PREFIX)}
    content = json.dumps({"format": HANDOFF_FORMAT, "scopes": scopes, "variables": variables}).encode()
    handle = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "wb") as stream:
        stream.write(content)
    return [*variables.values(), *(value for keys in scopes.values() for value in keys.values())]


@dataclass(frozen=True)
class SecretMetadata:
    """What ``dbutils.secrets.list`` gives for one secret: its key."""

    key: str


@dataclass(frozen=True)
class SecretScope:
    """What ``dbutils.secrets.listScopes`` gives for one scope: its name."""

    name: str


class Secrets:
    """``dbutils.secrets`` from environment variables or a git-ignored JSON file of scopes (or a run's hand-off)."""

    def __init__(self, secrets_file: Path | None, redact: Redactor) -> None:
        self._file = secrets_file
        self._redact = redact

    def _load(self) -> tuple[Mapping[str, Mapping[str, str]], Mapping[str, str]]:
        if self._file is None or not self._file.is_file():
            return {}, os.environ
        data: Any = json.loads(self._file.read_text())
        if isinstance(data, dict) and data.get("format") == HANDOFF_FORMAT:
            return data["scopes"], data["variables"]
        return data, os.environ

    def get(self, scope: str, key: str) -> str:
        """The secret's value; it is redacted from the run's log from now on."""
        scopes, variables = self._load()
        value = variables.get(secret_env_name(scope, key))
        if value is None:
            value = scopes.get(scope, {}).get(key)
        if value is None:
            raise KeyError(
                f"secret {key!r} of scope {scope!r} is not set locally: export {secret_env_name(scope, key)} "
                "or add it to .secrets.json"
            )
        self._redact.add(value)
        return value

    def list(self, scope: str) -> list[SecretMetadata]:
        """The keys of ``scope`` (never the values), as ``SecretMetadata(key=...)`` like Databricks returns them."""
        scopes, variables = self._load()
        prefix = secret_env_name(scope, "")
        keys = [*scopes.get(scope, {}), *(name.removeprefix(prefix) for name in variables if name.startswith(prefix))]
        if not keys and scope not in scopes:
            raise KeyError(f"secret scope {scope!r} does not exist locally: add it to .secrets.json or export "
                           f"{prefix}<KEY>")
        return [SecretMetadata(key) for key in dict.fromkeys(keys)]

    def listScopes(self) -> list[SecretScope]:  # noqa: N802 - Databricks' own name
        """Scopes of the secrets file, as ``SecretScope(name=...)`` like Databricks returns them."""
        return [SecretScope(name) for name in sorted(self._load()[0])]
