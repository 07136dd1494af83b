"""The words of the Data screen's panels, built from what data_status read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import App

from clientdesk.storage.backup import BackupResult
from clientdesk.tui.formatting import local_time
from clientdesk.tui.screens.data_status import (
    MAIN_TABLES,
    BackupState,
    DatabaseSummary,
    age_words,
    backup_age,
    backup_overdue,
    human_size,
    shown_path,
)


@dataclass(frozen=True)
class Colours:
    """Theme colours for the panels' good and bad news (every theme has its own)."""

    error: str = "red"
    warning: str = "yellow"
    success: str = "green"

    @classmethod
    def of(cls, app: App[Any]) -> Colours:
        theme = app.current_theme
        return cls(
            error=theme.error or cls.error,
            warning=theme.warning or cls.warning,
            success=theme.success or cls.success,
        )


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True, min_width=6)
    grid.add_column(overflow="fold")  # a long path wraps rather than losing its file name
    return grid


def database_panel(summary: DatabaseSummary) -> RenderableType:
    facts = _grid()
    facts.add_row("File", Text(summary.location, overflow="fold"))
    engine = "SQLite" if summary.backend == "sqlite" else summary.backend
    facts.add_row("Engine", f"{engine}  ·  size {human_size(summary.size_bytes)}")
    state = "up to date" if summary.up_to_date else f"program expects {summary.head}"
    facts.add_row("Schema", f"revision {summary.revision or '—'} ({state})")
    counts = Table.grid(padding=(0, 2))
    counts.add_column(style="dim", no_wrap=True, overflow="ellipsis")
    counts.add_column(justify="right", no_wrap=True)
    for name, label in MAIN_TABLES:
        counts.add_row(label, f"{summary.counts.get(name, 0):,}")
    return Group(facts, Text(""), counts)


def backup_lines(
    state: BackupState, *, now: datetime, zone: tzinfo, warn_days: int, colours: Colours
) -> Text:
    """The last good backup and where backups go; a warning when it is too old or missing."""
    if not state.supported:
        return Text(
            "This database is not a SQLite file: clientdesk cannot back it up.\n"
            "Use the server's own tools, e.g. pg_dump -Fc -f clientdesk.dump DBNAME.",
            style="dim",
        )
    text = Text()
    last = state.last_good
    age = backup_age(last, now)
    if last is None or age is None:
        text.append(
            "⚠ No backup of this database yet. Press b to back up now.",
            style=f"bold {colours.error}",
        )
    else:
        when = local_time(last.created_at, zone)
        line = f"Last good backup {when} ({age_words(age)})"
        if backup_overdue(last, now, warn_days):
            text.append(
                f"⚠ {line}: older than {warn_days} days. Press b.", style=f"bold {colours.error}"
            )
        else:
            text.append("✓ ", style=colours.success)
            text.append(line)
    text.append("\n")
    text.append("Folder ", style="dim")
    text.append(shown_path(state.folder))
    return text


def backup_result(result: BackupResult, colours: Colours) -> Text:
    manifest = result.manifest
    check = "integrity check passed" if manifest.integrity == "ok" else "quick check passed"
    text = Text()
    text.append("✓ ", style=colours.success)
    text.append(
        f"Backed up to {result.path.name} ({human_size(manifest.size)}), {check}, "
        f"in {result.seconds:.1f} s."
    )
    for warning in result.warnings:
        text.append(f"\n⚠ {warning}", style=colours.warning)
    return text


def import_lines(summary: DatabaseSummary, zone: tzinfo) -> Text:
    text = Text()
    text.append("i", style="bold")
    text.append(
        "  Import customers, contacts, records, contracts or complaints from CSV, TSV, XLSX "
        "or JSON: the file is checked first, then written in one go or not at all.\n"
    )
    if not summary.imports_supported:
        text.append("Imports write to SQLite databases only.", style="dim")
        return text
    if not summary.batches:
        text.append("No imports into this database yet.", style="dim")
        return text
    text.append(f"Recent imports ({summary.batch_count:,}):\n", style="dim")
    for batch in summary.batches:
        counts = ", ".join(f"{n:,} {table}" for table, n in batch.as_dict()["inserted"].items())
        when = _batch_time(batch.at, zone)
        state = "  (undone)" if batch.undone else ""
        name = shown_path_text(batch.source)
        text.append(f"  #{batch.number} {when} {batch.entity} {name}: ")
        text.append(counts or "nothing inserted")
        if batch.updated:
            text.append(f", {batch.updated:,} updated")
        text.append(state + "\n", style="dim")
    newest = summary.batches[0].number
    text.append(f"Undo one with  clientdesk import undo {newest}", style="dim")
    return text


def shown_path_text(source: str) -> str:
    return Path(source).name if source not in ("", "<stdin>") else source


def _batch_time(at: str, zone: tzinfo) -> str:
    try:
        moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return at[:16]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return local_time(moment, zone)


def grading_lines(
    summary: DatabaseSummary, *, now: datetime, zone: tzinfo, colours: Colours
) -> Text:
    text = Text()
    text.append("g", style="bold")
    text.append(
        "  Re-evaluate every customer's grade: a dry run shows what would move, "
        "then Apply records it.\n"
    )
    total = sum(summary.grades.values())
    text.append("Grades  ", style="dim")
    for grade, n in summary.grades.items():
        share = f" ({100 * n / total:.0f}%)" if total else ""
        text.append(f"{grade} ", style="bold")
        text.append(f"{n:,}{share}  ")
    text.append("\n")
    text.append("Fixed by hand ", style="dim")
    text.append(f"{summary.fixed:,}")
    text.append("   A without an account manager ", style="dim")
    bad = f"bold {colours.error}" if summary.a_without_owner else ""
    text.append(f"{summary.a_without_owner:,}", style=bad)
    text.append("\nLast moved by re-evaluation ", style="dim")
    last = summary.last_grading
    if last is None:
        text.append("never")
    else:
        text.append(f"{local_time(last, zone)} ({age_words(now - last)})")
    return text
