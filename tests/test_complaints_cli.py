"""`clientdesk complaint ...` and the complaint reports: exit codes, output, rows after."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import Session
from typer.testing import CliRunner

from clientdesk.cli import app
from clientdesk.domain.complaint import Complaint, ComplaintEvent
from clientdesk.domain.contact import ContactCreate
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customers import add_contact, create_customer
from clientdesk.domain.enums import ComplaintStatus, CustomerStatus, Grade, VisitKind
from clientdesk.domain.visit import Visit
from clientdesk.storage.database import Database

runner = CliRunner()
S = ComplaintStatus


def run(db_path: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", str(db_path), *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def shop(database: Database) -> Database:
    """C000001 (grade B, contact 李明) and C000002 (grade A)."""
    with Session(database.engine) as session:
        first = create_customer(
            CustomerCreate(
                name="北京华信科技有限公司",
                grade=Grade.B,
                owner="王芳",
                status=CustomerStatus.ACTIVE,
            ),
            session=session,
            actor="t",
        )
        add_contact(ContactCreate(customer_id=first.id, name="李明"), session=session, actor="t")  # type: ignore[arg-type]
        create_customer(
            CustomerCreate(name="Acme Trading", grade=Grade.A, status=CustomerStatus.ACTIVE),
            session=session,
            actor="t",
        )
        session.commit()
    return database


def complaints(database: Database) -> list[Complaint]:
    with Session(database.engine) as session:
        return list(session.execute(select(Complaint).order_by(Complaint.id)).scalars())  # type: ignore[arg-type]


def event_count(database: Database) -> int:
    with Session(database.engine) as session:
        return int(session.execute(select(func.count()).select_from(ComplaintEvent)).scalar_one())


def new(db_path: Path, *extra: str, customer: str = "C000001") -> dict[str, Any]:
    code, out, err = run(
        db_path,
        "complaint",
        "new",
        customer,
        "--channel",
        "微信",
        "--category",
        "delivery",
        "--summary",
        "第二批货物延迟",
        "--json",
        *extra,
    )
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def test_new_complaint_with_local_time_and_contact(db_path: Path, shop: Database) -> None:
    doc = new(db_path, "--severity", "严重", "--contact", "李明", "--received", "2026-03-31 22:30")
    assert doc["received_at"] == "2026-03-31T22:30+08:00"
    assert doc["due_at"] == "2026-04-01T02:30+08:00"  # grade B: 8 h × 0.5
    assert doc["overdue"] is True and doc["status"] == "received"
    [stored] = complaints(shop)
    assert stored.channel == "wechat" and stored.severity == "high"
    assert stored.contact_id is not None and stored.owner == "王芳"
    assert stored.due_at == datetime(2026, 3, 31, 18, 30, tzinfo=UTC)


def test_new_complaint_prints_the_deadline(db_path: Path, shop: Database) -> None:
    code, out, _ = run(
        db_path,
        "complaint",
        "new",
        "C000002",
        "--channel",
        "phone",
        "--category",
        "product",
        "--severity",
        "critical",
        "--summary",
        "质量问题",
    )
    assert code == 0
    assert "Complaint 1 taken for C000002 Acme Trading (grade A): answer due" in out
    assert "(59m left)" in out or "(1h 00m left)" in out


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["--channel", "fax"], 1, "'fax' is not a valid channel; use one of: phone (电话)"),
        (["--severity", "urgent"], 1, "not a valid severity"),
        (["--received", "yesterday"], 2, "--received 'yesterday' is not a date and time"),
        (["--received", "2099-01-01 10:00"], 1, "is in the future"),
        (["--contact", "王五"], 1, "has no contact called '王五'"),
    ],
)
def test_new_complaint_refuses_bad_input_and_saves_nothing(
    db_path: Path, shop: Database, args: list[str], exit_code: int, message: str
) -> None:
    base = {"--channel": "phone", "--category": "product", "--summary": "质量问题"}
    pairs = dict(zip(args[::2], args[1::2], strict=True))
    options = [part for key, value in (base | pairs).items() for part in (key, value)]
    code, _, err = run(db_path, "complaint", "new", "C000001", *options)
    assert code == exit_code
    assert message in " ".join(err.split())
    assert complaints(shop) == []


def test_unknown_customer_and_complaint(db_path: Path, shop: Database) -> None:
    code, _, err = run(
        db_path,
        "complaint",
        "new",
        "C999",
        "--channel",
        "phone",
        "--category",
        "product",
        "--summary",
        "x",
    )
    assert code == 1 and "no customer has the code 'C999'" in err
    code, _, err = run(db_path, "complaint", "ack", "7")
    assert code == 1 and "complaint 7 does not exist" in err


def test_life_of_a_complaint(db_path: Path, shop: Database) -> None:
    cid = str(new(db_path)["id"])
    code, _, err = run(db_path, "complaint", "resolve", cid, "--resolution", "补发")
    assert code == 1
    assert "never acknowledged" in err and "--yes" in err
    assert complaints(shop)[0].status == S.RECEIVED
    assert run(db_path, "complaint", "ack", cid, "--note", "已电话联系")[0] == 0
    code, _, err = run(db_path, "complaint", "close", cid, "--satisfaction", "5")
    assert code == 1 and "only a complaint that is resolved can be closed" in err
    assert run(db_path, "complaint", "start", cid)[0] == 0
    code, out, _ = run(db_path, "complaint", "resolve", cid, "--resolution", "已补发货物")
    assert code == 0 and "now resolved" in out
    events = event_count(shop)
    code, _, err = run(db_path, "complaint", "close", cid)
    assert code == 1 and "without the customer's satisfaction" in err
    assert event_count(shop) == events
    code, _, err = run(db_path, "complaint", "close", cid, "--satisfaction", "9")
    assert code == 2
    code, out, _ = run(db_path, "complaint", "close", cid, "--satisfaction", "4", "--json")
    assert code == 0
    assert json.loads(out)["status"] == "closed"
    [stored] = complaints(shop)
    assert (stored.status, stored.satisfaction, stored.resolution) == (S.CLOSED, 4, "已补发货物")
    code, _, err = run(db_path, "complaint", "reopen", cid)
    assert code == 2  # --reason is required
    assert run(db_path, "complaint", "reopen", cid, "--reason", "问题再次出现")[0] == 0
    assert complaints(shop)[0].status == S.IN_PROGRESS
    assert event_count(shop) == events + 2


def test_resolve_with_yes_skips_acknowledgement(db_path: Path, shop: Database) -> None:
    cid = str(new(db_path)["id"])
    code, _, _ = run(db_path, "complaint", "resolve", cid, "--resolution", "退款", "--yes")
    assert code == 0
    [stored] = complaints(shop)
    assert stored.status == S.RESOLVED and stored.acknowledged_at is None


def test_list_sweep_and_show(db_path: Path, shop: Database) -> None:
    late = new(db_path, "--received", "2026-03-02 09:00")["id"]
    fresh = new(db_path)["id"]
    code, out, _ = run(db_path, "complaint", "list", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == [late, fresh]  # the nearest deadline first
    assert rows[0]["overdue"] is True and rows[1]["overdue"] is False
    assert rows[1]["minutes_left"] > 0
    code, out, _ = run(db_path, "complaint", "list", "--overdue")
    assert code == 0 and "overdue" in out and "1-1 of 1 complaints." in out

    code, out, _ = run(db_path, "complaint", "sweep", "--json")
    assert code == 0 and json.loads(out) == {"escalated": [late]}
    code, out, _ = run(db_path, "complaint", "sweep")
    assert code == 0 and "0 overdue complaint(s) escalated." in out
    assert [c.escalated for c in complaints(shop)] == [True, False]

    code, out, _ = run(db_path, "complaint", "list", "--escalated", "--json")
    assert [json.loads(line)["id"] for line in out.splitlines()] == [late]

    code, out, _ = run(db_path, "complaint", "show", str(late), "--json")
    assert code == 0
    doc = json.loads(out)
    assert [h["to"] for h in doc["history"]] == ["received", None]
    assert doc["history"][1]["note"] == "超过响应时限未答复，已升级至部门经理"
    assert [s["step"] for s in doc["next_steps"]] == [
        "acknowledge",
        "resolve",
        "dispute",
        "note",
        "follow_up",
    ]
    assert doc["next_steps"][1]["needs_confirmation"] is True
    code, out, _ = run(db_path, "complaint", "show", str(late))
    assert code == 0 and "OVERDUE" in out and "History" in out


def test_list_filters_and_paging(db_path: Path, shop: Database) -> None:
    for _ in range(3):
        new(db_path)
    new(db_path, customer="C000002")
    code, out, _ = run(db_path, "complaint", "list", "--customer", "C000002", "--json")
    assert [json.loads(line)["customer_code"] for line in out.splitlines()] == ["C000002"]
    code, out, _ = run(
        db_path, "complaint", "list", "--grade", "B", "--limit", "2", "--offset", "1"
    )
    assert code == 0 and "2-3 of 3 complaints." in out
    code, _, err = run(db_path, "complaint", "list", "--status", "pending")
    assert code == 1 and "not a valid --status" in err
    code, out, _ = run(db_path, "complaint", "list", "--status", "received,resolved", "--json")
    assert len(out.splitlines()) == 4


def test_dispute_and_note(db_path: Path, shop: Database) -> None:
    cid = str(new(db_path)["id"])
    code, _, err = run(
        db_path,
        "complaint",
        "dispute",
        cid,
        "--positions",
        "双方各执一词",
        "--outcome",
        "补偿",
        "--compensation",
        "-5",
    )
    assert code == 1 and "negative" in err
    assert complaints(shop)[0].dispute_positions is None
    code, out, _ = run(
        db_path,
        "complaint",
        "dispute",
        cid,
        "--positions",
        "双方各执一词",
        "--outcome",
        "补偿运费",
        "--compensation",
        "¥1,200.5",
        "--json",
    )
    assert code == 0 and json.loads(out)["compensation"] == 1200.5
    assert complaints(shop)[0].compensation_cents == 120050
    code, out, _ = run(db_path, "complaint", "note", cid, "客户来电催促")
    assert code == 0 and "Note added" in out
    code, out, _ = run(db_path, "complaint", "escalate", cid, "--reason", "客户要求")
    assert code == 0 and complaints(shop)[0].escalated


def test_followup_visit(db_path: Path, shop: Database) -> None:
    cid = new(db_path, "--contact", "李明")["id"]
    when = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d 10:00")
    code, out, _ = run(db_path, "complaint", "followup", str(cid), "--on", when, "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["planned_at"] == when.replace(" ", "T") + "+08:00"
    with Session(shop.engine) as session:
        visit = session.get(Visit, doc["visit_id"])
        assert visit is not None
        assert (visit.kind, visit.complaint_id) == (VisitKind.COMPLAINT_FOLLOWUP, cid)
    code, _, err = run(db_path, "complaint", "followup", str(cid), "--on", "2020-01-01 10:00")
    assert code == 1 and "in the past" in err


# -- reports -----------------------------------------------------------------------------------


def test_report_complaints_csv_is_safe_and_json_lines(db_path: Path, shop: Database) -> None:
    code, out, err = run(
        db_path,
        "complaint",
        "new",
        "C000001",
        "--channel",
        "email",
        "--category",
        "billing",
        "--summary",
        '=HYPERLINK("x")',
        "--received",
        "2026-03-02 09:00",
    )
    assert code == 0, err
    new(db_path)
    done = str(new(db_path)["id"])
    run(db_path, "complaint", "resolve", done, "--resolution", "ok", "--yes")

    code, out, _ = run(db_path, "report", "complaints", "--open", "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in rows] == ["1", "2"]
    assert rows[0]["summary"] == '\'=HYPERLINK("x")'
    assert rows[0]["overdue"] == "yes" and rows[0]["due_at"] == "2026-03-02T17:00+08:00"

    code, out, _ = run(db_path, "report", "complaints", "--json")
    assert [json.loads(line)["id"] for line in out.splitlines()] == [3, 2, 1]  # newest first
    code, out, _ = run(db_path, "report", "complaints", "--overdue", "--json")
    assert [json.loads(line)["id"] for line in out.splitlines()] == [1]
    code, out, _ = run(db_path, "report", "complaints")
    assert code == 0 and "3 complaints; 1 overdue." in out
    code, _, err = run(db_path, "report", "complaints", "--json", "--csv")
    assert code == 2 and "cannot be used together" in err


def close_one(db_path: Path, customer: str, category: str, score: str, at: str) -> None:
    code, out, err = run(
        db_path,
        "complaint",
        "new",
        customer,
        "--channel",
        "phone",
        "--category",
        category,
        "--summary",
        "问题",
        "--received",
        "2026-01-05 09:00",
        "--json",
    )
    assert code == 0, err
    cid = str(json.loads(out)["id"])
    for step in (
        ["ack", cid, "--at", "2026-01-05 10:00"],
        ["resolve", cid, "--resolution", "已处理", "--at", "2026-01-06 10:00"],
        ["close", cid, "--satisfaction", score, "--at", at],
    ):
        code, _, err = run(db_path, "complaint", *step)
        assert code == 0, err


def test_report_satisfaction(db_path: Path, shop: Database) -> None:
    close_one(db_path, "C000001", "product", "5", "2026-01-10 10:00")
    close_one(db_path, "C000002", "product", "2", "2026-01-31 23:30")
    close_one(db_path, "C000002", "delivery", "4", "2026-02-01 00:30")
    code, out, _ = run(db_path, "report", "satisfaction", "--json")
    assert code == 0
    assert json.loads(out) == {
        "overall": {"count": 3, "average": 3.67},
        "by_month": {
            "2026-01": {"count": 2, "average": 3.5},
            "2026-02": {"count": 1, "average": 4.0},
        },
        "by_category": {
            "product": {"count": 2, "average": 3.5},
            "delivery": {"count": 1, "average": 4.0},
        },
        "by_grade": {"A": {"count": 2, "average": 3.0}, "B": {"count": 1, "average": 5.0}},
    }
    code, out, _ = run(db_path, "report", "satisfaction", "--csv", "--since", "2026-02-01")
    assert code == 0
    assert list(csv.reader(io.StringIO(out))) == [
        ["by", "key", "count", "average"],
        ["overall", "all", "1", "4.0"],
        ["month", "2026-02", "1", "4.0"],
        ["category", "delivery", "1", "4.0"],
        ["grade", "A", "1", "4.0"],
    ]
    code, out, _ = run(db_path, "report", "satisfaction")
    assert code == 0 and "Overall: 3 closed complaints, average satisfaction 3.67 of 5." in out
    code, _, err = run(
        db_path, "report", "satisfaction", "--since", "2026-03-01", "--until", "2026-02-01"
    )
    assert code == 2 and "is after --until" in err
    code, out, _ = run(db_path, "report", "satisfaction", "--since", "2030-01-01")
    assert code == 0 and "No closed complaint" in out
