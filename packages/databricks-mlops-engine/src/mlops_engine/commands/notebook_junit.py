"""The integration-test notebooks' outcomes as JUnit XML, so a pipeline's test tab shows each notebook."""

from __future__ import annotations

import json
import os
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mlops_engine.errors import UserError

NOTEBOOK_JUNIT_XML = "notebook-test-results.xml"
RESULTS_FORMAT = "notebook-test-results/1"
SUITE = "integration_tests"


@dataclass(frozen=True)
class NotebookResult:
    """One test notebook's outcome as RunTests reported it."""

    name: str
    passed: bool
    duration_seconds: float
    message: str = ""
    trace: str = ""


def parse_results(exit_value: str | None) -> list[NotebookResult]:
    """The outcomes RunTests exits with (``results=json``); one clear line when the value is not that."""
    try:
        data = json.loads(exit_value or "")
        if data.get("format") != RESULTS_FORMAT:
            raise ValueError(data.get("format"))
        return [NotebookResult(str(t["name"]), bool(t["passed"]), float(t["duration_seconds"]),
                               str(t.get("message") or ""), str(t.get("trace") or "")) for t in data["tests"]]
    except (ValueError, TypeError, KeyError, AttributeError):
        shown = (exit_value or "")[:200]
        raise UserError(f"RunTests did not exit with {RESULTS_FORMAT} JSON (got {shown!r}); "
                        "is the RunTests notebook older than this mlops_engine?") from None


def junit_xml(results: Sequence[NotebookResult], suite: str = SUITE) -> bytes:
    """A JUnit XML document with one testcase per notebook (failure: message and trace)."""
    failures = sum(not r.passed for r in results)
    total = sum(r.duration_seconds for r in results)
    root = ET.Element("testsuites", tests=str(len(results)), failures=str(failures), time=f"{total:.3f}")
    suite_element = ET.SubElement(root, "testsuite", name=suite, tests=str(len(results)), failures=str(failures),
                                  errors="0", skipped="0", time=f"{total:.3f}")
    for result in results:
        case = ET.SubElement(suite_element, "testcase", classname=suite, name=result.name,
                             time=f"{result.duration_seconds:.3f}")
        if not result.passed:
            failure = ET.SubElement(case, "failure", message=result.message, type="NotebookFailure")
            failure.text = result.trace or result.message
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def write_junit(path: Path, results: Sequence[NotebookResult]) -> Path:
    """Write the XML atomically (a pipeline never publishes half a file)."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as file:
        file.write(junit_xml(results))
    os.replace(temporary, path)
    return path
