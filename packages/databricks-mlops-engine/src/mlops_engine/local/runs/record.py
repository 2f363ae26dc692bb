"""The on-disk record of one local run: its request, life-cycle state, result and links."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlops_engine.files import write_atomically

RECORD_FILE = "run.json"
LOG_FILE = "log.txt"
ACTIVE = frozenset({"PENDING", "RUNNING"})


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
        """Read the record of the run kept in ``run_dir``. A run whose process is gone (killed) without recording its
        end is recorded as ended (INTERNAL_ERROR) by whoever reads it, so no record says RUNNING forever."""
        record = cls._read(run_dir)
        if record.life_cycle_state in ACTIVE and record.pid is not None and process_gone(record.pid):
            record = cls._read(run_dir)  # it may have recorded its end just before it went
            if record.life_cycle_state in ACTIVE:
                record.life_cycle_state = "INTERNAL_ERROR"
                record.state_message = (f"the run's process (pid {record.pid}) ended without recording its end "
                                        f"(killed?); see {run_dir / LOG_FILE}")
                record.save(run_dir)
        return record

    @classmethod
    def _read(cls, run_dir: Path) -> RunRecord:
        return cls(**json.loads((run_dir / RECORD_FILE).read_text()))


def process_gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (a zombie not yet reaped by its parent has)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state == "Z"
