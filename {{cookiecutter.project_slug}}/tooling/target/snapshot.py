"""What was last sent to a workspace folder, so an unchanged re-send uploads nothing."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path

from ..files import write_atomically


class Snapshot:
    """Digests by relative path of what a send left in one folder, kept in one file."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def load(self) -> dict[str, str] | None:
        """Digests by relative path, or None when no send was recorded (or the record cannot be read)."""
        if not self.file.is_file():
            return None
        try:
            digests = json.loads(self.file.read_text())
        except (OSError, ValueError) as error:
            print(f"warning: ignoring the unreadable send record {self.file} ({type(error).__name__}); "
                  "everything is uploaded again", file=sys.stderr)
            return None
        if not isinstance(digests, dict):
            return None
        return {str(path): str(digest) for path, digest in digests.items()}

    def save(self, digests: Mapping[str, str]) -> None:
        """Record the digests of what the folder now holds."""
        write_atomically(self.file, json.dumps(dict(sorted(digests.items())), indent=1).encode())

    def clear(self) -> None:
        """Forget the folder (after a failed send or a clean)."""
        self.file.unlink(missing_ok=True)
