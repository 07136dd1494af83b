"""`clientdesk export visits --format ics`: the visit calendar from the export command, read
back with the icalendar library; the same file `clientdesk visits export` writes."""

from __future__ import annotations

import csv
import io
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from sqlmodel import Session
from typer.testing import CliRunner

from clientdesk.cli import app
from clientdesk.domain.enums import Grade
from clientdesk.domain.visits import cancel_visit, plan_visit
from clientdesk.exchange.ics import database_key, visit_uid
from clientdesk.storage.database import open_database
from test_visits_support import ZONE, local, make_customer

runner = CliRunner()
NOW = datetime.now(UTC)  # the CLI runs on the real clock: visits are planned from today
TODAY = NOW.astimezone(ZONE).date()


@pytest.fixture
def db(tmp_path: Path) -> dict[str, Any]:
    """Two customers of two account managers, with visits before, inside and after a range."""
    path = tmp_path / "visits.db"
    database = open_database(str(path))
    with Session(database.engine) as s:
        first = make_customer(s, "北京华信科技有限公司", grade=Grade.A, owner="王芳")
        second = make_customer(s, "上海蓝石汽车配件有限公司", grade=Grade.B, owner="张伟")
        assert first.id is not None and second.id is not None

        def plan(customer_id: int, days: int, hour: int, purpose: str) -> int:
            visit = plan_visit(
                session=s,
                customer_id=customer_id,
                planned_at=local(TODAY + timedelta(days=days), hour),
                purpose=purpose,
                actor="tester",
                now=NOW,
            )
            assert visit.id is not None
            return visit.id

        ids = {
            "soon": plan(first.id, 3, 14, "季度回顾"),
            "later": plan(second.id, 10, 9, "交货确认"),
            "far": plan(first.id, 40, 10, "年度规划"),
            "cancelled": plan(second.id, 5, 16, "取消的"),
        }
        cancel_visit(ids["cancelled"], session=s, actor="tester", now=NOW)
        key = database_key(s)
        s.commit()
    database.dispose()
    return {"path": str(path), "ids": ids, "key": key}


def run(db: dict[str, Any], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db["path"], *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def uids(db: dict[str, Any], *names: str) -> set[str]:
    return {visit_uid(db["ids"][name], db["key"]) for name in names}


def events(data: bytes) -> dict[str, Any]:
    return {str(e["UID"]): e for e in Calendar.from_ical(data).walk("VEVENT")}


def test_export_visits_as_ics_reads_back_field_by_field(db: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "plans.ics"
    code, _, err = run(db, "export", "visits", "--format", "ics", "--out", str(target))
    assert code == 0, err
    assert "Exported 4 visits" in err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    cal = Calendar.from_ical(target.read_bytes())
    assert [str(z["TZID"]) for z in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    found = events(target.read_bytes())
    assert set(found) == uids(db, "soon", "later", "far", "cancelled")
    soon = found[visit_uid(db["ids"]["soon"], db["key"])]
    assert soon["DTSTART"].dt == local(TODAY + timedelta(days=3), 14)
    assert soon["DTSTART"].dt.tzinfo is not None
    assert str(soon["SUMMARY"]) == "拜访 北京华信科技有限公司：季度回顾"
    assert str(soon["STATUS"]) == "CONFIRMED"
    cancelled = found[visit_uid(db["ids"]["cancelled"], db["key"])]
    assert str(cancelled["STATUS"]) == "CANCELLED"


def test_export_visits_ics_and_visits_export_write_the_same_calendar(
    db: dict[str, Any], tmp_path: Path
) -> None:
    one, two = tmp_path / "one.ics", tmp_path / "two.ics"
    assert run(db, "export", "visits", "-f", "ics", "-o", str(one), "--to", str(TODAY))[0] == 0
    assert run(db, "visits", "export", "--out", str(two), "--to", str(TODAY))[0] == 0
    code, _, _ = run(db, "export", "visits", "-f", "ics", "-o", str(one), "--planned-only")
    assert code == 0
    code, _, _ = run(db, "visits", "export", "--out", str(two), "--planned-only")
    assert code == 0

    def without_stamps(path: Path) -> list[bytes]:
        return [line for line in path.read_bytes().splitlines() if b"DTSTAMP" not in line]

    assert without_stamps(one) == without_stamps(two)
    assert set(events(one.read_bytes())) == uids(db, "soon", "later", "far")


def test_date_range_owner_and_customer_choose_the_visits(db: dict[str, Any]) -> None:
    def chosen(*args: str) -> set[str]:
        code, out, err = run(db, "export", "visits", "--format", "ics", *args)
        assert code == 0, err
        return set(events(out.encode()))

    to_ten = str(TODAY + timedelta(days=10))
    assert chosen("--to", to_ten) == uids(db, "soon", "later", "cancelled")
    assert chosen("--from", str(TODAY + timedelta(days=4)), "--to", to_ten) == uids(
        db, "later", "cancelled"
    )
    assert chosen("--from", str(TODAY + timedelta(days=41))) == set()
    assert chosen("--owner", "张伟") == uids(db, "later", "cancelled")
    assert chosen("--customer", "C000001", "--planned-only") == uids(db, "soon", "far")


def test_standard_output_holds_the_calendar(db: dict[str, Any]) -> None:
    code, out, err = run(db, "export", "visits", "--format", "ICS")
    assert code == 0, err
    assert out.startswith("BEGIN:VCALENDAR")
    assert out.rstrip().endswith("END:VCALENDAR")
    assert len(events(out.encode())) == 4
    assert "Exported" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("export", "customers", "--format", "ics"), "not customers"),
        (("export", "contacts", "-f", "ics"), "clientdesk export visits --format ics"),
        (("export", "visits", "-f", "ics", "--grade", "A"), "--grade does not apply"),
        (
            ("export", "visits", "-f", "ics", "--columns", "purpose", "--excel"),
            "--columns and --excel do not apply",
        ),
        (("export", "visits", "-f", "ics", "--owner", "王芳", "--owner", "张伟"), "one --owner"),
        (("export", "visits", "-f", "ics", "--from", "2026-13-01"), "is not a date"),
        (
            ("export", "visits", "-f", "ics", "--from", "2026-12-10", "--to", "2026-12-01"),
            "before --from",
        ),
        (("export", "visits", "--from", str(TODAY)), "add --format ics"),
        (("export", "visits", "-f", "csv", "--planned-only"), "add --format ics"),
    ],
)
def test_usage_errors_exit_2_and_write_nothing(
    db: dict[str, Any], tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    target = tmp_path / "out.ics"
    code, out, err = run(db, *args, "--out", str(target))
    assert code == 2
    assert message in " ".join(err.split())
    assert not target.exists()
    assert out == ""


def test_unknown_customer_is_named(db: dict[str, Any], tmp_path: Path) -> None:
    code, _, err = run(db, "export", "visits", "-f", "ics", "--customer", "C999999")
    assert code == 1
    assert "C999999" in err


def test_visits_still_export_as_csv(db: dict[str, Any]) -> None:
    code, out, err = run(db, "export", "visits", "--owner", "张伟")
    assert code == 0, err
    header, *rows = list(csv.reader(io.StringIO(out)))
    assert header[0] == "Customer code"
    assert sorted(r[header.index("Purpose")] for r in rows) == ["交货确认", "取消的"]
