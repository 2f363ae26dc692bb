"""The warm Spark driver's environment: the allow-list a run's processes get, without a launching run's py4j link.

Its JVM and Python workers serve every run of the workspace: they get no more of the developer's shell than a run
does (``mlops_engine.local.secrecy.environment``), whoever started the driver (``invoke ci`` from the shell, or a run).
"""

from __future__ import annotations

from collections.abc import Mapping

from mlops_engine.local.secrecy.environment import allowed_environment


def driver_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables the warm driver starts with: allowed ones, without ``PYSPARK_GATEWAY_*`` (a JVM of its own)."""
    return {name: value for name, value in allowed_environment(environ).items()
            if not name.startswith("PYSPARK_GATEWAY")}
