"""A file into a Unity Catalog volume through the SDK's Files API: one clear line when it fails, the upload session
aborted on failure and on Ctrl-C or SIGTERM, and the file already there left whole.

The Files API replaces a file only when an upload completes, so a failed or interrupted upload leaves the previous
file as it was. Big files go in parts to presigned cloud-storage URLs; the SDK aborts the session when a part fails
with an ``Exception``. Parts are sent one after another from this thread (``use_parallel=False``): a signal then
interrupts the very request that hangs, and no upload thread is left running that would keep the process alive
until its network timeout (60 s).
"""

from __future__ import annotations

import logging
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from typing import NoReturn

import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import DatabricksError
from databricks.sdk.errors.platform import STATUS_CODE_MAPPING

from mlops_engine.errors import UserError

FILES_LOGGER = "databricks.sdk.mixins.files"
RETRIES_LOGGER = "databricks.sdk.retries"
ABORT_FAILED = "Failed to abort upload"
RETRYING = "Retrying: "
_STATUS_OF = {error_class: status for status, error_class in STATUS_CODE_MAPPING.items()}


class _Interrupted(Exception):  # noqa: N818 - an interruption, not an error
    """Ctrl-C or SIGTERM while uploading: an ``Exception``, so that the SDK aborts the upload session before it
    re-raises it (it lets a ``KeyboardInterrupt`` pass without aborting)."""


@contextmanager
def _interrupts_abort() -> Iterator[list[str]]:
    """Ctrl-C and SIGTERM raise ``_Interrupted`` while inside, and are listed: the SDK turns a failure while it asks
    for the first part's URL into a whole-file upload instead, so the caller checks the list once the upload is done.
    Outside the main thread signals are not ours to take."""
    received: list[str] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def interrupt(signum: int, frame: object) -> None:
        received.append(signal.Signals(signum).name)
        raise _Interrupted(received[-1])

    previous = {signum: signal.signal(signum, interrupt) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class _Collected(logging.Handler):
    """What the SDK logs during one upload, kept from the console: its retries' reasons (the error it raises at the
    end has lost them) and its warnings (a part refused, an abort that failed), for the one error line."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    @property
    def last_retry_reason(self) -> str:
        """Why the last retry was made, as the SDK put it (``cannot connect``, ``retryable exception ...``)."""
        reasons = [m.removeprefix(RETRYING).rsplit(" (sleeping", 1)[0] for m in self.messages if m.startswith(RETRYING)]
        return reasons[-1] if reasons else ""

    @property
    def abort_failed(self) -> bool:
        return any(message.startswith(ABORT_FAILED) for message in self.messages)


@contextmanager
def _sdk_log() -> Iterator[_Collected]:
    collected = _Collected()
    loggers = {logging.getLogger(name): level for name, level in ((FILES_LOGGER, logging.WARNING),
                                                                  (RETRIES_LOGGER, logging.DEBUG))}
    saved = [(logger, logger.level, logger.propagate) for logger in loggers]
    for logger, level in loggers.items():
        logger.addHandler(collected)
        logger.setLevel(level)
        logger.propagate = False
    try:
        yield collected
    finally:
        for logger, level, propagate in saved:
            logger.removeHandler(collected)
            logger.setLevel(level)
            logger.propagate = propagate


def _what_failed(error: Exception, retry_reason: str) -> str:
    """The failure in words: for a call given up after retries, why it was retried (a dropped connection, a status,
    no answer); else the error itself."""
    status = re.search(r"status_code:\s*(\d+)", retry_reason)
    if retry_reason == "cannot connect":
        said = "the connection to cloud storage was dropped or refused"
    elif retry_reason == "timeout":
        said = "cloud storage stopped answering (network timeout)"
    elif status:
        said = f"cloud storage answered HTTP {status.group(1)}"
    elif retry_reason:
        said = f"cloud storage failed ({retry_reason})"
    elif isinstance(error, DatabricksError):
        code = _STATUS_OF.get(type(error))
        return f"cloud storage answered {f'HTTP {code}' if code else type(error).__name__}"
    else:
        return f"{type(error).__name__}: {error}"
    return f"{said}, also when retried ({error})"


def upload_to_volume(client: WorkspaceClient, location: str, content: bytes, host: str) -> None:
    """Put ``content`` at ``location`` in a volume, overwriting only once it is all there."""
    with _sdk_log() as logged:
        try:
            with _interrupts_abort() as received:
                client.files.upload(location, BytesIO(content), overwrite=True, use_parallel=False)
            if received:
                raise _Interrupted(received[0])
        except _Interrupted:
            raise KeyboardInterrupt from None
        except DatabricksError as error:
            if error.error_code:  # the workspace's own answer (no such volume, no permission): the caller explains it
                raise
            _refuse(error, location, host, logged)
        except (RuntimeError, TimeoutError, ValueError, requests.RequestException) as error:
            _refuse(error, location, host, logged)


def _refuse(error: Exception, location: str, host: str, logged: _Collected) -> NoReturn:
    """Raise the upload's failure as one line: what failed, and that the file there is unchanged."""
    session = "; its upload session could not be aborted and expires on its own" if logged.abort_failed else ""
    raise UserError(f"could not upload library {location} on {host}: {_what_failed(error, logged.last_retry_reason)}; "
                    f"the upload did not complete, so {location} is as it was{session}; try again") from None
