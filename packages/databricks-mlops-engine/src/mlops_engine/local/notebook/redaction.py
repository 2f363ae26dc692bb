"""Keeping secret values out of a local run's log: at the run's file descriptors, and in Python's own writes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO, TextIO

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


class StreamRedactor:
    """Redacts a byte stream that arrives in pieces: a secret split across two writes is still caught.

    Only the end of the data that could still grow into a secret is held back; the rest goes out at once.
    """

    def __init__(self, values: Iterable[str]) -> None:
        self._values = sorted({value.encode() for value in values if value}, key=len, reverse=True)
        self._pending = b""

    def feed(self, chunk: bytes) -> bytes:
        """What of the data so far can be written, redacted."""
        data = self._pending + chunk
        for value in self._values:
            data = data.replace(value, REDACTED.encode())
        held = self._held(data)
        self._pending = data[len(data) - held:] if held else b""
        return data[: len(data) - held]

    def finish(self) -> bytes:
        """The rest, at the end of the stream."""
        rest, self._pending = self._pending, b""
        return rest

    def _held(self, data: bytes) -> int:
        longest = min(len(data), max((len(value) for value in self._values), default=1) - 1)
        for size in range(longest, 0, -1):
            if any(value.startswith(data[-size:]) for value in self._values):
                return size
        return 0


def pump(source: BinaryIO, sink: BinaryIO, redactor: StreamRedactor) -> None:
    """Copy ``source`` to ``sink`` through ``redactor`` until ``source`` ends."""
    while chunk := source.read1(65536) if hasattr(source, "read1") else source.read(65536):
        sink.write(redactor.feed(chunk))
        sink.flush()
    sink.write(redactor.finish())
    sink.flush()
