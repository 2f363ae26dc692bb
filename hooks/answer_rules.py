"""Rules for cookiecutter answers, kept apart from the hook scripts so tests can import them.

The variables and their choices are read from ``cookiecutter.json``, the one place they are kept; this
module holds only what the generated project adds (names it already uses, a path's shape).
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Mapping
from pathlib import Path

TEMPLATE_VARIABLES = Path(__file__).resolve().parents[1] / "cookiecutter.json"
ENGINE_PACKAGE = "mlops_engine"
"""The engine's import name (databricks-mlops-engine): a project package of that name would hide it."""
PROJECT_FOLDERS = frozenset({"tests", "scripts", "src", "conf", "docs"})
RESERVED_DEVELOPERS = frozenset({"ci", "production"})

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9 _-]{0,63}")
_SLUG = re.compile(r"[a-z][a-z0-9_-]{0,63}")
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,63}")
_DEVELOPER = re.compile(r"[a-z][a-z0-9_]{0,31}")
_WORKSPACE_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class AnswerError(ValueError):
    """An answer that cannot make a working project."""


def template_variables() -> dict[str, object]:
    """The questions cookiecutter asks (private ``_`` keys left out), with their defaults or choices."""
    variables = json.loads(TEMPLATE_VARIABLES.read_text())
    return {key: value for key, value in variables.items() if not key.startswith("_")}


def choices(key: str) -> list[str]:
    """The choices ``cookiecutter.json`` offers for ``key``."""
    options = template_variables()[key]
    if not isinstance(options, list):
        raise KeyError(f"{key} is not a choice variable of cookiecutter.json")
    return [str(option) for option in options]


def parse_developers(value: str) -> list[str]:
    """Split the comma-separated developer list into validated, unique names."""
    names = [name.strip() for name in value.split(",")]
    if not value.strip() or any(not name for name in names):
        raise AnswerError(f"developers: {value!r} must be a comma-separated list of names, e.g. 'kyle,joe'")
    for name in names:
        if not _DEVELOPER.fullmatch(name):
            raise AnswerError(
                f"developers: {name!r} must start with a lowercase letter and hold only a-z, 0-9 and _"
            )
        if name in RESERVED_DEVELOPERS:
            raise AnswerError(f"developers: {name!r} is reserved (conf/{name}_config is the template's own)")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise AnswerError(f"developers: {', '.join(duplicates)} listed twice")
    return names


def _check_identifier(key: str, value: str) -> None:
    if not _IDENTIFIER.fullmatch(value) or keyword.iskeyword(value):
        raise AnswerError(
            f"{key}: {value!r} must be a lowercase Python identifier (a-z, 0-9, _) and not a keyword"
        )


def _check_workspace_root(value: str) -> None:
    segments = value.split("/")
    if not value.startswith("/") or len(segments) < 2 or value.endswith("/"):
        raise AnswerError(f"workspace_root: {value!r} must be an absolute workspace path such as /Projects/Name")
    for segment in segments[1:]:
        if segment in {"", ".", ".."} or not _WORKSPACE_SEGMENT.fullmatch(segment):
            raise AnswerError(
                f"workspace_root: {value!r} has the part {segment!r}; use letters, digits, '.', '_' and '-'"
            )


def validate(answers: Mapping[str, object]) -> None:
    """Raise AnswerError with one clear line for the first answer that cannot work."""
    variables = template_variables()
    for key in variables:
        if not isinstance(answers.get(key), str):
            raise AnswerError(f"{key}: an answer is required")
    name = str(answers["project_name"])
    if not _NAME.fullmatch(name):
        raise AnswerError(
            f"project_name: {name!r} must start with a letter and hold only letters, digits, spaces, - and _"
        )
    slug = str(answers["project_slug"])
    if not _SLUG.fullmatch(slug):
        raise AnswerError(f"project_slug: {slug!r} must be lowercase letters, digits, - and _, starting with a letter")
    notebooks, library = str(answers["notebooks_package"]), str(answers["library_name"])
    _check_identifier("notebooks_package", notebooks)
    _check_identifier("library_name", library)
    if notebooks == library:
        raise AnswerError(f"library_name: {library!r} is also the notebooks_package; pick two names")
    for key, value in (("notebooks_package", notebooks), ("library_name", library)):
        if value == ENGINE_PACKAGE:
            raise AnswerError(f"{key}: {value!r} is the engine's package (databricks-mlops-engine); pick another name")
        if value in PROJECT_FOLDERS:
            raise AnswerError(f"{key}: {value!r} is a folder the project already has; pick another name")
    _check_workspace_root(str(answers["workspace_root"]))
    parse_developers(str(answers["developers"]))
    for key, options in variables.items():
        if isinstance(options, list) and answers[key] not in options:
            raise AnswerError(f"{key}: {answers[key]!r} must be one of: {', '.join(map(str, options))}")
