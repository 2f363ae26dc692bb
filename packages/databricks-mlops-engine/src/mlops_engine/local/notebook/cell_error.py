"""The error a cell raises when the local target refuses it: the run fails at that cell with this message."""

from __future__ import annotations


class CellError(Exception):
    """A cell the local target cannot run as Databricks would; the message says why and what to do."""
