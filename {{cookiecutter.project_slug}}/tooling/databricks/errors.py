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

from ..errors import UserError


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
            f"no permission to {action} on {host} ({error}): ask a workspace admin for CAN MANAGE on the folder"
        ) from None
    except (ResourceExhausted, TooManyRequests) as error:
        raise UserError(f"quota or rate limit exceeded on {host} while trying to {action}: {error}") from None
    except DatabricksError as error:
        if error.error_code == "QUOTA_EXCEEDED":
            raise UserError(f"quota exceeded on {host} while trying to {action}: {error}") from None
        raise UserError(f"could not {action} on {host}: {error.error_code or 'error'}: {error}") from None
    except TimeoutError:
        raise UserError(
            f"{host} could not be reached or kept failing while trying to {action} (retried until the retry "
            "timeout): check the host, then try again later"
        ) from None
    except requests.ConnectionError:
        raise UserError(f"cannot reach {host} to {action}: check DATABRICKS_HOST or the profile's host") from None
