"""Keeping secret values out of a local run's log: every value a notebook fetched is blanked out."""

from __future__ import annotations

from typing import TextIO

REDACTED = "[REDACTED]"


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
        self._stream.write(self._redact(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return False
