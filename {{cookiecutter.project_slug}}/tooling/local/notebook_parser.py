"""Parsing Databricks source-format notebooks into cells, as Databricks itself splits them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..target.workspace import NOTEBOOK_HEADER

CELL_SEPARATOR = re.compile(r"^# COMMAND -+\s*$", re.MULTILINE)
MAGIC_PREFIX = "# MAGIC"


@dataclass(frozen=True)
class Cell:
    """One cell: Python code, or a magic command (``%md``, ``%run``, ``%pip`` ...) with its body."""

    number: int
    source: str
    magic: str | None = None

    @property
    def magic_argument(self) -> str:
        """What follows the magic word on its first line (the path of a ``%run``)."""
        first_line = self.source.splitlines()[0] if self.source else ""
        return first_line.partition(" ")[2].strip()


def _strip_magic(lines: list[str]) -> str:
    return "\n".join(line[len(MAGIC_PREFIX):].removeprefix(" ") for line in lines)


def parse_notebook(source: str) -> list[Cell]:
    """Split a notebook's source into numbered cells (from 1), magic cells unwrapped."""
    if not source.startswith(NOTEBOOK_HEADER):
        raise ValueError(f"not a Databricks source notebook: the first line must be {NOTEBOOK_HEADER!r}")
    body = source[len(NOTEBOOK_HEADER):]
    cells = []
    for chunk in CELL_SEPARATOR.split(body):
        lines = [line for line in chunk.strip("\n").splitlines()]
        if not any(line.strip() for line in lines):
            continue
        number = len(cells) + 1
        if all(line.startswith(MAGIC_PREFIX) for line in lines if line.strip()):
            text = _strip_magic([line for line in lines if line.strip()])
            word = text.split(None, 1)[0] if text.strip() else ""
            cells.append(Cell(number, text, magic=word if word.startswith("%") else None))
        else:
            cells.append(Cell(number, "\n".join(lines)))
    return cells
