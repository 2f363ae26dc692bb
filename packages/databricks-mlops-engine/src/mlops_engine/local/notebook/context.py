"""The notebook context Databricks gives a notebook: ``getContext()``, its tags, and the ``spark.databricks.*`` conf.

Notebooks read their own path (to find files beside them), the user, the run id and the API URL from
``dbutils.notebook.entry_point.getDbutils().notebook().getContext()``, whose getters return Scala
``Option`` values (``.get()``, ``.isDefined()``, ``.getOrElse(x)``) and which serialises with ``toJson()``.
"""

from __future__ import annotations

import getpass
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

LOCAL_API_URL = "http://127.0.0.1"


class Option:
    """A Scala ``Option`` as py4j hands it to Python: ``get()`` raises when empty, as Scala's ``None.get`` does."""

    def __init__(self, value: Any = None) -> None:
        self._value = value

    def get(self) -> Any:
        if self._value is None:
            raise ValueError("None.get: this context value is not set on the local target")
        return self._value

    def isDefined(self) -> bool:  # noqa: N802 - Scala's name
        return self._value is not None

    def isEmpty(self) -> bool:  # noqa: N802 - Scala's name
        return self._value is None

    def getOrElse(self, default: Any) -> Any:  # noqa: N802 - Scala's name
        return default if self._value is None else self._value

    def __repr__(self) -> str:
        return f"Some({self._value})" if self._value is not None else "None"


class ScalaMap:
    """The ``tags()`` map: ``get(key)`` gives an ``Option``, ``apply(key)`` the value."""

    def __init__(self, values: dict[str, str]) -> None:
        self._values = values

    def get(self, key: str) -> Option:
        return Option(self._values.get(key))

    def apply(self, key: str) -> str:
        return self._values[key]

    def contains(self, key: str) -> bool:
        return key in self._values


def local_user() -> str:
    """The user the run acts as: the OS user, as Spark's ``current_user()`` reports it locally."""
    return getpass.getuser()


@dataclass(frozen=True)
class NotebookContext:
    """What ``getContext()`` tells a notebook about itself and its run."""

    notebook_path: str
    run_id: int | None = None
    job_id: int | None = None
    user: str = field(default_factory=local_user)
    cluster_id: str = "local"
    workspace_root: str | None = None
    """The local workspace folder (``/Workspace/...`` paths resolve inside it)."""
    site_packages: str | None = None
    """The run's own folder for what ``%pip`` installs."""

    def tags(self) -> dict[str, str]:
        """The context's tags, under the keys Databricks uses."""
        tags = {"user": self.user, "notebookPath": self.notebook_path, "clusterId": self.cluster_id,
                "browserHostName": "localhost", "orgId": "0",
                "notebookId": str(zlib.crc32(self.notebook_path.encode()))}
        if self.run_id is not None:
            tags |= {"runId": str(self.run_id), "multitaskParentRunId": str(self.run_id)}
        if self.job_id is not None:
            tags["jobId"] = str(self.job_id)
        return tags

    def to_json(self) -> str:
        """``toJson()``: the shape notebooks parse with ``json.loads`` (``extraContext`` and ``tags``)."""
        extra = {"notebook_path": self.notebook_path, "api_url": LOCAL_API_URL}
        return json.dumps({"extraContext": extra, "tags": self.tags(), "currentRunId": {"id": self.run_id}})

    def spark_conf(self) -> dict[str, str]:
        """The ``spark.databricks.*`` keys notebooks read for their path, user and cluster."""
        return {
            "spark.databricks.notebook.path": self.notebook_path,
            "spark.databricks.notebook.id": self.tags()["notebookId"],
            "spark.databricks.clusterUsageTags.clusterId": self.cluster_id,
            "spark.databricks.clusterUsageTags.clusterName": "local",
            "spark.databricks.clusterUsageTags.clusterOwnerOrgId": "0",
            "spark.databricks.workspaceUrl": "localhost",
            "spark.databricks.service.client.enabled": "false",
        }


class ContextView:
    """``getContext()``: each getter returns an ``Option``, as through py4j on Databricks."""

    def __init__(self, context: NotebookContext) -> None:
        self._context = context

    def notebookPath(self) -> Option:  # noqa: N802 - Databricks' names from here on
        return Option(self._context.notebook_path)

    def currentRunId(self) -> Option:  # noqa: N802
        return Option(None if self._context.run_id is None else RunId(self._context.run_id))

    def userName(self) -> Option:  # noqa: N802
        return Option(self._context.user)

    def apiUrl(self) -> Option:  # noqa: N802
        return Option(LOCAL_API_URL)

    def apiToken(self) -> Option:  # noqa: N802
        return Option(None)

    def clusterId(self) -> Option:  # noqa: N802
        return Option(self._context.cluster_id)

    def tags(self) -> ScalaMap:
        return ScalaMap(self._context.tags())

    def toJson(self) -> str:  # noqa: N802
        return self._context.to_json()


class RunId:
    """``currentRunId().get()``: prints as Databricks' ``RunId(123)`` and gives ``id()``."""

    def __init__(self, value: int) -> None:
        self._value = value

    def id(self) -> int:
        return self._value

    def __str__(self) -> str:
        return f"RunId({self._value})"


class EntryPoint:
    """``dbutils.notebook.entry_point``: ``getDbutils().notebook().getContext()`` as in a workspace."""

    def __init__(self, context: NotebookContext) -> None:
        self._context = context

    def getDbutils(self) -> EntryPoint:  # noqa: N802
        return self

    def notebook(self) -> EntryPoint:
        return self

    def getContext(self) -> ContextView:  # noqa: N802
        return ContextView(self._context)
