"""The on-disk record of one local run: its request, life-cycle state, result and links."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlops_engine.files import write_atomically

RECORD_FILE = "run.json"
LOG_FILE = "log.txt"


@dataclass
class RunRecord:
    """Everything about a local run that its submitter and its process share."""

    run_id: int
    run_name: str
    notebook_path: str
    parameters: dict[str, str]
    libraries: list[str]
    timeout_seconds: int
    idempotency_token: str | None = None
    life_cycle_state: str = "PENDING"
    result_state: str | None = None
    state_message: str = ""
    progress: str = ""
    pid: int | None = None
    error: str | None = None
    error_trace: str | None = None
    notebook_result: str | None = None
    mlflow_run_url: str | None = None
    environment: dict[str, Any] = field(default_factory=dict)

    def save(self, run_dir: Path) -> None:
        """Write atomically, so a reader never sees half a record."""
        write_atomically(run_dir / RECORD_FILE, json.dumps(asdict(self), indent=1).encode())

    @classmethod
    def load(cls, run_dir: Path) -> RunRecord:
        """Read the record of the run kept in ``run_dir``."""
        return cls(**json.loads((run_dir / RECORD_FILE).read_text()))
