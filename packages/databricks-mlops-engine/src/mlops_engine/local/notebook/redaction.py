"""Keeping secret values out of a local run's log in Python's own writes (``stream_redaction`` at its file
descriptors)."""

from __future__ import annotations

import contextlib
from typing import TextIO

from mlops_engine.local.secrecy.stream_redaction import REDACTED


class Redactor:
    """Remembers secret values and blanks them out of any text on its way to a log."""

    def __init__(self) -> None:
        self._values: set[str] = set()

    def add(self, value: str) -> None:
        """Treat ``value`` as secret from now on."""
        if value:
            self._values.add(value)

    def __call__(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            text = text.replace(value, REDACTED)
        return text


class RedactingStream:
    """A text stream that redacts secrets before writing to the stream it wraps."""

    def __init__(self, stream: TextIO, redact: Redactor) -> None:
        self._stream = stream
        self._redact = redact

    def write(self, text: str) -> int:
        """Write redacted; dropped when nothing reads the log any more (the run then ends itself, see ``process``)."""
        with contextlib.suppress(BrokenPipeError):
            self._stream.write(self._redact(text))
        return len(text)

    def flush(self) -> None:
        with contextlib.suppress(BrokenPipeError):
            self._stream.flush()

    def isatty(self) -> bool:
        return False
