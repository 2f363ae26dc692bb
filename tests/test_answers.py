"""Bad answers: one clear line, a non-zero exit, and nothing left on disk, through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from answer_rules import AnswerError, choices, parse_developers, template_variables, validate
from project_layout import CI_PROVIDER_FILES, saved_answers
from template_extension import AnswerRefused, check_answers

from bakery import TEMPLATE_DIR, run_cookiecutter

BAD_ANSWERS = {
    "name-with-slash": ({"project_name": "Demand/Forecasting"}, "project_name"),
    "name-absolute-path": ({"project_name": "/tmp/escape"}, "project_name"),
    "slug-with-space": ({"project_slug": "demand forecasting"}, "project_slug"),
    "slug-uppercase": ({"project_slug": "Demand"}, "project_slug"),
    "slug-with-slash": ({"project_slug": "demand/forecasting"}, "project_slug"),
    "slug-parent-dir": ({"project_slug": "../escape"}, "project_slug"),
    "notebooks-not-identifier": ({"notebooks_package": "my-notebooks"}, "notebooks_package"),
    "notebooks-keyword": ({"notebooks_package": "class"}, "notebooks_package"),
    "library-not-identifier": ({"library_name": "3lib"}, "library_name"),
    "library-keyword": ({"library_name": "import"}, "library_name"),
    "library-clashes-notebooks": ({"library_name": "forecasting"}, "library_name"),
    "library-clashes-engine": ({"library_name": "mlops_engine"}, "library_name"),
    "notebooks-clashes-tests": ({"notebooks_package": "tests"}, "notebooks_package"),
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
DEFAULT_ANSWERS = {"project_name": "Demand Forecasting", "project_slug": "demand-forecasting",
                   "notebooks_package": "forecasting", "library_name": "demand_forecasting",
                   "workspace_root": "/Projects/DemandForecasting", "developers": "dev",
                   "databricks_runtime": "18-lts-ml", "library_format": "wheel", "ci_provider": "azure-pipelines"}


def _cookiecutter(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cookiecutter", *args], input=stdin, capture_output=True,
                          text=True, check=False, timeout=120)


def _assert_refused_in_one_line(result: subprocess.CompletedProcess[str], key: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()], result.stderr
    assert result.stderr.startswith(f"error: {key}: "), result.stderr


@pytest.mark.parametrize(("answers", "key"), BAD_ANSWERS.values(), ids=BAD_ANSWERS.keys())
def test_bad_answer_is_refused_in_one_line_before_anything_is_written(
        tmp_path: Path, answers: dict[str, str], key: str) -> None:
    output = tmp_path / "out"
    output.mkdir()
    result = run_cookiecutter(output, answers)
    _assert_refused_in_one_line(result, key)
    assert result.stdout == ""
    assert sorted(path.name for path in tmp_path.rglob("*")) == ["out"]


def test_bad_typed_answer_is_refused_in_one_line(tmp_path: Path) -> None:
    typed = "Demand/Forecasting\n" + "\n" * len(template_variables())
    result = _cookiecutter("-o", str(tmp_path), str(TEMPLATE_DIR), stdin=typed)
    _assert_refused_in_one_line(result, "project_name")
    assert list(tmp_path.iterdir()) == []


def test_unknown_choice_is_refused_by_cookiecutter_before_anything_is_written(tmp_path: Path) -> None:
    """cookiecutter checks a choice against cookiecutter.json itself, before any template code runs."""
    result = run_cookiecutter(tmp_path, {"databricks_runtime": "15.4-lts-ml"})
    assert result.returncode != 0
    assert ("15.4-lts-ml provided for choice variable databricks_runtime, but the choices are "
            "['18-lts-ml', '17.3-lts-ml', 'serverless-5']") in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_answers_that_skip_the_questions_are_refused_by_the_hook(tmp_path: Path) -> None:
    """A replay file skips the questions; the pre-generation hook still refuses a bad answer."""
    template = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
    context = {**DEFAULT_ANSWERS, "project_slug": "Bad Slug", "__answers_checked": "yes",
               **{key: value for key, value in template.items() if key.startswith("_") and key != "__prompts__"}}
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps({"cookiecutter": context}))
    output = tmp_path / "out"
    result = _cookiecutter("-o", str(output), "--replay-file", str(replay), str(TEMPLATE_DIR))
    assert result.returncode != 0
    assert "error: project_slug: 'Bad Slug' must be lowercase" in result.stderr
    assert list(output.iterdir()) == []


def test_hostile_value_is_data_not_code(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    result = run_cookiecutter(tmp_path, {"developers": f"kyle'''\"\"\"); open('{marker}', 'w'); ('"})
    assert result.returncode != 0 and not marker.exists()


def test_choices_are_read_from_cookiecutter_json() -> None:
    template = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
    for key in ("databricks_runtime", "library_format", "ci_provider"):
        assert choices(key) == template[key]
    with pytest.raises(AnswerError, match=r"^ci_provider: 'jenkins' must be one of: azure-pipelines, github-actions$"):
        validate({**DEFAULT_ANSWERS, "ci_provider": "jenkins"})


def test_every_ci_provider_choice_names_its_files() -> None:
    assert set(CI_PROVIDER_FILES) == set(choices("ci_provider"))


def test_answers_are_checked_after_every_question() -> None:
    keys = list(json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text()))
    assert keys.index("__answers_checked") > max(keys.index(key) for key in template_variables())


def test_check_answers_refuses_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_answers(DEFAULT_ANSWERS) == "yes"
    with pytest.raises(AnswerRefused) as refused:
        check_answers({**DEFAULT_ANSWERS, "workspace_root": "Projects/X"})
    refused.value.show()
    assert capsys.readouterr().err == (
        "error: workspace_root: 'Projects/X' must be an absolute workspace path such as /Projects/Name\n")


def test_saved_answers_are_the_questions_only() -> None:
    context = {**DEFAULT_ANSWERS, "__answers_checked": "yes", "_template": "/home/kyle/template",
               "_output_dir": "/tmp", "_commit": "abc123", "_extensions": []}
    assert saved_answers(context) == DEFAULT_ANSWERS


def test_developers_are_split_and_trimmed() -> None:
    assert parse_developers(" kyle , joe ") == ["kyle", "joe"]


def test_rules_accept_the_defaults() -> None:
    validate(DEFAULT_ANSWERS)


def test_rules_require_every_answer() -> None:
    with pytest.raises(AnswerError, match="project_name"):
        validate({})
