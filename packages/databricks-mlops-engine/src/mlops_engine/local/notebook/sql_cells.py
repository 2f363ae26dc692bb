"""``%sql`` cells: statements split and widget values substituted as Databricks does, the last result shown.

Databricks splits a cell on semicolons outside quotes and comments and runs the statements in order;
widget values reach the SQL as named parameter markers (``:name``, Databricks Runtime 15.2 and above)
or, in the legacy syntax, as text (``${name}``, ``$name``; ``\\$`` keeps a dollar sign) and as the value of
``getArgument('name')``. The last statement's result is displayed and bound to ``_sqldf``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from mlops_engine.local.notebook.cell_error import CellError
from mlops_engine.local.sql.statements import run_sql

_TOKEN = re.compile(
    r"""(?P<comment>--[^\n]*|/\*.*?\*/)
      | (?P<quoted>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]*`)
      | (?P<escaped>\\\$)
      | (?P<legacy>\$\{(?P<braced>[A-Za-z_][\w.]*)\}|\$(?P<bare>[A-Za-z_]\w*))
      | (?P<marker>(?<![:\w]):(?P<named>[A-Za-z_]\w*))
      | (?P<argument>(?<![\w.])getArgument\s*\(\s*(?P<q>['"])(?P<argname>[^'"]*)(?P=q)
                     (?:\s*,\s*(?P<dq>['"])(?P<default>[^'"]*)(?P=dq))?\s*\))
      | (?P<semicolon>;)
      | (?P<other>[^-/'"`\\$:;gG]+|.)""",
    re.VERBOSE | re.DOTALL,
)


def _literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _legacy(text: str, widgets: Mapping[str, str]) -> str:
    """``${name}``/``$name`` replaced by the widget's text (quoted text too, as Databricks did); ``\\$`` is ``$``."""

    def value(match: re.Match[str]) -> str:
        if match.group(0) == "\\$":
            return "$"
        name = match.group("braced") or match.group("bare")
        if name in widgets:
            return widgets[name]
        if match.group("braced"):
            raise CellError(f"%sql: no widget named {name!r} for {match.group(0)} "
                            "(declare it with dbutils.widgets.text)")
        return match.group(0)

    return _LEGACY.sub(value, text)


_LEGACY = re.compile(r"\\\$|\$\{(?P<braced>[A-Za-z_]\w*)\}|\$(?P<bare>[A-Za-z_]\w*)")


def _argument(token: re.Match[str], widgets: Mapping[str, str]) -> str:
    """``getArgument('name'[, 'default'])``: the widget's value, as Databricks' SQL function gives it."""
    name, default = token.group("argname"), token.group("default")
    if name in widgets:
        return widgets[name]
    if default is not None:
        return default
    raise CellError(f"%sql: no widget named {name!r} for {token.group(0)} (declare it with dbutils.widgets.text)")


def split_statements(sql: str, widgets: Mapping[str, str]) -> list[str]:
    """The cell's statements, widget references replaced; comments left as written."""
    statements: list[str] = []
    current: list[str] = []
    for token in _TOKEN.finditer(sql):
        text = token.group(0)
        if token.group("semicolon"):
            statements.append("".join(current))
            current = []
            continue
        if token.group("quoted") or token.group("legacy") or token.group("escaped"):
            text = _legacy(text, widgets)
        elif token.group("marker") and token.group("named") in widgets:
            text = _literal(widgets[token.group("named")])
        elif token.group("argument"):
            text = _literal(_argument(token, widgets))
        current.append(text)
    statements.append("".join(current))
    return [statement.strip() for statement in statements if _has_code(statement)]


def _has_code(statement: str) -> bool:
    return any(token.lastgroup not in {"comment"} and token.group(0).strip()
               for token in _TOKEN.finditer(statement))


def sql_cell(sql: str, namespace: MutableMapping[str, Any], display: Callable[[Any], None]) -> None:
    """Run each statement through the local target's SQL; display the last result and bind it to ``_sqldf``."""
    spark = namespace.get("spark")
    if spark is None:
        raise CellError("%sql needs a Spark session; this notebook namespace has no `spark`")
    dbutils = namespace.get("dbutils")
    widgets = dbutils.widgets.getAll() if dbutils is not None else {}
    statements = split_statements(sql, widgets)
    result = None
    for index, statement in enumerate(statements, start=1):
        try:
            result = run_sql(spark, statement)
        except Exception as error:
            where = f"statement {index} of {len(statements)}" if len(statements) > 1 else "statement"
            first = statement.splitlines()[0][:120]
            raise CellError(f"%sql {where} ({first}): {type(error).__name__}: {error}") from error
    if result is not None:
        namespace["_sqldf"] = result
        if result.columns:
            display(result)
