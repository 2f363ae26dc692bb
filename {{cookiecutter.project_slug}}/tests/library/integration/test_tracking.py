"""What the notebooks log to MLflow tracking, read back from the session's MLflow server (a fresh sqlite store
would cost 3 s of schema migrations per test)."""

from __future__ import annotations

from mlflow import MlflowClient

from {{ cookiecutter.library_name }}.notebook_test_results import NotebookOutcome
from {{ cookiecutter.library_name }}.tracking import log_test_results


def test_outcomes_are_logged_to_one_run_tagged_with_the_sha(names: dict[str, str]) -> None:
    outcomes = [NotebookOutcome("test_a", True, 2.0, "12 rows"), NotebookOutcome("test_b", False, 1.0, "boom")]
    run_id = log_test_results(f"/P/experiments/{names['experiment']}", outcomes, "abc123", "42")
    run = MlflowClient().get_run(run_id)
    assert (run.data.tags["git_sha"], run.data.tags["build_id"], run.data.tags["result"]) == ("abc123", "42", "failed")
    assert run.data.params == {"test_a": "12 rows", "test_b": "boom"}
    assert run.data.metrics["test_a_duration_seconds"] == 2.0 and run.data.metrics["test_b_passed"] == 0.0
    assert (run.data.metrics["tests_passed"], run.data.metrics["tests_failed"]) == (1.0, 1.0)
