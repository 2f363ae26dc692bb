"""The local target's warm compute: its Spark driver, kept between runs (``warm_spark``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .spark_session import WAREHOUSE_DIR
from .warm_spark import launch, running, stop


@dataclass(frozen=True)
class WarmSparkDriver:
    """The warm Spark driver of one local workspace folder."""

    workspace_root: Path
    master: str
    used_by_runs: bool

    def start_in_background(self) -> bool:
        """Launch the driver; False when one is already up or starting."""
        return launch(self.workspace_root.resolve(), self.master, self.workspace_root.resolve() / WAREHOUSE_DIR)

    def is_up(self) -> bool:
        """Whether the driver runs."""
        return running(self.workspace_root.resolve()) is not None

    def stop(self) -> bool:
        """Stop the driver; False when none was up."""
        return stop(self.workspace_root.resolve())
