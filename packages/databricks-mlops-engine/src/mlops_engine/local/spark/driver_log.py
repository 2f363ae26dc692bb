"""The warm Spark driver's log (``.spark-driver/driver.log``), redacted of the secrets of every run attached to it.

The driver outlives the runs that use it: what its JVM and its Python workers write (a UDF's print, the traceback
of a UDF that failed) holds whatever the runs' notebooks gave them. The driver's process sends its own output and
its children's through a redactor on the way to the log (``redirect_output``); a run attaching to it first tells
it the values to blank out (``register_secrets``) through a named pipe in the driver's folder (mode 0600; values
travel through the kernel, never a file). The driver reads registrations before each piece of output, so a value
registered before the run's first job is blanked out of everything that job writes.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import stat
import threading
from collections.abc import Iterable
from pathlib import Path

from mlops_engine.local.secrecy.environment import secret_values
from mlops_engine.local.secrecy.stream_redaction import StreamRedactor

REGISTRY = "secrets.fifo"


def redirect_output(driver_dir: Path) -> None:
    """Send what this process and the children it starts from now on write (stdout, stderr) to the log it was
    started with, redacted; open the registry runs tell their secrets through."""
    registry = driver_dir / REGISTRY
    registry.unlink(missing_ok=True)
    os.mkfifo(registry, 0o600)
    registrations = os.open(registry, os.O_RDWR | os.O_NONBLOCK)  # read and write: no end-of-file between runs
    log = os.dup(1)
    output, writer = os.pipe()
    os.dup2(writer, 1)
    os.dup2(writer, 2)
    os.close(writer)
    redactor = StreamRedactor(secret_values(os.environ))
    threading.Thread(target=_pump, args=(output, registrations, log, redactor), name="driver-log",
                     daemon=True).start()


def register_secrets(driver_dir: Path, values: Iterable[str]) -> None:
    """Tell the warm driver in ``driver_dir`` the values to blank out of its log (nothing when none serves)."""
    try:
        registry = os.open(driver_dir / REGISTRY, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:  # no driver reading it (ENXIO), or none ever started
        return
    try:
        if not stat.S_ISFIFO(os.fstat(registry).st_mode):
            return  # never write secrets into a file put in the registry's place
        os.set_blocking(registry, True)
        for value in values:
            os.write(registry, json.dumps(value).encode() + b"\n")  # one line a write: whole between writers
    finally:
        os.close(registry)


def _pump(output: int, registrations: int, log: int, redactor: StreamRedactor) -> None:
    """Copy ``output`` to ``log`` through ``redactor``, taking in registrations before each piece."""
    partial = b""
    while True:
        ready, _, _ = select.select([output, registrations], [], [])
        partial = _take_registrations(registrations, partial, redactor)
        if output in ready:
            chunk = os.read(output, 65536)
            if not chunk:
                break
            _write(log, redactor.feed(chunk))
    _write(log, redactor.finish())


def _take_registrations(registrations: int, partial: bytes, redactor: StreamRedactor) -> bytes:
    """Add every whole line waiting in the registry to ``redactor``; return the start of a line still coming."""
    while True:
        try:
            data = os.read(registrations, 65536)
        except BlockingIOError:
            break
        if not data:
            break
        partial += data
    *lines, partial = partial.split(b"\n")
    for line in lines:
        with contextlib.suppress(ValueError):
            value = json.loads(line)
            if isinstance(value, str):
                redactor.add(value)
    return partial


def _write(log: int, data: bytes) -> None:
    """Write all of ``data``; a log that cannot take it (a full disk) loses it rather than stall the JVM."""
    with contextlib.suppress(OSError):
        while data:
            data = data[os.write(log, data):]
