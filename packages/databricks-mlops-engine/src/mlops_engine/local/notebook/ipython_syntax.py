"""The IPython syntax a Databricks Python cell accepts (``!cmd``, ``%pip``, ``%cd`` ...), rewritten to Python.

Databricks runs Python cells in an IPython kernel, so a line starting with ``!`` runs in a shell and a
line starting with ``%`` is a line magic, with ``$name`` and ``{expression}`` expanded from the
notebook's variables. Each such line becomes a call to :func:`mlops_engine.local.notebook.line_magics.run_line`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

_ASSIGNED = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([!%].*)$")
_CALL = "__import__('mlops_engine.local.notebook.line_magics', fromlist=['run_line']).run_line(globals(), {text!r})"


def _open_triple_quotes(line: str, open_quote: str | None) -> str | None:
    """The triple quote still open after ``line`` (rough, as IPython's own line transformers are)."""
    for match in re.finditer(r'"""|\'\'\'', line):
        quote = match.group(0)
        if open_quote is None:
            open_quote = quote
        elif open_quote == quote:
            open_quote = None
    return open_quote


def to_python(source: str) -> str:
    """``source`` with every IPython shell or magic line turned into a Python call (``x = !ls`` too)."""
    lines = []
    open_quote: str | None = None
    continued = False
    depth = 0
    rows = iter(source.splitlines())
    for line in rows:
        stripped = line.lstrip()
        if open_quote is None and not continued and stripped[:1] in {"!", "%"} and not stripped.startswith("!="):
            indent = line[: len(line) - len(stripped)]
            line, taken = _join_continued(line, rows)
            lines.append(indent + _CALL.format(text=line.lstrip()))
            lines += [""] * taken  # the lines it continued onto stay (empty) lines: later line numbers hold
        elif open_quote is None and not continued and (assigned := _ASSIGNED.match(line)):
            line, taken = _join_continued(line, rows)
            indent, name, text = (_ASSIGNED.match(line) or assigned).groups()
            lines.append(f"{indent}{name} = " + _CALL.format(text=text))
            lines += [""] * taken
        else:
            lines.append(line)
        open_quote = _open_triple_quotes(line, open_quote)
        if open_quote is None:
            depth = max(0, depth + _depth_change(line))
        continued = line.rstrip().endswith("\\") or depth > 0
    return "\n".join(lines)


def _join_continued(line: str, rows: Iterator[str]) -> tuple[str, int]:
    """An IPython line with the lines its trailing backslashes continue it onto, joined as IPython joins them
    (each backslash dropped, a space between), and how many lines it took beyond its own."""
    taken = 0
    while line.rstrip().endswith("\\"):
        following = next(rows, None)
        line = line.rstrip()[:-1].rstrip() + ("" if following is None else " " + following.strip())
        taken += following is not None
    return line, taken


def _depth_change(line: str) -> int:
    code = re.sub(r"'[^']*'|\"[^\"]*\"", "", line).split("#", 1)[0]
    return sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}")


_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)|\{([^{}]+)\}")


def expand(text: str, namespace: Mapping[str, Any]) -> str:
    """IPython's expansion: ``$name``/``${name}`` and ``{expression}`` from the notebook, ``$$`` is ``$``.

    A name or expression the notebook does not define is left as written, as IPython leaves it.
    """

    def value(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(2)
        if name is not None:
            return str(namespace[name]) if name in namespace else match.group(0)
        try:
            return str(eval(match.group(3), dict(namespace)))  # noqa: S307 - IPython evaluates {expr} likewise
        except Exception:  # noqa: BLE001 - not an expression: kept as written (shell braces)
            return match.group(0)

    return _VARIABLE.sub(value, text)
