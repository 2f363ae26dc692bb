"""``dbutils.secrets`` locally: values from environment variables or a git-ignored JSON file, always redacted.

A run's process gets neither the variables nor the file's path: the runner hands it both through a pipe (``send``,
``receive``: nothing rests on disk, whatever becomes of the runner), with the shell's other secret-looking values
to redact, and knows every value so it can redact the run's output.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_engine.errors import UserError
from mlops_engine.local.notebook.redaction import Redactor
from mlops_engine.local.secrecy.environment import secret_values

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


@dataclass(frozen=True)
class HandOff:
    """One run's secrets as its runner hands them over."""

    scopes: Mapping[str, Mapping[str, str]]
    variables: Mapping[str, str]
    """``DATABRICKS_SECRET_<SCOPE>__<KEY>`` of the developer's shell."""
    redact_only: tuple[str, ...] = ()
    """The shell's other secret-looking values (``DATABRICKS_TOKEN``...): never given to the run, blanked if seen."""

    def values(self) -> list[str]:
        """Every value to redact from what the run (or the warm driver it attaches to) writes."""
        scoped = (value for keys in self.scopes.values() for value in keys.values())
        return list(dict.fromkeys([*self.variables.values(), *scoped, *self.redact_only]))


def hand_off(secrets_file: Path, environ: Mapping[str, str]) -> HandOff:
    """Every local secret for one run: the secrets file's scopes, the shell's secret variables and other values."""
    variables = {name: value for name, value in environ.items() if name.startswith(SECRET_PREFIX)}
    return HandOff(_read_scopes(secrets_file), variables, tuple(secret_values(environ)))


def send(secrets: HandOff, pipe: int) -> None:
    """Write ``secrets`` into the write end of the run's hand-off pipe and close it (a run that died early: dropped)."""
    content = json.dumps({"format": HANDOFF_FORMAT, "scopes": secrets.scopes, "variables": secrets.variables,
                          "redact_only": secrets.redact_only}).encode()
    with contextlib.suppress(BrokenPipeError), os.fdopen(pipe, "wb") as stream:
        stream.write(content)


def receive(pipe: int) -> HandOff:
    """Read the run's secrets from the read end of its hand-off pipe (inherited from the runner) and close it."""
    with os.fdopen(pipe, "rb") as stream:
        data = json.loads(stream.read())  # ValueError when nothing came
    if data.get("format") != HANDOFF_FORMAT:
        raise ValueError(f"the run's secrets came in an unknown format {data.get('format')!r}")
    return HandOff(data["scopes"], data["variables"], tuple(data["redact_only"]))


@dataclass(frozen=True)
class SecretMetadata:
    """What ``dbutils.secrets.list`` gives for one secret: its key."""

    key: str


@dataclass(frozen=True)
class SecretScope:
    """What ``dbutils.secrets.listScopes`` gives for one scope: its name."""

    name: str


class Secrets:
    """``dbutils.secrets`` from a run's hand-off, or (in tests) environment variables and a JSON file of scopes."""

    def __init__(self, source: Path | HandOff | None, redact: Redactor) -> None:
        self._source = source
        self._redact = redact

    def _load(self) -> tuple[Mapping[str, Mapping[str, str]], Mapping[str, str]]:
        if isinstance(self._source, HandOff):
            return self._source.scopes, self._source.variables
        if self._source is None or not self._source.is_file():
            return {}, os.environ
        data: Any = json.loads(self._source.read_text())
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
