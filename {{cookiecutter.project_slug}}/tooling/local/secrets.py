"""``dbutils.secrets`` locally: values from environment variables or a git-ignored JSON file, always redacted."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

from .redaction import Redactor


def secret_env_name(scope: str, key: str) -> str:
    """The environment variable that holds a local secret, e.g. DATABRICKS_SECRET_MY_SCOPE__API_KEY."""
    def clean(part: str) -> str:
        return re.sub(r"[^A-Za-z0-9]", "_", part).upper()

    return f"DATABRICKS_SECRET_{clean(scope)}__{clean(key)}"


class Secrets:
    """``dbutils.secrets`` backed by environment variables or a git-ignored JSON file of scopes."""

    def __init__(self, secrets_file: Path | None, redact: Redactor) -> None:
        self._file = secrets_file
        self._redact = redact

    def _from_file(self) -> Mapping[str, Mapping[str, str]]:
        if self._file is None or not self._file.is_file():
            return {}
        return json.loads(self._file.read_text())

    def get(self, scope: str, key: str) -> str:
        """The secret's value; it is redacted from the run's log from now on."""
        value = os.environ.get(secret_env_name(scope, key))
        if value is None:
            value = self._from_file().get(scope, {}).get(key)
        if value is None:
            raise KeyError(
                f"secret {key!r} of scope {scope!r} is not set locally: export {secret_env_name(scope, key)} "
                f"or add it to {self._file.name if self._file else '.secrets.json'}"
            )
        self._redact.add(value)
        return value

    def listScopes(self) -> list[str]:  # noqa: N802 - Databricks' own name
        """Scopes of the secrets file."""
        return sorted(self._from_file())
