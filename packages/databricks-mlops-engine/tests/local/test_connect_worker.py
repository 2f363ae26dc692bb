"""The Spark Connect server's worker daemon gives each task its own session's %pip layers, never another's."""

from __future__ import annotations

import sys
from pathlib import Path

from mlops_engine.local.spark import connect_worker

SESSION_A = "c91ffc24-5ffb-4e69-b76b-81c9d84dc3cc"
SESSION_B = "0b7d1c1e-8f2a-4c55-9a43-2f1d6f0e9a10"


def _tags(session: str) -> str:
    return f"SparkConnect_OperationTag_User__Session_{session}_Operation_e7bf5c41-2522-4504-b156-3f8d87b3a1a6"


def test_a_task_takes_its_sessions_newest_listing(tmp_path: Path) -> None:
    (tmp_path / f"mlops-layers-{SESSION_A}-000001.txt").write_text("/layers/old\n")
    (tmp_path / f"mlops-layers-{SESSION_A}-000002.txt").write_text("/layers/new\n/layers/old\n")
    (tmp_path / f"mlops-layers-{SESSION_B}-000003.txt").write_text("/layers/other\n")
    assert connect_worker.session_layers(str(tmp_path), _tags(SESSION_A)) == ["/layers/new", "/layers/old"]
    assert connect_worker.session_layers(str(tmp_path), _tags(SESSION_B)) == ["/layers/other"]
    assert connect_worker.session_layers(str(tmp_path), "spark-session-fec75903") == []


def test_a_reused_worker_forgets_the_layers_and_modules_of_the_session_before(tmp_path: Path) -> None:
    layer = tmp_path / "layer"
    layer.mkdir()
    (layer / "probe_layer_module.py").write_text("X = 1\n")
    sys.path.insert(1, str(layer))
    try:
        __import__("probe_layer_module")
        connect_worker._forget([str(layer)])
        assert str(layer) not in sys.path
        assert "probe_layer_module" not in sys.modules
    finally:
        while str(layer) in sys.path:
            sys.path.remove(str(layer))
        sys.modules.pop("probe_layer_module", None)
