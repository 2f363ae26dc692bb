"""Compute a target keeps up between runs, as a workspace keeps a cluster running."""

from __future__ import annotations

from typing import Protocol


class WarmCompute(Protocol):
    """What runs of a target attach to; ``ci`` starts it before its tests so the run finds it up."""

    used_by_runs: bool
    """Whether runs attach to it (the local target's ``warm_spark`` setting); when not, nothing starts it."""

    def start_in_background(self) -> bool:
        """Start it without waiting; False when it was already up or starting (the caller does not own it)."""
        ...

    def still_up_note(self) -> str | None:
        """What keeps running after the command and how to stop it; None when nothing runs."""
        ...

    def stop(self) -> bool:
        """Stop it and wait for it to end; False when none was up."""
        ...

    def stop_when_unused(self) -> bool:
        """Stop it once no run uses it: now when none does, else after the last one (a run of another command
        attached to it goes on); whether it is down now."""
        ...
