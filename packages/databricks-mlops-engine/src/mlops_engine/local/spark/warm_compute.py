"""The local target's warm compute: its Spark driver, kept between runs (``warm_spark``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlops_engine.local.spark.session import WAREHOUSE_DIR
from mlops_engine.local.spark.warm_spark import idle_seconds, launch, running, stop, stop_when_unused


@dataclass(frozen=True)
class WarmSparkDriver:
    """The warm Spark driver of one local workspace folder."""

    workspace_root: Path
    master: str
    used_by_runs: bool

    def start_in_background(self) -> bool:
        """Launch the driver; False when one is already up or starting."""
        return launch(self.workspace_root.resolve(), self.master, self.workspace_root.resolve() / WAREHOUSE_DIR)

    def still_up_note(self) -> str | None:
        """That the driver stays up, for how long idle and how to stop it; None when none runs."""
        if running(self.workspace_root.resolve()) is None:
            return None
        return (f"the local Spark driver stays up for the next run, as a cluster does (it stops after "
                f"{idle_seconds() / 60:g} min idle, or now with `invoke stop-spark`)")

    def stop(self) -> bool:
        """Stop the driver; False when none was up."""
        return stop(self.workspace_root.resolve())

    def stop_when_unused(self) -> bool:
        """Stop the driver once no run is attached (a run of another command goes on); whether it is down now."""
        return stop_when_unused(self.workspace_root.resolve())
