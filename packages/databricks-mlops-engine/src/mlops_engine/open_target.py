"""Opening the target a command names: the only code that knows both targets."""

from __future__ import annotations

from mlops_engine.contract.target import Target
from mlops_engine.settings import Settings, check_target


def open_target(settings: Settings, name: str | None = None, profile: str | None = None) -> Target:
    """The target named on the command line, else the project's default; never a silent fallback."""
    name = check_target(name or settings.target)
    if name == "local":
        from mlops_engine.local.target import open_local_target

        return open_local_target(settings)
    from mlops_engine.databricks.target import open_databricks_target

    return open_databricks_target(settings, profile)
