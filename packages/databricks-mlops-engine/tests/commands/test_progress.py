"""What a person sees: whole progress lines counted in completion order, a live status line only on a terminal."""

from __future__ import annotations

import io
import threading

from mlops_engine.commands.progress import CLEAR_LINE, Console, FileProgress, RunProgress
from mlops_engine.contract.runs import RunStatus


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as sys.stdout does in an interactive shell."""

    def isatty(self) -> bool:
        return True


def test_files_finishing_on_many_threads_are_whole_lines_counted_in_order() -> None:
    stream = io.StringIO()
    progress = FileProgress(Console(stream), total=200)
    workers = [threading.Thread(target=lambda i=i: [progress(f"nb{i}-{j}") for j in range(25)]) for i in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    lines = stream.getvalue().split("\n")
    assert lines[-1] == "" and len(lines) == 201
    assert [line.split("]")[0] for line in lines[:-1]] == [f"  [{i}/200" for i in range(1, 201)]
    assert all(line.count("[") == 1 for line in lines[:-1])


def test_a_terminal_gets_one_live_line_that_a_lasting_line_replaces() -> None:
    terminal = Terminal()
    console = Console(terminal)
    progress = FileProgress(console, total=2)
    progress("a")
    progress("b")
    console("sent 2 changed")
    assert terminal.getvalue() == f"{CLEAR_LINE}  [1/2] a{CLEAR_LINE}  [2/2] b{CLEAR_LINE}sent 2 changed\n"


def test_a_ci_log_gets_plain_lines_for_status() -> None:
    log = io.StringIO()
    Console(log).status("[00:05] RUNNING")
    assert log.getvalue() == "[00:05] RUNNING\n"


def test_run_progress_writes_changes_and_a_heartbeat() -> None:
    lines: list[str] = []
    progress = RunProgress(lines.append, heartbeat=10)
    running = RunStatus("RUNNING", progress="ModelTraining cell 2/9")
    for elapsed in (0, 1, 2, 11, 12):
        progress(running, elapsed)
    progress(RunStatus("TERMINATED", "SUCCESS"), 13)
    assert lines == ["  [00:00] RUNNING · ModelTraining cell 2/9", "  [00:11] RUNNING · ModelTraining cell 2/9",
                     "  [00:13] TERMINATED"]


def test_run_progress_on_a_terminal_keeps_the_clock_live_between_changes() -> None:
    terminal = Terminal()
    progress = RunProgress(Console(terminal), heartbeat=10)
    running = RunStatus("RUNNING")
    for elapsed in (0, 1, 2):
        progress(running, elapsed)
    assert terminal.getvalue() == f"  [00:00] RUNNING\n{CLEAR_LINE}  [00:01] RUNNING{CLEAR_LINE}  [00:02] RUNNING"
