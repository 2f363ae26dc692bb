"""The local target's warm services, kept between runs as a workspace keeps its cluster and tracking service up:
the Spark driver (``warm_spark``) and the MLflow tracking server (``tracking_server``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlops_engine.local.runs import tracking_server
from mlops_engine.local.spark.warm_compute import WarmSparkDriver


@dataclass(frozen=True)
class WarmServices:
    """The warm Spark driver of a workspace folder and the tracking server of a project's MLflow store."""

    driver: WarmSparkDriver
    mlflow_dir: Path

    @property
    def used_by_runs(self) -> bool:
        """Whether runs attach to the driver (``warm_spark``); the tracking server serves every run."""
        return self.driver.used_by_runs

    def start_in_background(self) -> bool:
        """Launch both without waiting; False when the driver was already up or starting."""
        tracking_server.launch(self.mlflow_dir)
        return self.driver.start_in_background()

    def still_up_note(self) -> str | None:
        """That the services stay up, for how long idle and how to stop them; None when the driver is down."""
        note = self.driver.still_up_note()
        if note is None or tracking_server.running(self.mlflow_dir) is None:
            return note
        return note.replace("the local Spark driver stays up", "the local Spark driver and MLflow tracking server stay "
                                                                "up").replace("(it stops", "(they stop")

    def stop(self) -> bool:
        """Stop both; False when the driver was not up."""
        tracking_server.stop(self.mlflow_dir)
        return self.driver.stop()

    def stop_when_unused(self) -> bool:
        """Stop both once no run uses them: now when none does, else after the last one (a run of another command, a
        second ci, goes on); whether they are down now."""
        if self.driver.stop_when_unused():
            tracking_server.stop(self.mlflow_dir)
            return True
        tracking_server.stop_when_unused(self.mlflow_dir)
        return False
