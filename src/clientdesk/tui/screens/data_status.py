"""What the Data screen shows, read off the UI thread: the database, its backups, the
imports made into it and the spread of grades.

Every query here is cheap on a database of 100,000 customers and a million visits: counts
answered from the smallest index, a grouped count over the grade index, a handful of
manifests in the backup folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Table, func, select
from sqlmodel import SQLModel, col

from clientdesk.config import default_backup_dir
from clientdesk.domain.customer import Customer
from clientdesk.domain.enums import Grade
from clientdesk.domain.grading import GradeAssessment
from clientdesk.exchange.batches import Batch, list_batches
from clientdesk.storage import migrate
from clientdesk.storage.backup import BackupEntry, last_good_backup, list_backups
from clientdesk.storage.database import Database, read_meta, translate_errors
from clientdesk.storage.inspect import file_size
from clientdesk.tui.context import AppContext

# The tables a user thinks of as "their data", in the order the screen lists them.
MAIN_TABLES = (
    ("customers", "Customers 客户"),
    ("contacts", "Contacts 联系人"),
    ("interactions", "Interactions 服务记录"),
    ("transactions", "Transactions 交易"),
    ("visits", "Visits 拜访"),
    ("contracts", "Contracts 合同"),
    ("complaints", "Complaints 投诉"),
    ("grade_assessments", "Grade changes 评级记录"),
)
RECENT_BATCHES = 4


def shown_path(path: Path) -> str:
    """A path as a user reads it: ~ for the home folder."""
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def human_size(size: int | None) -> str:
    if size is None:
        return "—"
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size:,} bytes" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class DatabaseSummary:
    location: str
    backend: str
    size_bytes: int | None
    revision: str | None
    head: str
    counts: dict[str, int]
    grades: dict[str, int]
    fixed: int
    a_without_owner: int
    last_grading: datetime | None
    batches: list[Batch] = field(default_factory=list)  # newest first
    batch_count: int = 0
    imports_supported: bool = True

    @property
    def up_to_date(self) -> bool:
        return self.revision == self.head


def read_summary(database: Database) -> DatabaseSummary:
    """Path, size, schema revision, row counts, grades and recent imports."""
    tables = SQLModel.metadata.tables
    with translate_errors(database.label), database.engine.connect() as conn:
        counts = {}
        for name, _ in MAIN_TABLES:
            table: Table = tables[name]
            counts[name] = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        grade_column = col(Customer.grade)
        grades = {g.value: 0 for g in Grade}
        for grade, n in conn.execute(
            select(grade_column, func.count()).group_by(grade_column)
        ).all():
            grades[str(getattr(grade, "value", grade))] = int(n)
        fixed = conn.execute(
            select(func.count()).select_from(Customer).where(col(Customer.grade_fixed))
        ).scalar_one()
        orphans = conn.execute(
            select(func.count())
            .select_from(Customer)
            .where(grade_column == Grade.A, col(Customer.owner).is_(None))
        ).scalar_one()
        last_grading = conn.execute(
            select(func.max(col(GradeAssessment.assessed_at))).where(
                col(GradeAssessment.manual).is_(False)
            )
        ).scalar_one()
        revision = migrate.current_revision(conn)
        backend = database.engine.dialect.name
    sqlite = backend == "sqlite"
    batches = list_batches(database) if sqlite else []
    if isinstance(last_grading, str):  # a bare aggregate comes back as SQLite's text
        last_grading = datetime.fromisoformat(last_grading)
    if last_grading is not None and last_grading.tzinfo is None:
        last_grading = last_grading.replace(tzinfo=UTC)
    return DatabaseSummary(
        location=shown_path(database.path) if database.path else database.label,
        backend=backend,
        size_bytes=file_size(database.path) if database.path else None,
        revision=revision,
        head=migrate.head_revision(),
        counts=counts,
        grades=grades,
        fixed=int(fixed),
        a_without_owner=int(orphans),
        last_grading=last_grading,
        batches=list(reversed(batches))[:RECENT_BATCHES],
        batch_count=len(batches),
        imports_supported=sqlite,
    )


@dataclass(frozen=True)
class BackupState:
    folder: Path
    supported: bool
    entries: list[BackupEntry] = field(default_factory=list)  # newest first
    last_good: BackupEntry | None = None
    source: str = ""  # the database backed up, as manifests name it

    def of_this_database(self, entry: BackupEntry) -> bool:
        return entry.manifest is None or entry.manifest.source == self.source


def read_backups(ctx: AppContext) -> BackupState:
    """The backups in the backup folder, and the newest good one of this database."""
    folder = default_backup_dir(ctx.settings)
    path = ctx.database.path
    if path is None:
        return BackupState(folder=folder, supported=False)
    entries = list_backups(folder)
    return BackupState(
        folder=folder,
        supported=True,
        entries=list(reversed(entries)),
        last_good=last_good_backup(folder, source=path),
        source=str(path.expanduser().resolve()),
    )


def backup_age(last: BackupEntry | None, now: datetime) -> timedelta | None:
    created = last.created_at if last else None
    return now - created if created else None


def backup_overdue(last: BackupEntry | None, now: datetime, warn_after_days: int) -> bool:
    """True when there is no good backup, or the last one is older than the setting."""
    age = backup_age(last, now)
    return age is None or age > timedelta(days=warn_after_days)


def age_words(age: timedelta) -> str:
    days = age.days
    if days >= 2:
        return f"{days:,} days ago"
    if days == 1:
        return "1 day ago"
    hours = int(age.total_seconds() // 3600)
    if hours >= 1:
        return f"{hours} h ago"
    minutes = int(age.total_seconds() // 60)
    return f"{minutes} min ago" if minutes >= 1 else "just now"


def created_at(database: Database) -> datetime | None:
    """When the database was made (clientdesk_meta), or None when it does not say."""
    value = read_meta(database).get("created_at")
    try:
        moment = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def backup_reminder(ctx: AppContext, *, key: str) -> str | None:
    """Housekeeping: a warning when the database has gone unprotected too long, else None.

    Unprotected means since its last good backup, or since it was made when it has none:
    a database started today is not nagged about, one used for a week without a backup is.
    `key` is the key of the Data screen, named in the message. PostgreSQL databases are
    backed up with their own tools, so they get no reminder.
    """
    if ctx.database.path is None:
        return None
    state = read_backups(ctx)
    days = ctx.settings.backup.warn_after_days
    now = ctx.now()
    how = f"Press {key}, then b, to back up now."
    age = backup_age(state.last_good, now)
    if age is None:
        made = created_at(ctx.database)
        if made is not None and now - made <= timedelta(days=days):
            return None
        since = (
            f" in the {age_words(now - made).removesuffix(' ago')} since it was made"
            if made
            else ""
        )
        return f"This database has had no backup{since}. {how}"
    if age <= timedelta(days=days):
        return None
    return (
        f"The last good backup of this database is {age_words(age)} "
        f"(backup.warn_after_days is {days}). {how}"
    )
