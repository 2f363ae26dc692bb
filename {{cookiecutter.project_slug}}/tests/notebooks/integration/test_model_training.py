"""ModelTraining, run on the local target as a job runs it (the engine's ``project_notebooks`` fixture sends the
notebooks and deploys the library to a workspace of the test session's own)."""

from __future__ import annotations


def test_model_training_registers_a_candidate_that_beats_the_naive_forecast(project_notebooks) -> None:
    run = project_notebooks.run("ModelTraining", config="ci")  # the CI subset: the quickest data
    assert run.succeeded, run.describe()
    result = dict(pair.split("=", 1) for pair in (run.result or "").split())
    assert set(result) >= {"mlflow_run_id", "mae", "ratio_to_naive"}, run.result
    assert float(result["ratio_to_naive"]) < 1, run.result
