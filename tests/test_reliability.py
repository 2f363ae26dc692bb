"""Faults and mistakes a team will meet, through the real `invoke` of a baked project (issue 11, issue 12 part 5)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
FOLDER = ".workspace/Projects/DemandForecasting"
HEADER = "# Databricks notebook source\n"
Invoke = Callable[..., subprocess.CompletedProcess[str]]


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **extra}
    for name in ("BUILD_BUILDID", "BUILD_SOURCEBRANCHNAME"):
        env.pop(name, None)
    return env


def _send(invoke_in: Invoke, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = invoke_in(project, "send", "--branch", "BI-1", "--target", "local", *args)
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize("how", ["first send", "--full", "fresh clone"])
def test_send_never_deletes_a_notebook_made_by_hand(project_copy: Path, invoke_in: Invoke, how: str) -> None:
    branch = project_copy / FOLDER / "BI-1"
    if how != "first send":
        _send(invoke_in, project_copy)
    branch.mkdir(parents=True, exist_ok=True)
    (branch / "MyExperiment").write_text(HEADER + "print('mine')\n")
    (project_copy / "forecasting" / "ModelEvaluation.py").unlink()
    if how == "fresh clone":
        subprocess.run(["rm", "-rf", str(project_copy / ".workspace" / ".snapshots")], check=True)

    _send(invoke_in, project_copy, *(["--full"] if how == "--full" else []))

    assert (branch / "MyExperiment").read_text() == HEADER + "print('mine')\n"
    assert not (branch / "ModelEvaluation").exists()  # sent before, deleted from the package: it goes


def test_two_concurrent_local_sends_both_succeed(project_copy: Path) -> None:
    sends = [subprocess.Popen([str(BIN / "invoke"), "send", "--branch", "BI-1", "--target", "local", "--full"],
                              cwd=project_copy, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [(send.wait(timeout=120), send.stderr.read() if send.stderr else "") for send in sends]
    assert [code for code, _ in results] == [0, 0], results
    assert not any("Traceback" in err for _, err in results)
    assert not list((project_copy / FOLDER / "BI-1").rglob("*.partial"))


def test_an_unreadable_send_cache_is_a_warning_not_a_traceback(project_copy: Path, invoke_in: Invoke) -> None:
    _send(invoke_in, project_copy)
    caches = list((project_copy / ".workspace" / ".snapshots").glob("*.json"))
    assert caches
    for cache in caches:
        cache.write_text('{"stamp": 1, "dige')
    result = _send(invoke_in, project_copy)
    assert "warning: ignoring the unreadable send cache" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("notebook", ["../../../etc/x", "/etc/passwd", "conf/../../x"])
def test_a_notebook_outside_the_folder_is_refused(project_copy: Path, invoke_in: Invoke, notebook: str) -> None:
    result = invoke_in(project_copy, "run", "--branch", "BI-1", "--notebook", notebook, "--target", "local")
    assert result.returncode == 1 and result.stderr.count("\n") <= 1 and "error:" in result.stderr
    assert not (project_copy / ".runs").exists()


@pytest.mark.parametrize("branch", ["Master", "MASTER", "ci", "Libraries"])
def test_reserved_folder_names_are_refused_whatever_their_case(project_copy: Path, invoke_in: Invoke,
                                                               branch: str) -> None:
    result = invoke_in(project_copy, "send", "--branch", branch, "--target", "local")
    assert result.returncode == 1 and "error:" in result.stderr
    assert not (project_copy / ".workspace").exists()


def _start_run(project: Path, notebook: str, source: str, **env: str) -> subprocess.Popen[str]:
    (project / "forecasting" / f"{notebook}.py").write_text(HEADER + source)
    for step in (["build"], ["deploy", "--branch", "BI-1", "--target", "local"],
                 ["send", "--branch", "BI-1", "--target", "local"]):
        subprocess.run([str(BIN / "invoke"), *step], cwd=project, env=_env(), check=True, capture_output=True)
    return subprocess.Popen([str(BIN / "invoke"), "run", "--branch", "BI-1", "--notebook", notebook, "--target",
                             "local"], cwd=project, env=_env(**env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _processes_of(run_dir: Path) -> list[str]:
    listing = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True).stdout
    return [line for line in listing.splitlines() if str(run_dir) in line or "run_process" in line
            and str(run_dir.parent) in line]


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_cancels_the_local_run_and_leaves_nothing_running(project_copy: Path, sig: signal.Signals) -> None:
    invoke = _start_run(project_copy, "Forever", "import time\nprint('started', flush=True)\ntime.sleep(3600)\n")
    log = project_copy / ".runs" / "1" / "log.txt"
    deadline = time.monotonic() + 120
    while not (log.is_file() and "started" in log.read_text()):
        assert time.monotonic() < deadline and invoke.poll() is None, invoke.stderr.read() if invoke.stderr else ""
        time.sleep(0.2)
    java_before = subprocess.run(["pgrep", "-f", str(project_copy)], capture_output=True, text=True).stdout.split()

    invoke.send_signal(sig)
    code = invoke.wait(timeout=60)

    assert code != 0 and "interrupted" in (invoke.stderr.read() if invoke.stderr else "")
    # The warm Spark driver stays up, as a cluster does when one of its runs is cancelled; nothing else may.
    driver = _warm_driver(project_copy)
    left = [pid for pid in subprocess.run(["pgrep", "-f", str(project_copy)], capture_output=True,
                                          text=True).stdout.split() if pid not in driver]
    assert java_before and left == [], subprocess.run(["ps", "-fp", ",".join(left or ["1"])], capture_output=True,
                                                      text=True).stdout
    record = (project_copy / ".runs" / "1" / "run.json").read_text()
    assert '"CANCELED"' in record and "KeyboardInterrupt" not in record
    stopped = subprocess.run([str(BIN / "invoke"), "stop-spark"], cwd=project_copy, env=_env(), capture_output=True,
                             text=True)
    assert stopped.returncode == 0 and not any(_alive(pid) for pid in driver), stopped.stdout + stopped.stderr


def _warm_driver(project: Path) -> list[str]:
    """The warm services' processes (up or still starting), for the project: the Spark driver and its JVM, the MLflow
    tracking server's keeper and its server."""
    pids = [pid for serving in (f"mlops_engine.local.spark.warm_spark serve {project / '.workspace'}",
                                f"mlops_engine.local.runs.tracking_server serve {project / '.mlflow'}")
            for pid in subprocess.run(["pgrep", "-f", serving], capture_output=True, text=True).stdout.split()]
    return [*pids, *(child for pid in pids
                     for child in subprocess.run(["pgrep", "-P", pid], capture_output=True, text=True).stdout.split())]


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
def test_secrets_never_reach_the_log_whoever_writes_them(project_copy: Path) -> None:
    secret = "s3cr3t-value-123456"
    source = (
        "import os, sys\n"
        "value = dbutils.secrets.get('team', 'api')\n"
        "os.system(f\"printf '%s' {value[:7]}; printf '%s\\\\n' {value[7:]}\")\n"
        "os.write(1, value[:5].encode()); os.write(1, value[5:].encode() + b'\\n')\n"
        "print('token seen:', os.environ.get('DATABRICKS_TOKEN'), 'variables:',"
        " [n for n in os.environ if n.startswith('DATABRICKS_SECRET_')])\n"
    )
    invoke = _start_run(project_copy, "Leaky", source, DATABRICKS_SECRET_TEAM__API=secret,
                        DATABRICKS_TOKEN="dapi-must-not-leak")
    assert invoke.wait(timeout=300) == 0, invoke.stderr.read() if invoke.stderr else ""
    run_dir = project_copy / ".runs" / "1"
    log = (run_dir / "log.txt").read_text()
    assert log.count("[REDACTED]") >= 2 and "token seen: None variables: []" in log
    everything = "".join(path.read_text(errors="replace") for path in run_dir.rglob("*") if path.is_file())
    assert secret not in everything and secret[:7] + secret[7:] not in everything
    assert "dapi-must-not-leak" not in everything


def test_a_silent_host_fails_in_one_line_within_15_seconds(project_copy: Path, invoke_in: Invoke) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        host = f"http://127.0.0.1:{server.getsockname()[1]}"
        started = time.monotonic()
        result = invoke_in(project_copy, "send", "--branch", "BI-1", "--target", "databricks", timeout=60,
                           DATABRICKS_HOST=host, DATABRICKS_TOKEN="dapi-x", DATABRICKS_CONFIG_FILE="/dev/null")
        took = time.monotonic() - started
    assert result.returncode == 1 and took < 15
    assert result.stderr.strip().splitlines() == [f"error: {host} accepted the connection but did not answer "
                                                  "within 5 s: is it a Databricks workspace? check the host"]


def test_a_closed_port_fails_in_one_line_at_once(project_copy: Path, invoke_in: Invoke) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        host = f"http://127.0.0.1:{unused.getsockname()[1]}"
    started = time.monotonic()
    result = invoke_in(project_copy, "send", "--branch", "BI-1", "--target", "databricks", timeout=60,
                       DATABRICKS_HOST=host, DATABRICKS_TOKEN="dapi-x", DATABRICKS_CONFIG_FILE="/dev/null")
    assert result.returncode == 1 and time.monotonic() - started < 10
    assert len(result.stderr.strip().splitlines()) == 1 and "cannot reach" in result.stderr
