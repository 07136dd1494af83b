"""`clientdesk visits ...` and `clientdesk report visits-due` as scripts use them."""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from sqlmodel import Session, col
from typer.testing import CliRunner

from clientdesk.cli import app
from clientdesk.domain import Customer, Visit
from clientdesk.domain.enums import Grade, VisitStatus
from clientdesk.storage.database import open_database
from test_visits_support import ZONE, make_customer

runner = CliRunner()
TODAY = datetime.now(ZONE).date()  # the CLI runs on the real clock
SOON = TODAY + timedelta(days=3)


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "visits.db"
    database = open_database(str(path))
    with Session(database.engine) as s:
        make_customer(s, "北京华信科技有限公司", grade=Grade.A, contact="李明")
        make_customer(s, "=HYPERLINK(恶意)", grade=Grade.D, contact=None)
        s.commit()
    database.dispose()
    return str(path)


def run(db: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db, *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def rows(db: str) -> list[Visit]:
    database = open_database(db)
    try:
        with Session(database.engine) as s:
            return list(s.execute(select(Visit).order_by(col(Visit.id))).scalars())
    finally:
        database.dispose()


def plan(db: str, at: str = f"{SOON} 14:30", *extra: str) -> int:
    code, out, err = run(
        db, "visits", "plan", "C000001", "--at", at, "--purpose", "季度回顾", "--json", *extra
    )
    assert code == 0, err
    return int(json.loads(out)["id"])


def test_plan_writes_the_visit_in_local_time(db: str) -> None:
    code, out, err = run(
        db, "visits", "plan", "C000001", "--at", f"{SOON} 14:30", "--purpose", "季度回顾"
    )
    assert code == 0, err
    assert f"at {SOON} 14:30" in out
    [visit] = rows(db)
    assert visit.status == VisitStatus.PLANNED
    assert visit.planned_at.astimezone(ZONE) == datetime(
        SOON.year, SOON.month, SOON.day, 14, 30, tzinfo=ZONE
    )
    assert visit.contact_id is not None  # the key contact


def test_plan_json_and_a_date_alone_means_ten(db: str) -> None:
    code, out, _ = run(
        db,
        "visits",
        "plan",
        "C000001",
        "--at",
        str(SOON),
        "--purpose",
        "拜访",
        "--contact",
        "李明",
        "--kind",
        "回访",
        "--json",
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["planned_at"] == f"{SOON}T10:00:00+08:00"
    assert doc["kind"] == "return"
    assert doc["contact"] == "李明"
    assert doc["customer"] == "C000001"


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["--at", f"{TODAY - timedelta(days=1)} 10:00"], 1, "logged, not planned"),
        (["--at", "next tuesday"], 2, "is not a time"),
        (["--at", f"{SOON}", "--contact", "无此人"], 2, "has no contact"),
        (["--at", f"{SOON}", "--kind", "party"], 1, "not a valid --kind"),
    ],
)
def test_plan_refusals_write_nothing(
    db: str, args: list[str], exit_code: int, message: str
) -> None:
    code, _, err = run(db, "visits", "plan", "C000001", "--purpose", "拜访", *args)
    assert code == exit_code
    assert message in err
    assert len(err.strip().splitlines()) <= 2
    assert rows(db) == []


def test_unknown_customer(db: str) -> None:
    code, _, err = run(db, "visits", "plan", "C999999", "--at", str(SOON), "--purpose", "x")
    assert code == 1
    assert "no customer has the code 'C999999'" in err


def test_reschedule_cancel_and_refusals(db: str) -> None:
    visit_id = plan(db)
    code, out, _ = run(db, "visits", "reschedule", str(visit_id), "--at", f"{SOON} 16:00")
    assert code == 0
    assert f"{SOON} 16:00" in out
    assert rows(db)[0].planned_at.astimezone(ZONE).hour == 16
    code, _, err = run(db, "visits", "missed", str(visit_id))
    assert code == 1
    assert "still ahead" in err
    code, out, _ = run(db, "visits", "cancel", str(visit_id), "--reason", "客户出差")
    assert code == 0
    assert rows(db)[0].status == VisitStatus.CANCELLED
    code, _, err = run(db, "visits", "cancel", str(visit_id))
    assert code == 1
    assert "already cancelled" in err
    code, _, err = run(db, "visits", "reschedule", "999", "--at", str(SOON))
    assert code == 1
    assert "visit 999 does not exist" in err


def test_log_refuses_satisfaction_outside_one_to_five(db: str) -> None:
    visit_id = plan(db)
    code, _, err = run(
        db, "visits", "log", str(visit_id), "--discussion", "谈了", "--satisfaction", "6"
    )
    assert code == 1
    assert "outside 1-5" in err
    [visit] = rows(db)
    assert visit.status == VisitStatus.PLANNED
    assert visit.satisfaction is None


def test_log_with_a_next_step_plans_the_follow_up(db: str) -> None:
    visit_id = plan(db)
    next_on = TODAY + timedelta(days=14)
    code, out, err = run(
        db,
        "visits",
        "log",
        str(visit_id),
        "--discussion",
        "讨论框架协议",
        "--needs",
        "交期",
        "--feedback",
        "满意",
        "--satisfaction",
        "5",
        "--next-step",
        "寄送合同草稿",
        "--next-on",
        str(next_on),
        "--json",
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["status"] == "done"
    assert doc["satisfaction"] == 5
    assert doc["follow_up"]["planned_at"] == f"{next_on}T10:00:00+08:00"
    assert doc["follow_up"]["purpose"] == "寄送合同草稿"
    visit, follow = rows(db)
    assert (visit.status, visit.needs, visit.feedback) == (VisitStatus.DONE, "交期", "满意")
    assert follow.status == VisitStatus.PLANNED
    code, _, err = run(db, "visits", "reschedule", str(visit_id), "--at", str(SOON))
    assert code == 1
    assert "done visit cannot be rescheduled" in err


def test_log_an_unplanned_visit(db: str) -> None:
    code, out, err = run(
        db,
        "visits",
        "log",
        "--customer",
        "C000001",
        "--purpose",
        "展会偶遇",
        "--discussion",
        "寒暄",
        "--done-at",
        f"{TODAY - timedelta(days=1)} 15:00",
    )
    assert code == 0, err
    assert "Logged visit 1 as done." in out
    [visit] = rows(db)
    assert visit.status == VisitStatus.DONE
    database = open_database(db)
    try:
        with Session(database.engine) as s:
            customer = s.execute(
                select(Customer).where(col(Customer.code) == "C000001")
            ).scalar_one()
            assert customer.last_contact_at == visit.done_at
            assert customer.last_visit_at == visit.done_at
    finally:
        database.dispose()


@pytest.mark.parametrize(
    "args",
    [
        ["--discussion", "x"],
        ["1", "--customer", "C000001", "--purpose", "x", "--discussion", "x"],
        ["--customer", "C000001", "--discussion", "x"],
    ],
)
def test_log_usage_errors(db: str, args: list[str]) -> None:
    code, _, err = run(db, "visits", "log", *args)
    assert code == 2
    assert "error:" in err


def test_show(db: str) -> None:
    visit_id = plan(db)
    code, out, _ = run(db, "visits", "show", str(visit_id))
    assert code == 0
    assert "季度回顾" in out
    assert "李明" in out


def test_agenda_json_and_text(db: str) -> None:
    plan(db, f"{TODAY + timedelta(days=20)} 09:00")
    code, out, _ = run(db, "visits", "agenda", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["today"] == str(TODAY)
    assert doc["buckets"]["later"]["count"] == 1
    [row] = doc["buckets"]["later"]["rows"]
    assert row["customer"] == "C000001"
    assert row["contact"] == "李明"
    code, out, _ = run(db, "visits", "agenda")
    assert code == 0
    assert "Later (以后): 1" in out
    assert "Overdue (逾期): 0" in out


def test_calendar_json(db: str) -> None:
    plan(db, f"{SOON} 09:00")
    month = f"{SOON:%Y-%m}"
    code, out, _ = run(db, "visits", "calendar", "--month", month, "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["planned"] == 1
    [day] = [d for d in doc["days"] if d["planned"]]
    assert day["date"] == str(SOON)
    assert day["first"][0]["purpose"] == "季度回顾"
    code, _, err = run(db, "visits", "calendar", "--month", "2026-13")
    assert code == 2
    assert "YYYY-MM" in err


def test_report_visits_due(db: str) -> None:
    code, out, _ = run(db, "report", "visits-due", "--json")
    assert code == 0
    docs = [json.loads(line) for line in out.splitlines()]
    assert [d["code"] for d in docs] == ["C000001", "C000002"]  # entered the same day: A first
    assert docs[0]["last_visit"] is None
    assert docs[0]["visit_every_days"] == 14
    plan(db)
    code, out, _ = run(db, "report", "visits-due", "--csv", "--unplanned")
    assert code == 0
    table = list(csv.reader(io.StringIO(out)))
    assert table[0][:3] == ["code", "name", "grade"]
    assert [r[0] for r in table[1:]] == ["C000002"]
    assert table[1][1] == "'=HYPERLINK(恶意)"  # never a formula in a spreadsheet
    code, out, _ = run(db, "report", "visits-due")
    assert code == 0
    assert "2 customers due for a visit" in out
    code, _, err = run(db, "report", "visits-due", "--json", "--csv")
    assert code == 2
    assert "choose one of --json and --csv" in err


def test_export_ics(db: str, tmp_path: Path) -> None:
    plan(db)
    target = tmp_path / "plans.ics"
    code, _, err = run(db, "visits", "export", "--out", str(target))
    assert code == 0
    assert "Exported 1 visits" in err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    cal = Calendar.from_ical(target.read_bytes())
    [event] = cal.walk("VEVENT")
    assert str(event["SUMMARY"]).endswith("：季度回顾")
    code, _, err = run(db, "visits", "export", "--out", str(target), "--format", "csv")
    assert code == 2
    assert "clientdesk export visits" in err
    code, _, err = run(
        db, "visits", "export", "--out", str(target), "--from", "2026-12-10", "--to", "2026-12-01"
    )
    assert code == 2
    assert "before --from" in err


def test_missing_database_is_not_created(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.db")
    result = runner.invoke(app, ["--db", missing, "visits", "agenda"])
    assert result.exit_code == 1
    assert not Path(missing).exists()
    database = open_database(str(tmp_path / "empty.db"))
    with Session(database.engine) as s:
        assert s.execute(select(func.count()).select_from(Visit)).scalar_one() == 0
    database.dispose()
