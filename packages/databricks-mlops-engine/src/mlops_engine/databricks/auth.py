"""A WorkspaceClient from databricks-sdk's unified auth, checked before anything is written.

No own scheme: DATABRICKS_HOST + DATABRICKS_TOKEN, a profile of ~/.databrickscfg, OAuth M2M
(DATABRICKS_CLIENT_ID/SECRET) or an Azure service principal (ARM_CLIENT_ID/SECRET/TENANT_ID), as the SDK
resolves them. Messages name the host and profile, never a secret.
"""

from __future__ import annotations

import configparser
import contextlib
import logging
import os
from pathlib import Path

import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk.config import Config
from databricks.sdk.errors import DatabricksError, PermissionDenied, Unauthenticated

from mlops_engine.databricks.errors import gave_up
from mlops_engine.errors import UserError

PRODUCT = "databricks-mlops-engine"
WHAT_TO_SET = (
    "set DATABRICKS_HOST and DATABRICKS_TOKEN, pass --profile NAME of ~/.databrickscfg, or set ARM_CLIENT_ID, "
    "ARM_CLIENT_SECRET and ARM_TENANT_ID (Azure service principal) or DATABRICKS_CLIENT_ID and "
    "DATABRICKS_CLIENT_SECRET (OAuth service principal)"
)

PROBE_SECONDS = 10.0


def _config_file() -> Path:
    return Path(os.environ.get("DATABRICKS_CONFIG_FILE") or Path.home() / ".databrickscfg").expanduser()


def _profiles() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    with contextlib.suppress(configparser.Error):
        parser.read(_config_file())
    return parser


def _host_tried(profile: str | None) -> str:
    """The host the SDK would have used, for messages: the environment's, else the profile's."""
    if os.environ.get("DATABRICKS_HOST"):
        return os.environ["DATABRICKS_HOST"]
    parser = _profiles()
    section = profile or os.environ.get("DATABRICKS_CONFIG_PROFILE") or "DEFAULT"
    return parser.get(section, "host", fallback="") if section == "DEFAULT" or parser.has_section(section) else ""


def _where(host: str, profile: str | None) -> str:
    return f"host {host or '(not set)'}, profile {profile or '(none)'}"


class _HostMetadataNoise(logging.Filter):
    """The SDK's host-metadata lookup is best effort; its failure says nothing a user can act on."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to automatically resolve config from host metadata")


logging.getLogger("databricks.sdk").addFilter(_HostMetadataNoise())


def probe(host: str, seconds: float = PROBE_SECONDS) -> None:
    """One plain request to ``host``: a UserError naming the cause when nothing answers within ``seconds``.

    The SDK retries connection failures until its retry budget ends (minutes); a wrong host must fail at once.
    Any HTTP answer, even an error status, means the host is there.
    """
    url = host if "://" in host else f"https://{host}"
    try:
        requests.get(url, timeout=(seconds / 2, seconds / 2), allow_redirects=False)
    except requests.ConnectTimeout:
        raise UserError(f"cannot reach {host}: no connection within {seconds / 2:g} s; check the host") from None
    except requests.ReadTimeout:
        raise UserError(f"{host} accepted the connection but did not answer within {seconds / 2:g} s: is it a "
                        "Databricks workspace? check the host") from None
    except requests.ConnectionError as error:
        reason = "its name does not resolve" if "NameResolution" in repr(error) or "gaierror" in repr(error) \
            else "the connection was refused or dropped"
        raise UserError(f"cannot reach {host} ({reason}): check the host (DATABRICKS_HOST or the profile's)") from None
    except requests.RequestException as error:
        raise UserError(f"cannot reach {host} ({type(error).__name__}): check the host") from None


def connect(profile: str | None = None, *, retry_timeout_seconds: int = 120, pool_size: int = 64,
            probe_seconds: float = PROBE_SECONDS) -> WorkspaceClient:
    """A client whose credentials the workspace has just accepted (one ``current_user.me`` call).

    ``pool_size`` connections are kept per host, at least the upload parallelism (else urllib3 warns).
    """
    profile = profile or None
    if profile and profile not in _profiles():
        known = ", ".join(_profiles().sections()) or "none"
        raise UserError(f"profile {profile!r} is not in {_config_file()} (profiles there: {known}); {WHAT_TO_SET}")
    if _host_tried(profile):
        probe(_host_tried(profile).rstrip("/"), probe_seconds)
    try:
        config = Config(profile=profile, retry_timeout_seconds=retry_timeout_seconds, product=PRODUCT,
                        max_connection_pools=pool_size, max_connections_per_pool=pool_size)
    except ValueError:
        raise UserError(f"no usable Databricks credentials ({_where(_host_tried(profile), profile)}): {WHAT_TO_SET}") \
            from None
    client = WorkspaceClient(config=config)
    check_credentials(client, profile)
    return client


def check_credentials(client: WorkspaceClient, profile: str | None = None) -> str:
    """The user name the workspace knows these credentials by; a UserError when it refuses them."""
    host = (client.config.host or "").rstrip("/")
    try:
        return client.current_user.me().user_name or ""
    except (Unauthenticated, PermissionDenied):
        raise UserError(
            f"{host} rejected the credentials ({client.config.auth_type} auth, {_where(host, profile)}): "
            f"the token or secret is wrong or expired; {WHAT_TO_SET}"
        ) from None
    except TimeoutError as error:
        raise UserError(f"{host} ({_where(host, profile)}): {gave_up(error, client.config.retry_timeout_seconds)}") \
            from None
    except requests.ConnectionError:
        raise UserError(f"cannot reach {host} ({_where(host, profile)}): check the host; {WHAT_TO_SET}") from None
    except (DatabricksError, ValueError) as error:
        raise UserError(f"{host} refused to identify the caller ({_where(host, profile)}): {type(error).__name__}; "
                        f"{WHAT_TO_SET}") from None
