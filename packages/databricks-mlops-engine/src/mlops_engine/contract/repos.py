"""Git folders (Databricks Repos): a checkout of the project's remote inside the workspace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RepoCheckout:
    """A repo at ``path`` checked out at ``branch``."""

    repo_id: int
    path: str
    branch: str


class Repos(Protocol):
    """Creates, checks out and removes Git folders."""

    def checkout(self, url: str, path: str, branch: str, provider: str | None = None) -> RepoCheckout:
        """Create the repo at ``path`` (or reuse the one there) and check out ``branch``."""

    def remove(self, repo: RepoCheckout) -> None:
        """Delete the repo; no error if it is already gone."""
