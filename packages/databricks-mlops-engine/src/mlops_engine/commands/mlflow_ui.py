"""``invoke mlflow-ui``: the local MLflow store (runs, metrics, models) served on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys

from mlops_engine.commands.progress import Write
from mlops_engine.settings import Settings


def serve(settings: Settings, port: int, write: Write) -> None:
    """Serve the local store with ``mlflow server`` until Ctrl-C."""
    store = settings.local.mlflow_dir
    store.mkdir(parents=True, exist_ok=True)
    write(f"MLflow UI on http://127.0.0.1:{port} (Ctrl-C to stop)")
    subprocess.run([sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
                    "--backend-store-uri", f"sqlite:///{store / 'mlflow.db'}",
                    "--default-artifact-root", str(store / "mlruns")], check=False)
