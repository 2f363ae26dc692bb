"""The RunTests driver's logic: every test notebook runs and is timed, failures fail the driver naming them."""

from __future__ import annotations

import itertools

import pytest

from {{ cookiecutter.library_name }}.notebook_test_results import (
    NotebookOutcome,
    NotebookTestsFailed,
    raise_if_failed,
    run_test_notebooks,
    summary,
)


def fake_run(path: str, timeout: int) -> str:
    if path.endswith("broken"):
        raise RuntimeError(f"Notebook {path} failed: AssertionError: no sales\nTraceback ...")
    return f"ok in {timeout}"


def test_every_notebook_runs_with_the_timeout_and_is_timed() -> None:
    ticks = itertools.count(0, 1.5)
    outcomes = run_test_notebooks(fake_run, ["./integration_tests/a", "./integration_tests/broken", "./b"], 60,
                                  clock=lambda: next(ticks))
    assert [(o.name, o.passed) for o in outcomes] == [("a", True), ("broken", False), ("b", True)]
    assert outcomes[0].message == "ok in 60" and outcomes[1].duration_seconds == 1.5
    assert outcomes[1].message.startswith("RuntimeError: Notebook ./integration_tests/broken failed")
    assert "\n" not in outcomes[1].message
    assert summary(outcomes).splitlines()[1].startswith("FAIL  broken  1.5s")


def test_any_failure_fails_the_driver_naming_it() -> None:
    raise_if_failed([NotebookOutcome("test_a", True, 1.0, "ok")])
    with pytest.raises(NotebookTestsFailed, match="1 of 2 test notebooks failed: test_b: boom"):
        raise_if_failed([NotebookOutcome("test_a", True, 1.0, "ok"), NotebookOutcome("test_b", False, 1.0, "boom")])
