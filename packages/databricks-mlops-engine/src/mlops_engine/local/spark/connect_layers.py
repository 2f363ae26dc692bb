"""A run's ``%pip`` layers for the local Spark Connect server's Python workers (``connect_worker`` reads them)."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

LISTING_PREFIX = "mlops-layers-"
_sequence = itertools.count(1)
_folder: list[Path] = []


def export_layers(session: Any, layers: list[str]) -> None:
    """Add to ``session`` a listing of ``layers`` (newest first) as a file artifact: the server's workers then put
    them on ``sys.path`` for this session's UDFs. Listings are never replaced (an artifact cannot be): each has the
    next number, and a worker reads the session's newest."""
    if not _folder:
        _folder.append(Path(tempfile.mkdtemp(prefix="mlops-connect-layers-")))
    listing = _folder[0] / f"{LISTING_PREFIX}{session.session_id}-{next(_sequence):06d}.txt"
    listing.write_text("".join(f"{layer}\n" for layer in layers), encoding="utf-8")
    session.addArtifacts(str(listing), file=True)
