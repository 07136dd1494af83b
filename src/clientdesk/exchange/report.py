"""What an import found: every problem with its file, line, column, value and reason.

The report is plain data for the CLI (text or --json) and the TUI to show; `write_errors`
turns it into a sheet holding each refused row as it was, plus the line and the problems,
which the user fixes and imports again (the two extra columns are ignored on re-import).
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from clientdesk.exchange.columns import ERROR_COLUMNS
from clientdesk.exchange.files import private_output

MAX_VALUE_SHOWN = 80


@dataclass(frozen=True)
class Problem:
    line: int | None  # None: the file as a whole
    column: str  # the header as written in the file; "" for the file or a whole row
    value: str
    reason: str

    def describe(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line is not None else source
        if self.column:
            shown = self.value if len(self.value) <= MAX_VALUE_SHOWN else self.value[:77] + "..."
            return f"{where}: {self.column} {shown!r} {self.reason}"
        return f"{where}: {self.reason}"


@dataclass
class ImportReport:
    entity: str
    source: str
    format: str = ""
    encoding: str | None = None
    rows: int = 0  # data rows read
    to_insert: int = 0
    to_update: int = 0
    to_skip: int = 0
    unchanged: int = 0  # of the rows to update, those that matched an identical record
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    refused_rows: dict[int, list[Any]] = field(default_factory=dict)  # line → cells as read
    batch: int | None = None  # set once written
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, line: int | None, column: str, value: Any, reason: str) -> None:
        self.problems.append(Problem(line, column, "" if value is None else str(value), reason))

    def sort(self) -> None:
        self.problems.sort(key=lambda p: (-1 if p.line is None else p.line, p.column))

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entity": self.entity,
            "file": self.source,
            "format": self.format,
            "encoding": self.encoding,
            "rows": self.rows,
            "inserted" if self.batch is not None else "to_insert": self.to_insert,
            "updated" if self.batch is not None else "to_update": self.to_update,
            "skipped" if self.batch is not None else "to_skip": self.to_skip,
            "unchanged": self.unchanged,
            "batch": self.batch,
            "dry_run": self.dry_run,
            "problems": [asdict(p) for p in self.problems],
            "warnings": self.warnings,
        }


def write_errors(report: ImportReport, path: Path) -> int:
    """Write the refused rows (or the file-level problems) as a CSV sheet; rows written."""
    by_line: dict[int | None, list[Problem]] = {}
    for problem in report.problems:
        by_line.setdefault(problem.line, []).append(problem)
    written = 0
    with private_output(path, newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow([*report.headers, *ERROR_COLUMNS])
        width = len(report.headers)
        for line in sorted(by_line, key=lambda n: -1 if n is None else n):
            cells = report.refused_rows.get(line, []) if line is not None else []
            padded = [_cell(c) for c in cells[:width]] + [""] * (width - len(cells[:width]))
            reasons = "\n".join(
                f"{p.column}: {p.reason}" if p.column else p.reason for p in by_line[line]
            )
            writer.writerow([*padded, "" if line is None else line, reasons])
            written += 1
    return written


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    # The sheet goes back into Excel: keep formula-like cells inert there too.
    from clientdesk.exchange.safety import neutralise

    return neutralise(text)
