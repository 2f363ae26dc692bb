"""How `invoke test` shares the suite between its pytest-xdist workers.

A module whose tests share a costly fixture (a CI agent's pipeline run, a project every corpus entry runs
in) is one unit of work, run by one worker, so the fixture is made once. Every other test is a unit of its
own. Workers take units longest first (most of the suite's time is in a few tests), so the short ones fill
in at the end. The grouping is by module name because xdist's own ``xdist_group`` mark does not reach the
scheduler under pytest 9 (it rewrites a node id attribute pytest no longer reads).
"""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest
from xdist.scheduler import LoadScopeScheduling

SHARED_FIXTURE_GROUPS = {
    "test_azure_agent.py": "azure-agent",  # the pipeline run and the agent's virtual environment...
    "test_release.py": "azure-agent",  # ...which the rollback test redeploys over
    "test_notebook_corpus.py": "corpus",
    "test_local_fidelity.py": "probe-notebooks",
    "test_pipeline.py": "ci-run",
    "test_cruft.py": "template-repository",
}
LONGEST_FIRST = ("test_azure_agent.py", "test_release.py", "test_generated_project.py", "test_notebook_corpus.py",
                 "test_pipeline.py", "test_warm_spark.py", "test_local_fidelity.py", "test_reliability.py")
"""Modules in the order of their share of the suite's time (JUnit durations); the others follow."""


def module_name(nodeid: str) -> str:
    return PurePosixPath(nodeid.split("::", 1)[0]).name


class SharedFixtureScheduling(LoadScopeScheduling):
    """Load scheduling whose units are the groups above and single tests."""

    def _split_scope(self, nodeid: str) -> str:
        return SHARED_FIXTURE_GROUPS.get(module_name(nodeid), nodeid)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: unknown when xdist is not loaded (-p no:xdist)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> SharedFixtureScheduling:
    config.option.loadscopereorder = False  # keep the longest-first order the workers collected in
    return SharedFixtureScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a worker, order the tests longest module first (a stable sort: each worker collects the same)."""
    if hasattr(config, "workerinput"):
        rank = {name: index for index, name in enumerate(LONGEST_FIRST)}
        items.sort(key=lambda item: rank.get(module_name(item.nodeid), len(rank)))
