"""The local run process: dbutils.notebook.run's timeout is enforced as on Databricks."""

from __future__ import annotations

import time

import pytest

from mlops_engine.local.runs.process import NotebookTimeout, notebook_timeout


def test_a_child_notebook_that_outlives_its_timeout_is_interrupted() -> None:
    started = time.monotonic()
    with pytest.raises(NotebookTimeout, match="/P/Slow timed out after 0.2 s"), notebook_timeout("/P/Slow", 0.2):
        time.sleep(5)
    assert time.monotonic() - started < 2


def test_no_timeout_and_a_quick_child_leave_no_alarm_behind() -> None:
    with notebook_timeout("/P/Fast", 0):
        pass
    with notebook_timeout("/P/Fast", 0.2):
        pass
    time.sleep(0.4)
