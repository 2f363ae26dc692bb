"""The warm Spark Connect server (serverless compute, locally) is stopped "when unused" only once no run holds a
lease on it: a second command's run goes on when the first command ends (two `invoke ci` at once)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from mlops_engine.local.spark import connect_server
from mlops_engine.local.spark.keeper import process_alive

ATTACHED_RUN = ("import sys, time\nfrom pathlib import Path\n"
                "from mlops_engine.local.spark.driver_leases import take_lease\n"
                "take_lease(Path(sys.argv[1]), None)\nprint('attached', flush=True)\ntime.sleep(120)\n")


def _until(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def test_a_stop_when_unused_waits_for_the_attached_run_and_follows_its_end(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    assert connect_server.launch(workspace, "local[1]", workspace / "warehouse")
    server = connect_server.wait_for_server(workspace)
    assert server is not None, (workspace / connect_server.SERVER_DIR / "server.log").read_text()
    run = subprocess.Popen([sys.executable, "-c", ATTACHED_RUN, str(workspace / connect_server.SERVER_DIR)],
                           stdout=subprocess.PIPE, text=True)
    try:
        assert run.stdout is not None and run.stdout.readline().strip() == "attached"
        assert connect_server.stop_when_unused(workspace) is False
        time.sleep(2)  # several of the server's watches
        assert connect_server.running(workspace) is not None, "stopped under an attached run"
    finally:
        run.kill()
        run.wait()
    assert _until(lambda: connect_server.running(workspace) is None and not process_alive(server["pid"]), 30)
