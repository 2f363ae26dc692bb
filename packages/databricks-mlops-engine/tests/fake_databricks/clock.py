"""A clock for ``wait_for_run`` whose time passes only when slept."""

from __future__ import annotations


class FakeClock:
    """Time that passes only when slept: a 25-minute wait takes no time at all."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
