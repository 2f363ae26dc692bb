"""The local target's warm compute where the project's compute is serverless: its Spark Connect server
(``connect_server``), kept between runs as the classic warm driver is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlops_engine.errors import UserError
from mlops_engine.local.spark.connect_server import launch, running, stop, stop_when_unused
from mlops_engine.local.spark.session import WAREHOUSE_DIR
from mlops_engine.local.spark.warm_spark import idle_seconds


def check_connect_client() -> None:
    """Refuse, before anything runs, an environment without PySpark's Spark Connect client libraries."""
    try:
        from pyspark.sql.connect.utils import check_dependencies

        check_dependencies("mlops_engine")
    except ImportError as missing:
        raise UserError(f"the project's compute is serverless, which runs locally on Spark Connect, and this "
                        f"environment lacks its client ({missing}): choose the serverless-5 runtime "
                        "(its requirements-dev.txt pins them) or pip install 'pyspark[connect]'") from None


@dataclass(frozen=True)
class WarmConnectServer:
    """The warm Spark Connect server of one local workspace folder (serverless compute, locally)."""

    workspace_root: Path
    master: str
    used_by_runs: bool = True
    """Runs on serverless compute always use it: Spark Connect has no in-process session to fall back on."""

    def start_in_background(self) -> bool:
        """Launch the server; False when one is already up or starting."""
        return launch(self.workspace_root.resolve(), self.master, self.workspace_root.resolve() / WAREHOUSE_DIR)

    def still_up_note(self) -> str | None:
        """That the server stays up, for how long idle and how to stop it; None when none runs."""
        if running(self.workspace_root.resolve()) is None:
            return None
        return (f"the local Spark driver stays up for the next run (a Spark Connect server: serverless compute), as "
                f"a workspace's compute does (it stops after {idle_seconds() / 60:g} min idle, or now with "
                "`invoke stop-spark`)")

    def stop(self) -> bool:
        """Stop the server; False when none was up."""
        return stop(self.workspace_root.resolve())

    def stop_when_unused(self) -> bool:
        """Stop the server once no run is attached (a second command's run goes on); whether it is down now."""
        return stop_when_unused(self.workspace_root.resolve())
