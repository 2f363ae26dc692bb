"""The leases of the runs attached to the warm Spark driver (``.spark-driver/runs/<pid>.json``).

A run attached to the driver writes one, naming its session's job tag; the driver drops the lease of a run whose
process ended (cancelled, timed out, killed) and cancels the jobs it left running, and a stop asked for "when unused"
waits until no live run holds one.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from mlops_engine.files import write_atomically
from mlops_engine.local.spark.keeper import process_alive, read_record, terminate

LEASES_DIR = "runs"
STOP_WHEN_UNUSED = "stop-when-unused"
"""A stop asked for once no run is attached: the keeper ends after the last lease lapses."""


def _lease_file(driver_dir: Path, pid: int) -> Path:
    return driver_dir / LEASES_DIR / f"{pid}.json"


def start_time(pid: int) -> str | None:
    """When ``pid`` started (clock ticks since boot): a lease is not taken over by a later process of the same id."""
    with contextlib.suppress(OSError, IndexError):
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[19]
    return None


def take_lease(driver_dir: Path, job_tag: str | None) -> None:
    """Tell the warm service in ``driver_dir`` this run is attached (and, for the classic driver, the job tag its
    session's jobs carry). The lease lapses once the run's process has ended, however it ended."""
    pid = os.getpid()
    write_atomically(_lease_file(driver_dir, pid), json.dumps({
        "pid": pid, "started": start_time(pid), "job_tag": job_tag}).encode())


def live_leases(driver_dir: Path) -> list[dict[str, Any]]:
    """The leases of runs attached now; a run whose process ended (however it ended) holds none."""
    leases = (read_record(lease) for lease in (driver_dir / LEASES_DIR).glob("*.json"))
    return [lease for lease in leases if lease is not None and process_alive(lease["pid"])
            and start_time(lease["pid"]) == lease["started"]]


def attached_runs(driver_dir: Path, session: Any) -> int:
    """How many runs are attached; the jobs of a run whose process ended are cancelled and its lease dropped.

    Its session's jobs (DataFrames, SQL) carry its tag; its RDD jobs (``sc``) carry none, so they are cancelled with
    all jobs when no other run is attached."""
    live = live_leases(driver_dir)
    ended = False
    for lease_file in (driver_dir / LEASES_DIR).glob("*.json"):
        lease = read_record(lease_file)
        if lease in live:
            continue
        if lease is not None and lease["job_tag"]:
            session.sparkContext.cancelJobsWithTag(lease["job_tag"])
            print(f"warm spark driver: run process {lease['pid']} ended; its Spark jobs are cancelled", flush=True)
            ended = True
        lease_file.unlink(missing_ok=True)
    if ended and not live:
        session.sparkContext.cancelAllJobs()
    return len(live)


def stop_unless_leased(record: dict[str, Any], service_dir: Path) -> bool:
    """Stop the keeper of ``record`` now when no live run holds a lease in ``service_dir``; else leave it the
    stop-when-unused marker, so it ends after the last one. Whether it is down now."""
    (service_dir / STOP_WHEN_UNUSED).touch()
    if live_leases(service_dir):
        return False
    terminate(record["pid"])
    return True
