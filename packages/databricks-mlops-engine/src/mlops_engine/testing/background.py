"""A value made on a thread as soon as it is known to be needed (a JVM, a server), awaited only when used."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Background[T]:
    """``make()`` run once on a daemon thread from ``start``; ``result`` waits for it and re-raises its error."""

    def __init__(self, make: Callable[[], T], name: str) -> None:
        self._make = make
        self._name = name
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._make()
        except BaseException as error:  # noqa: BLE001 - re-raised in the test that asks for the value
            self._error = error

    def result(self) -> T:
        self.start()
        assert self._thread is not None
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value

    def made(self) -> T | None:
        """The value once made (after waiting for a start under way), else None: for clean-up at the end."""
        if self._thread is None:
            return None
        self._thread.join()
        return self._value
