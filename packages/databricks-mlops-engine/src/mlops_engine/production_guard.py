"""What only a release may do with production: ship a commit, and only one on the release branch.

The branch a release names comes from ``--branch`` or a pipeline's variables (``BUILD_SOURCEBRANCHNAME``): a claim,
which anyone can set by hand on a laptop. Git's history of the release branch is what says a commit was merged.
"""

from __future__ import annotations

from pathlib import Path

from mlops_engine.errors import UserError
from mlops_engine.git import branch_refs, is_ancestor
from mlops_engine.pipeline_variables import in_pipeline, pipeline_sha


def check_release_commit(project_dir: Path, commit: str, release_branch: str, environment: str) -> None:
    """Refuse a commit that is not on ``release_branch`` (locally or as origin's). A checkout that knows no ref of
    the branch (a pipeline's shallow fetch of one commit) may release only the commit its pipeline builds."""
    if branch_refs(project_dir, release_branch):
        if is_ancestor(project_dir, commit, release_branch):
            return
    elif in_pipeline() and pipeline_sha() == commit:
        return
    raise UserError(f"{commit[:10]} is not on {release_branch}, whatever the branch variables say; {environment} "
                    f"takes only commits merged into {release_branch}: merge and release from there (or --force)")
