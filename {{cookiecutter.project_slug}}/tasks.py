"""Project tasks: `invoke --list` shows them, `invoke <task> --help` their arguments.

They come from the databricks-mlops-engine package pinned in requirements-dev.txt; settings from invoke.yaml
(only what differs from the engine's defaults) with your git-ignored invoke.local.yaml over it. Add the
project's own tasks beside them: define a function with @task, then ``ns.add_task(it)``.
"""

from mlops_engine.tasks import ns

__all__ = ["ns"]
