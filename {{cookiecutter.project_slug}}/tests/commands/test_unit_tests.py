"""The suite's two parallel groups leave no test out, a unit run leaves the integration folders unimported, and
the JUnit reports merge into one."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from tooling.commands.unit_tests import (
    INTEGRATION_FOLDER,
    SPARK_TEST_FOLDERS,
    merge_junit,
    pytest_command,
    suite_groups,
)

TESTS_DIR = Path(__file__).resolve().parents[1]


def test_the_groups_hold_every_test_module_once_and_the_spark_folders_together() -> None:
    groups = suite_groups(TESTS_DIR)
    assert [path.name for path in groups[0]] == sorted(SPARK_TEST_FOLDERS)
    covered = [module for group in groups for entry in group
               for module in ([entry] if entry.is_file() else entry.rglob("test_*.py"))]
    assert sorted(covered) == sorted(TESTS_DIR.rglob("test_*.py"))
    assert len(covered) == len(set(covered))


def test_a_new_test_folder_joins_the_other_group(tmp_path: Path) -> None:
    for folder in (*SPARK_TEST_FOLDERS, "reports", "fixtures_only"):
        (tmp_path / folder).mkdir()
    for folder in (*SPARK_TEST_FOLDERS, "reports"):
        (tmp_path / folder / "test_x.py").write_text("")
    (tmp_path / "test_top.py").write_text("")
    spark, rest = suite_groups(tmp_path)
    assert [path.name for path in rest] == ["reports", "test_top.py"]
    assert len(spark) == len(SPARK_TEST_FOLDERS)
    with_integration = suite_groups(tmp_path, integration=True)
    assert [[path.name for path in group] for group in with_integration] == [
        *([name] for name in sorted(SPARK_TEST_FOLDERS)), ["reports", "test_top.py"]]


def test_a_unit_run_does_not_import_the_integration_folders(tmp_path: Path) -> None:
    folder = tmp_path / "tests" / "library"
    (folder / INTEGRATION_FOLDER).mkdir(parents=True)
    (folder / "test_unit.py").write_text("def test_unit():\n    pass\n")
    (folder / INTEGRATION_FOLDER / "test_service.py").write_text(
        "from pathlib import Path\n\nPath(__file__).with_name('imported').touch()\n\n\ndef test_service():\n    pass\n")
    for integration, passed in ((False, "1 passed"), (True, "2 passed")):
        command = pytest_command(tmp_path, [folder], tmp_path / "report.xml", integration=integration)
        done = subprocess.run([*command, "-p", "no:cacheprovider"], cwd=tmp_path, capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0 and passed in done.stdout, done.stdout
        assert (folder / INTEGRATION_FOLDER / "imported").is_file() == integration


def test_reports_merge_into_one_document_with_every_suite(tmp_path: Path) -> None:
    first, second = tmp_path / "0.xml", tmp_path / "1.xml"
    first.write_text('<testsuites><testsuite name="pytest" tests="2"><testcase name="a"/><testcase name="b">'
                     '<failure message="boom"/></testcase></testsuite></testsuites>')
    second.write_text('<testsuite name="pytest" tests="1"><testcase name="c"/></testsuite>')
    merged = ElementTree.fromstring(merge_junit([first, second]))
    assert merged.tag == "testsuites" and len(merged.findall("testsuite")) == 2
    assert [case.get("name") for case in merged.iter("testcase")] == ["a", "b", "c"]
    assert merged.find(".//failure").get("message") == "boom"
