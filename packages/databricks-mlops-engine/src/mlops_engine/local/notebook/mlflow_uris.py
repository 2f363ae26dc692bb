"""MLflow's Databricks URIs pointed at the local store: ``databricks``, ``databricks-uc`` and ``databricks://profile``.

A notebook written for a workspace sets ``mlflow.set_tracking_uri("databricks")`` and
``mlflow.set_registry_uri("databricks-uc")``; locally both mean the project's MLflow store, through its local
tracking server (three-level model names such as ``main.schema.model`` are valid names there).
MLflow takes seconds to import, so the mapping is installed when the notebook first imports it.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import urllib.parse
from collections.abc import Sequence
from types import ModuleType
from typing import Any

DATABRICKS_SCHEMES = ("databricks", "databricks-uc", "uc")


def is_databricks_uri(uri: Any) -> bool:
    """Whether ``uri`` names a Databricks tracking or registry server."""
    return isinstance(uri, str) and (uri in DATABRICKS_SCHEMES or uri.startswith(("databricks://", "databricks-uc://")))


def patch_mlflow(mlflow: ModuleType, local_uri: str) -> None:
    """Make mlflow's URI setters and store registries resolve Databricks URIs to ``local_uri``."""
    from mlflow.tracking import _model_registry, _tracking_service

    def local(uri: Any) -> Any:
        if is_databricks_uri(uri):
            print(f"mlflow: {uri!r} is this run's local MLflow store on the local target")
            return local_uri
        return uri

    set_tracking = mlflow.set_tracking_uri
    set_registry = mlflow.set_registry_uri

    def set_tracking_uri(uri: Any) -> None:
        set_tracking(local(uri))

    def set_registry_uri(uri: Any) -> None:
        set_registry(local(uri))

    for module in (mlflow, sys.modules.get("mlflow.tracking")):
        if module is not None:
            module.set_tracking_uri = set_tracking_uri
            module.set_registry_uri = set_registry_uri
    scheme_of_local = urllib.parse.urlparse(local_uri).scheme  # http (the tracking server) or sqlite
    tracking_registry = _tracking_service.utils._tracking_store_registry
    local_tracking = tracking_registry._registry[scheme_of_local]
    registry_registry = _model_registry.utils._get_store_registry()
    local_registry = registry_registry._registry[scheme_of_local]
    for scheme in DATABRICKS_SCHEMES:
        tracking_registry.register(scheme, lambda store_uri=None, artifact_uri=None, **_: local_tracking(
            store_uri=local_uri, artifact_uri=artifact_uri))
        registry_registry.register(scheme, lambda store_uri=None, **_: local_registry(store_uri=local_uri))


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Runs :func:`patch_mlflow` right after ``import mlflow`` finishes, once."""

    def __init__(self, local_uri: str) -> None:
        self.local_uri = local_uri

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> Any:
        if fullname != "mlflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module
        local_uri = self.local_uri

        def exec_module(module: ModuleType) -> None:
            execute(module)
            patch_mlflow(module, local_uri)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def map_databricks_uris(local_uri: str) -> None:
    """Install the mapping now if mlflow is imported, else on its first import."""
    if "mlflow" in sys.modules:
        patch_mlflow(sys.modules["mlflow"], local_uri)
    else:
        sys.meta_path.insert(0, _PatchOnImport(local_uri))
