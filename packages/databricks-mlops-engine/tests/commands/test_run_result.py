"""A run's result as a person reads it: a notebook's JSON exit value as lines, not one long line."""

from __future__ import annotations

import json

from mlops_engine.commands.run import report_end, result_lines
from mlops_engine.contract.runs import RunOutput, RunStatus


def test_a_json_object_is_one_line_per_key_and_one_per_listed_model() -> None:
    result = json.dumps({"decision": "promote", "reason": "candidate wins 97% of resamples",
                         "scores": {"champion": 9.1234567, "candidate": 8.0},
                         "models": [{"run_id": "a1", "mae": 8.7251234}, {"run_id": "b2", "mae": 9.5}], "skipped": {}})
    assert result_lines(result) == [
        "  decision: promote", "  reason: candidate wins 97% of resamples", "  scores: champion=9.123, candidate=8",
        "  models:", "    - run_id=a1, mae=8.725", "    - run_id=b2, mae=9.5", "  skipped: -"]


def test_plain_results_stay_on_the_run_line() -> None:
    lines: list[str] = []
    report_end(RunOutput(notebook_result="mae=8.725 ratio_to_naive=0.623"), RunStatus("TERMINATED", "SUCCESS"), 3,
               "file:///x", lines.append)
    assert lines == ["run 3 succeeded: mae=8.725 ratio_to_naive=0.623"]
    lines.clear()
    keep = RunOutput(notebook_result='{"decision": "keep"}')
    report_end(keep, RunStatus("TERMINATED", "SUCCESS"), 4, "", lines.append)
    assert lines == ["run 4 succeeded:", "  decision: keep"]
    assert result_lines("[1, 2]") == [] and result_lines("mae=1") == []
