"""The xdist schedule of `invoke test`: a renamed module must not silently split a shared fixture in two."""

from __future__ import annotations

import ast
from pathlib import Path

from worker_schedule import LONGEST_FIRST, SHARED_FIXTURE_GROUPS, SharedFixtureScheduling

TESTS = Path(__file__).resolve().parent
AGENT_FIXTURES = {"pipeline_run", "agent_python"}


def fixtures_taken(module: Path) -> set[str]:
    """Argument names of the module's test functions: the fixtures they ask for."""
    tree = ast.parse(module.read_text())
    return {arg.arg for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
            for arg in node.args.args}


def test_every_scheduled_module_exists() -> None:
    modules = {path.name for path in TESTS.glob("test_*.py")}
    assert set(SHARED_FIXTURE_GROUPS) | set(LONGEST_FIRST) <= modules


def test_the_agent_fixtures_are_made_by_one_worker() -> None:
    users = sorted(path.name for path in TESTS.glob("test_*.py") if fixtures_taken(path) & AGENT_FIXTURES)
    assert len(users) >= 2, users
    assert {SHARED_FIXTURE_GROUPS.get(name) for name in users} == {"azure-agent"}, users


def test_grouped_tests_share_a_unit_and_the_others_stand_alone() -> None:
    split = SharedFixtureScheduling._split_scope
    assert split(None, "tests/test_release.py::test_rollback") == split(None, "tests/test_azure_agent.py::test_a")
    assert split(None, "tests/test_notebook_corpus.py::test_x[a]") == split(None, "tests/test_notebook_corpus.py::t")
    assert split(None, "tests/test_bake.py::test_a") == "tests/test_bake.py::test_a"
