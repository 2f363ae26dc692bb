"""The suite's two parallel groups leave no test out, and their JUnit reports merge into one."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from tooling.commands.unit_tests import SPARK_TEST_FOLDERS, merge_junit, suite_groups

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


def test_reports_merge_into_one_document_with_every_suite(tmp_path: Path) -> None:
    first, second = tmp_path / "0.xml", tmp_path / "1.xml"
    first.write_text('<testsuites><testsuite name="pytest" tests="2"><testcase name="a"/><testcase name="b">'
                     '<failure message="boom"/></testcase></testsuite></testsuites>')
    second.write_text('<testsuite name="pytest" tests="1"><testcase name="c"/></testsuite>')
    merged = ElementTree.fromstring(merge_junit([first, second]))
    assert merged.tag == "testsuites" and len(merged.findall("testsuite")) == 2
    assert [case.get("name") for case in merged.iter("testcase")] == ["a", "b", "c"]
    assert merged.find(".//failure").get("message") == "boom"
