"""A unit run leaves the integration folders unimported; `invoke test` runs them too, with coverage of src/."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mlops_engine.commands.unit_tests import INTEGRATION_FOLDER, pytest_command, unit_tests
from mlops_engine.errors import UserError


def project_with_tests(root: Path, *, failing: bool = False) -> Path:
    folder = root / "tests" / "library"
    (folder / INTEGRATION_FOLDER).mkdir(parents=True)
    (root / "src").mkdir()
    (folder / "test_unit.py").write_text(f"def test_unit():\n    assert {not failing}\n")
    (folder / INTEGRATION_FOLDER / "test_service.py").write_text(
        "from pathlib import Path\n\nPath(__file__).with_name('imported').touch()\n\n\ndef test_service():\n    pass\n")
    return folder


def test_a_unit_run_does_not_import_the_integration_folders(tmp_path: Path) -> None:
    folder = project_with_tests(tmp_path)
    for integration, passed in ((False, "1 passed"), (True, "2 passed")):
        command = pytest_command(tmp_path / "report.xml", integration=integration, coverage=False)
        done = subprocess.run([*command, "-p", "no:cacheprovider"], cwd=tmp_path, capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0 and passed in done.stdout, done.stdout
        assert (folder / INTEGRATION_FOLDER / "imported").is_file() == integration


def test_the_suite_writes_junit_and_a_red_test_is_one_error_line(tmp_path: Path) -> None:
    lines: list[str] = []
    project_with_tests(tmp_path)
    unit_tests(tmp_path, lines.append)
    assert "<testsuite" in (tmp_path / "test-results.xml").read_text()
    assert lines[-1].startswith("unit tests (the integration/ folders are left to `invoke test`)")
    red = tmp_path / "red"
    red.mkdir()
    project_with_tests(red, failing=True)
    with pytest.raises(UserError, match=r"tests failed \(see test-results.xml\)"):
        unit_tests(red, lines.append)
