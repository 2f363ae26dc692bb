"""The local target assembled from settings: the workspace folder, the run processes, the MLflow store."""

from __future__ import annotations

from mlops_engine.contract.library_store import WorkspaceLibraryStore
from mlops_engine.contract.target import Target
from mlops_engine.local.filesystem.workspace import LocalWorkspace
from mlops_engine.local.runs.preflight import check_java
from mlops_engine.local.runs.runner import LocalRunEnvironment, LocalRunner
from mlops_engine.local.runs.warm_services import WarmServices
from mlops_engine.local.spark.connect_compute import WarmConnectServer, check_connect_client
from mlops_engine.local.spark.warm_compute import WarmSparkDriver
from mlops_engine.runtimes import check_local_environment, load_runtime
from mlops_engine.settings import Settings

SECRETS_FILE = ".secrets.json"
SNAPSHOTS_DIR = ".snapshots"
UPLOAD_PARALLELISM = 4
POLL_SECONDS = 1.0


def open_local_target(settings: Settings) -> Target:
    """Check that this environment is the project's runtime's and Java, then the local workspace and runner.

    Where the project's compute is serverless, runs reach Spark through a warm Spark Connect server, as serverless
    notebooks do; else through the warm classic driver."""
    runtime = load_runtime(settings.runtime)
    check_local_environment(runtime)
    check_java()
    serverless = bool((settings.databricks.get("compute") or {}).get("serverless"))
    if serverless:
        check_connect_client()
    workspace = LocalWorkspace(settings.local.workspace_dir)
    environment = LocalRunEnvironment(
        project_dir=settings.project_dir,
        runs_dir=settings.local.runs_dir,
        mlflow_dir=settings.local.mlflow_dir,
        spark_master=settings.local.spark_master,
        secrets_file=settings.project_dir / SECRETS_FILE,
        warm_spark=settings.local.warm_spark,
        spark_conf=dict(runtime.spark_conf),
        spark_connect=serverless,
    )
    return Target(
        name="local",
        host="",
        workspace=workspace,
        runner=LocalRunner(workspace, environment),
        libraries=WorkspaceLibraryStore(workspace),
        snapshot_dir=workspace.root / SNAPSHOTS_DIR,
        tracking_uri=environment.tracking_uri,
        upload_parallelism=UPLOAD_PARALLELISM,
        run_timeout_seconds=int(settings.local.run_timeout_minutes * 60),
        poll_seconds=POLL_SECONDS,
        warm_compute=WarmServices(
            WarmConnectServer(workspace.root, settings.local.spark_master) if serverless else
            WarmSparkDriver(workspace.root, settings.local.spark_master, settings.local.warm_spark),
            settings.local.mlflow_dir),
    )
