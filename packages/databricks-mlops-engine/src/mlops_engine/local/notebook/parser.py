"""Parsing Databricks source-format notebooks into cells, as Databricks itself splits them."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from mlops_engine.contract.workspace import NOTEBOOK_HEADER

CELL_SEPARATOR = re.compile(r"^# COMMAND -+\s*$", re.MULTILINE)
MAGIC_PREFIX = "# MAGIC"
TITLE_PREFIX = "# DBTITLE"
CELL_MAGICS = frozenset({"%md", "%md-sandbox", "%python", "%sql", "%sh", "%fs", "%run", "%scala", "%r"})
"""Magics that set a whole cell's language; any other ``%word`` starts a Python cell in IPython syntax."""


@dataclass(frozen=True)
class Cell:
    """One cell: Python code (``magic`` None, IPython syntax allowed) or a cell magic with its body."""

    number: int
    source: str
    magic: str | None = None

    @property
    def magic_argument(self) -> str:
        """What follows the magic word on its first line (the path of a ``%run``)."""
        first_line = self.source.splitlines()[0] if self.source else ""
        return first_line.partition(" ")[2].strip()

    @property
    def body(self) -> str:
        """The cell's code without its magic word: ``%sql SELECT 1`` and ``%sql\\nSELECT 1`` alike."""
        if self.magic is None:
            return self.source
        return self.source[len(self.magic):].lstrip(" ").removeprefix("\n")

    @property
    def first_line(self) -> str:
        """The cell's first code line, quoted in its failure as Databricks shows the failing command."""
        return next((line.strip() for line in self.source.splitlines() if line.strip()), "")


def run_arguments(argument: str) -> tuple[str, dict[str, str]]:
    """The target and ``$name="value"`` arguments of a ``%run`` line (the arguments become the child's widgets)."""
    words = shlex.split(argument)
    if not words:
        raise ValueError("%run needs a notebook path")
    arguments = {}
    for word in words[1:]:
        name, sep, value = word.removeprefix("$").partition("=")
        if not word.startswith("$") or not sep or not name:
            raise ValueError(f'%run argument {word!r}: write $name="value"')
        arguments[name] = value
    return words[0], arguments


def _strip_magic(lines: list[str]) -> str:
    return "\n".join(line[len(MAGIC_PREFIX):].removeprefix(" ") for line in lines)


def parse_notebook(source: str) -> list[Cell]:
    """Split a notebook's source into numbered cells (from 1), magic cells unwrapped, titles dropped."""
    if not source.startswith(NOTEBOOK_HEADER):
        raise ValueError(f"not a Databricks source notebook: the first line must be {NOTEBOOK_HEADER!r}")
    body = source[len(NOTEBOOK_HEADER):]
    cells = []
    for chunk in CELL_SEPARATOR.split(body):
        lines = [line for line in chunk.strip("\n").splitlines() if not line.startswith(TITLE_PREFIX)]
        if not any(line.strip() for line in lines):
            continue
        number = len(cells) + 1
        if all(line.startswith(MAGIC_PREFIX) for line in lines if line.strip()):
            text = _strip_magic([line for line in lines if line.strip()])
            word = text.split(None, 1)[0] if text.strip() else ""
            cells.append(Cell(number, text, magic=word if word in CELL_MAGICS or _is_language(word) else None))
        else:
            cells.append(Cell(number, "\n".join(lines).strip("\n")))
    return cells


def _is_language(word: str) -> bool:
    """A ``%word`` alone naming another kernel language (``%scala``, ``%R``) is a cell magic too."""
    return word.lower() in CELL_MAGICS and word.startswith("%")
