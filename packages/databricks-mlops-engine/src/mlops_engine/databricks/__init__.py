"""The databricks target: a real workspace through databricks-sdk.

Every module here needs the SDK, and importing any part of it (``databricks.sdk.errors`` as much as
``WorkspaceClient``) runs ``databricks/sdk/__init__.py``, which imports all of its service modules: some 2,000
dataclasses, most of the start-up of a command on this target. No lazier import of its parts avoids that, so the SDK
is imported here, once, with the cyclic garbage collector paused: what the import makes lives as long as the
process, and collections midway would only walk it again and again.
"""

import gc
import importlib
import sys


def _import_sdk() -> None:
    collecting = gc.isenabled()
    gc.disable()
    try:
        importlib.import_module("databricks.sdk")
    finally:
        if collecting:
            gc.enable()


if "databricks.sdk" not in sys.modules:
    _import_sdk()
