"""This machine's copy of a folder's send record, so an unchanged re-send need not read the record again."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mlops_engine.files import write_atomically


@dataclass(frozen=True)
class CachedRecord:
    """A folder's send record as this machine last saw it, and the record's modification time then."""

    stamp: float
    digests: Mapping[str, str]
    config: str | None = None
    """The config notebook the folder's set_environment runs, as the record names it."""


class Snapshot:
    """A cache of one folder's workspace send record; the record in the workspace is the truth."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def load(self) -> CachedRecord | None:
        """The cached record, or None when there is none (or it cannot be read: then with a warning)."""
        if not self.file.is_file():
            return None
        try:
            data = json.loads(self.file.read_text())
            config = data.get("config")
            return CachedRecord(float(data["stamp"]), {str(k): str(v) for k, v in data["digests"].items()},
                                str(config) if config else None)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            print(f"warning: ignoring the unreadable send cache {self.file} ({type(error).__name__}); "
                  "the folder's record is read again", file=sys.stderr)
            return None

    def save(self, stamp: float, digests: Mapping[str, str], config: str | None = None) -> None:
        """Remember the record the folder holds, as of its modification time ``stamp``."""
        content = {"stamp": stamp, "digests": dict(sorted(digests.items())), "config": config}
        write_atomically(self.file, json.dumps(content, indent=1).encode())

    def clear(self) -> None:
        """Forget the folder (after a failed send or a clean)."""
        self.file.unlink(missing_ok=True)
