"""The notebooks package as the workspace will hold it: notebooks named without ``.py``, set_environment, configs."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mlops_engine.contract.workspace import NOTEBOOK_HEADER, ObjectKind
from mlops_engine.errors import UserError

SET_ENVIRONMENT = "set_environment"
SKIPPED_NAMES = frozenset({"__pycache__"})
PACKAGE_MARKER = "__init__.py"
"""The package root's own ``__init__.py`` lets the project's tests import it; a workspace folder needs none. Nested
``__init__.py`` files are sent: a workspace module package without one would lose to an installed namesake."""


@dataclass(frozen=True)
class LocalItem:
    """One notebook or file of the package, as it will be named in the workspace."""

    relative_path: str
    kind: ObjectKind
    content: bytes

    @property
    def digest(self) -> str:
        """Content hash the snapshot remembers."""
        return hashlib.sha256(self.kind.value.encode() + self.content).hexdigest()


def _is_notebook(file: Path) -> bool:
    with file.open("rb") as handle:
        return file.suffix == ".py" and handle.readline().rstrip(b"\r\n") == NOTEBOOK_HEADER.encode()


def collect_package(package_dir: Path) -> dict[str, LocalItem]:
    """The notebooks (named without ``.py``) and other files of the package; hidden files, caches and the root
    ``__init__.py`` skipped."""
    if not package_dir.is_dir():
        raise UserError(f"notebooks package {package_dir} does not exist")
    items: dict[str, LocalItem] = {}
    for file in sorted(package_dir.rglob("*")):
        parts = file.relative_to(package_dir).parts
        if not file.is_file() or any(part.startswith(".") or part in SKIPPED_NAMES for part in parts):
            continue
        if file.suffix in {".pyc", ".pyo"} or parts == (PACKAGE_MARKER,):
            continue
        relative = "/".join(parts)
        if _is_notebook(file):
            relative = relative.removesuffix(".py")
            items[relative] = LocalItem(relative, ObjectKind.NOTEBOOK, file.read_bytes())
        else:
            items[relative] = LocalItem(relative, ObjectKind.FILE, file.read_bytes())
    _refuse_undecodable(items, package_dir)
    return items


def _refuse_undecodable(items: Mapping[str, LocalItem], package_dir: Path) -> None:
    """A notebook must be UTF-8 source: one that is not (binary content, another encoding) would be sent and fail
    only when run, on either target; refuse the send, naming each, before anything is written."""
    bad = []
    for item in items.values():
        if item.kind is ObjectKind.NOTEBOOK:
            try:
                item.content.decode("utf-8")
            except UnicodeDecodeError as error:
                bad.append(f"{package_dir.name}/{item.relative_path}.py (byte {error.start})")
    if bad:
        raise UserError(f"notebooks that are not UTF-8 text cannot be sent: {', '.join(bad)}; save them as UTF-8 "
                        "source or move binary files out of the notebook format")


def set_environment_notebook(config: str) -> bytes:
    """The one-line set_environment notebook pointing at ``conf/<config>``."""
    return f"{NOTEBOOK_HEADER}\n# MAGIC %run ./conf/{config}\n".encode()


def with_set_environment(items: Mapping[str, LocalItem], source: bytes) -> dict[str, LocalItem]:
    """The package's items with the folder's own set_environment in place of the repository's."""
    chosen = dict(items)
    chosen[SET_ENVIRONMENT] = LocalItem(SET_ENVIRONMENT, ObjectKind.NOTEBOOK, source)
    return chosen


def check_config(items: Mapping[str, LocalItem], config: str) -> None:
    """Refuse a config the package does not have, naming those it does."""
    available = sorted(
        path.removeprefix("conf/") for path, item in items.items()
        if path.startswith("conf/") and path.endswith("_config") and item.kind is ObjectKind.NOTEBOOK
    )
    if f"conf/{config}" not in items:
        raise UserError(f"no config conf/{config}; configs: {', '.join(available)}")


CI_SET_ENVIRONMENT = "conf/ci_set_environment"


def ci_set_environment(package_dir: Path) -> bytes:
    """CI's set_environment notebook: the package's ``conf/ci_set_environment``, sent in place of the developer's."""
    source = package_dir / f"{CI_SET_ENVIRONMENT}.py"
    if not source.is_file():
        raise UserError(f"{source} is missing; CI needs it to pick its config")
    content = source.read_bytes()
    if not content.startswith(NOTEBOOK_HEADER.encode()):
        raise UserError(f"{source} is not a Databricks source notebook")
    return content
