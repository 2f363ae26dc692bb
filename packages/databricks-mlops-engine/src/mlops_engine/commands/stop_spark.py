"""``invoke stop-spark``: stop the local target's warm Spark driver (and MLflow tracking server) now instead of after
their idle time."""

from __future__ import annotations

from mlops_engine.commands.progress import Write
from mlops_engine.open_target import open_target
from mlops_engine.settings import Settings


def stop_spark(settings: Settings, write: Write) -> bool:
    """Stop the warm driver of the local workspace folder; False when none was running."""
    compute = open_target(settings, "local", None).warm_compute
    stopped = compute is not None and compute.stop()
    write("warm Spark driver and MLflow tracking server stopped" if stopped else
          f"no warm Spark driver running for {settings.local.workspace_dir}")
    return stopped
