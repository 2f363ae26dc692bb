"""Git folders (Databricks Repos) through the Repos API: ``ci --via repos`` and ``deploy --env --via repos``."""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound, ResourceAlreadyExists

from mlops_engine.contract.repos import RepoCheckout
from mlops_engine.databricks.errors import explained
from mlops_engine.errors import UserError
from mlops_engine.git import public_url

PROVIDERS_BY_HOST = {
    "github.com": "gitHub",
    "gitlab.com": "gitLab",
    "bitbucket.org": "bitbucketCloud",
    "dev.azure.com": "azureDevOpsServices",
    "visualstudio.com": "azureDevOpsServices",
}


def git_provider(url: str) -> str:
    """The Repos API provider name for a remote on a well-known host."""
    host = urlsplit(url).hostname or ""
    for known, provider in PROVIDERS_BY_HOST.items():
        if host == known or host.endswith("." + known):
            return provider
    raise UserError(f"cannot tell the git provider of {host or url!r}; set mlops.databricks.repos.provider")


class DatabricksRepos:
    """The Repos contract on a Databricks workspace."""

    def __init__(self, client: WorkspaceClient) -> None:
        self.client = client
        self.host = (client.config.host or "").rstrip("/")

    def checkout(self, url: str, path: str, branch: str, provider: str | None = None) -> RepoCheckout:
        url = public_url(url)
        provider = provider or git_provider(url)
        with explained(f"check out {url} at {branch} into {path}", self.host):
            try:
                repo_id = self.client.repos.create(url=url, provider=provider, path=path).id
            except ResourceAlreadyExists:
                found = [repo for repo in self.client.repos.list(path_prefix=path) if repo.path == path]
                if not found:
                    raise UserError(f"{path} on {self.host} exists but is not a repo; remove it or change the "
                                    "prefix") from None
                repo_id = found[0].id
            self.client.repos.update(repo_id, branch=branch)
        return RepoCheckout(int(repo_id), path, branch)

    def remove(self, repo: RepoCheckout) -> None:
        with explained(f"delete repo {repo.path}", self.host), contextlib.suppress(NotFound):
            self.client.repos.delete(repo.repo_id)
