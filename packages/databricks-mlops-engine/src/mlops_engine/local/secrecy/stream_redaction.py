"""Keeping secret values out of a byte stream on its way to a log: a run's output (its Python, ``%sh``, the JVM) and
the warm Spark driver's."""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

REDACTED = "[REDACTED]"


class StreamRedactor:
    """Redacts a byte stream that arrives in pieces: a secret split across two writes is still caught.

    Only the end of the data that could still grow into a secret is held back; the rest goes out at once.
    """

    def __init__(self, values: Iterable[str]) -> None:
        self._values: list[bytes] = []
        self._pending = b""
        for value in values:
            self.add(value)

    def add(self, value: str) -> None:
        """Treat ``value`` as secret from the next piece on (a run attaching to the warm driver brings its own)."""
        encoded = value.encode()
        if encoded and encoded not in self._values:
            self._values = sorted([*self._values, encoded], key=len, reverse=True)

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
