"""The template's Jinja extension, loaded in-process by cookiecutter and cruft (``_extensions``).

Both put the template's checkout on ``sys.path`` before rendering, so this module is imported from
the checkout being rendered; that gives what no hook script can get from the context alone:

- ``check_answers``: refuses a bad answer while the questions are rendered, before cookiecutter makes
  any folder, with one line on stderr (``AnswerRefused`` is a ``click.ClickException``, which the
  ``cookiecutter`` and ``cruft`` command lines show without a traceback).
- ``runtime``: the chosen Databricks runtime's data (spark_version or serverless, Python, pins) for the files that
  follow it.
- ``hooks_dir``: where the hook scripts' helper modules are. Only the ``cookiecutter`` command line
  sets ``_repo_dir`` (and relative to its working directory); cruft renders from a temporary clone.

``cruft update`` renders two commits of one clone in one process and Python imports this module once,
so it stays a stable shim: the rules are read from the checkout's files on every call.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import click
from jinja2 import Environment
from jinja2.ext import Extension

HOOKS_DIR = Path(__file__).resolve().parent
RUNTIMES = HOOKS_DIR.parent / "packages" / "databricks-mlops-engine" / "src" / "mlops_engine" / "runtimes.json"
"""The runtimes a project can run on (the engine's data, from Databricks' release notes)."""
CONSTRAINTS_DIR = HOOKS_DIR.parent / "runtime_constraints"
"""A baked project's pinned environment for each runtime (``invoke lock-runtimes`` writes them)."""


class AnswerRefused(click.ClickException):
    """An answer that cannot make a working project, shown as ``error: <one line>``."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", file=file, err=file is None)


def _answer_rules() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_template_answer_rules", HOOKS_DIR / "answer_rules.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_answers(answers: Mapping[str, object]) -> str:
    """Jinja filter: ``"yes"`` when the answers can make a working project, else raise AnswerRefused."""
    rules = _answer_rules()
    try:
        rules.validate(answers)
    except rules.AnswerError as error:
        raise AnswerRefused(str(error)) from None
    return "yes"


def runtime(key: str) -> dict[str, Any]:
    """Jinja filter: the Databricks runtime ``key`` names, from the engine's table (``runtimes.json``), with its
    Python's minor version and the project's whole pinned environment for it (``runtime_constraints/<key>.txt``)."""
    table = json.loads(RUNTIMES.read_text())["runtimes"]
    data = dict(table[key])
    data["python_minor"] = ".".join(data["python"].split(".")[:2])
    data.setdefault("connect_client", {})  # Spark Connect's client libraries: serverless runtimes only
    data["constraints"] = (CONSTRAINTS_DIR / f"{key}.txt").read_text().rstrip("\n")
    return data


class TemplateExtension(Extension):
    """Adds the ``check_answers`` and ``runtime`` filters and the ``hooks_dir`` global."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["check_answers"] = check_answers
        environment.filters["runtime"] = runtime
        environment.globals["hooks_dir"] = str(HOOKS_DIR)
