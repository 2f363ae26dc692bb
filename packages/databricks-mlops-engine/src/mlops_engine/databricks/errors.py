"""Databricks failures turned into one line a user can act on, by the SDK's typed errors; never a secret."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import requests
from databricks.sdk.errors import (
    DatabricksError,
    PermissionDenied,
    ResourceExhausted,
    TooManyRequests,
    Unauthenticated,
)

from mlops_engine.errors import UserError


def gave_up(error: TimeoutError, budget_seconds: float | None) -> str:
    """What the SDK's retries met until its retry budget ran out, in words: an outage is not a wrong host."""
    cause = error.__cause__ or error.__context__
    budget = f"{budget_seconds:g} s" if budget_seconds else "the retry budget"
    if isinstance(cause, DatabricksError):
        status = getattr(cause, "error_code", None) or type(cause).__name__
        return (f"the workspace kept answering {status} ({cause}) for {budget} of retries: an outage or "
                "throttling on its side; try again later")
    if isinstance(cause, requests.Timeout):
        return f"no answer within the HTTP timeout, retried for {budget}: check the network, then try again"
    return f"cannot reach the host (retried for {budget}): check the host, then try again later"


def _permission_advice(action: str) -> str:
    if action.startswith(("submit", "cancel", "start")) or "run" in action.split():
        return "ask a workspace admin for permission to create runs and to attach to or create the cluster"
    return "ask a workspace admin for CAN MANAGE on the folder"


@contextmanager
def explained(action: str, host: str) -> Iterator[None]:
    """Re-raise what went wrong while doing ``action`` on ``host`` as a UserError naming both."""
    try:
        yield
    except Unauthenticated:
        raise UserError(
            f"{host} did not accept the credentials while trying to {action}: set DATABRICKS_TOKEN again "
            "or run `databricks auth login`"
        ) from None
    except PermissionDenied as error:
        raise UserError(
            f"no permission to {action} on {host} ({error}): {_permission_advice(action)}"
        ) from None
    except (ResourceExhausted, TooManyRequests) as error:
        raise UserError(f"quota or rate limit exceeded on {host} while trying to {action}: {error}") from None
    except DatabricksError as error:
        if error.error_code == "QUOTA_EXCEEDED":
            raise UserError(f"quota exceeded on {host} while trying to {action}: {error}") from None
        raise UserError(f"could not {action} on {host}: {error.error_code or 'error'}: {error}") from None
    except TimeoutError as error:
        raise UserError(f"could not {action} on {host}: {gave_up(error, None)}") from None
    except requests.ConnectionError:
        raise UserError(f"cannot reach {host} to {action}: check DATABRICKS_HOST or the profile's host") from None
