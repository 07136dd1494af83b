"""The progress bar of long commands (import, export, demo, db copy)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from clientdesk.cli.root import err


@contextlib.contextmanager
def progress_bar(quiet: bool, *, label_width: int = 10, counts: bool = False) -> Iterator[Any]:
    """A rich progress bar on stderr when it is a terminal; yields the callback
    `report(stage, done, total)`, or None when there is no bar to show (the work then skips
    what only a bar needs). One bar per stage; `counts` shows done/total instead of a
    percentage."""
    if quiet or not err.is_terminal:  # scripts and pipes: not even rich.progress is loaded
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    amount = (
        TextColumn("{task.completed:>10,}/{task.total:<10,}")
        if counts
        else TextColumn("{task.percentage:>3.0f}%")
    )
    with Progress(
        TextColumn(f"{{task.description:<{label_width}}}"),
        BarColumn(),
        amount,
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        tasks: dict[str, Any] = {}

        def report(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield report
