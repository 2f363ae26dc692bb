"""Bad answers: one clear line, a non-zero exit, and no directory left behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from answer_rules import AnswerError, parse_developers, validate
from bakery import run_cookiecutter

BAD_ANSWERS = {
    "slug-with-space": ({"project_slug": "demand forecasting"}, "project_slug"),
    "slug-uppercase": ({"project_slug": "Demand"}, "project_slug"),
    "notebooks-not-identifier": ({"notebooks_package": "my-notebooks"}, "notebooks_package"),
    "notebooks-keyword": ({"notebooks_package": "class"}, "notebooks_package"),
    "library-not-identifier": ({"library_name": "3lib"}, "library_name"),
    "library-keyword": ({"library_name": "import"}, "library_name"),
    "library-clashes-notebooks": ({"library_name": "forecasting"}, "library_name"),
    "library-clashes-tooling": ({"library_name": "tooling"}, "library_name"),
    "root-relative": ({"workspace_root": "Projects/X"}, "workspace_root"),
    "root-dotdot": ({"workspace_root": "/Projects/../etc"}, "workspace_root"),
    "root-trailing-slash": ({"workspace_root": "/Projects/X/"}, "workspace_root"),
    "developers-empty-name": ({"developers": "kyle,,joe"}, "developers"),
    "developers-space": ({"developers": "kyle smith"}, "developers"),
    "developers-duplicate": ({"developers": "kyle,kyle"}, "developers"),
    "developers-reserved": ({"developers": "ci"}, "developers"),
    "name-with-quote": ({"project_name": 'Demand "Forecasting'}, "project_name"),
    "name-with-code": ({"project_name": 'x"; import os; os.system("id") #'}, "project_name"),
    "name-with-newline": ({"project_name": "Demand\nimport os"}, "project_name"),
    "root-with-quote": ({"workspace_root": "/Projects/a'b"}, "workspace_root"),
}


@pytest.mark.parametrize(("answers", "key"), BAD_ANSWERS.values(), ids=BAD_ANSWERS.keys())
def test_bad_answer_is_refused_cleanly(tmp_path: Path, answers: dict[str, str], key: str) -> None:
    output = tmp_path / "out"
    output.mkdir()
    result = run_cookiecutter(output, answers)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {key}:"), result.stderr
    assert list(output.iterdir()) == []


def test_hostile_value_is_data_not_code(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    result = run_cookiecutter(tmp_path, {"developers": f"kyle'''\"\"\"); open('{marker}', 'w'); ('"})
    assert result.returncode != 0 and not marker.exists()


def test_developers_are_split_and_trimmed() -> None:
    assert parse_developers(" kyle , joe ") == ["kyle", "joe"]


def test_rules_accept_the_defaults() -> None:
    validate({"project_name": "Demand Forecasting", "project_slug": "demand-forecasting",
              "notebooks_package": "forecasting", "library_name": "demand_forecasting",
              "workspace_root": "/Projects/DemandForecasting", "developers": "dev",
              "python_version": "3.11", "library_format": "wheel", "ci_provider": "azure-pipelines"})


def test_rules_require_every_answer() -> None:
    with pytest.raises(AnswerError, match="project_name"):
        validate({})
