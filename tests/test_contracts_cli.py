"""`clientdesk contract ...` and `clientdesk report contracts` as admins script them: exit
codes, one-line errors, --json and --csv output, and the rows left in the database."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from clientdesk.cli import app
from clientdesk.domain.contracts import local_today
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customers import create_customer
from clientdesk.storage.database import open_database

runner = CliRunner()
DAY = timedelta(days=1)


def today() -> date:
    return local_today("Asia/Shanghai")


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "contracts.db"
    database = open_database(str(path))
    with Session(database.engine) as s:
        for name, code in (
            ("北京华信科技有限公司", "C000001"),
            ("上海东方贸易有限公司", "C000002"),
        ):
            create_customer(
                CustomerCreate(name=name, code=code, owner="王芳"), session=s, actor="t"
            )
        s.commit()
    database.dispose()
    return str(path)


def run(db: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db, *args], env={"COLUMNS": "160"})
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def rows(db: str, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def counts(db: str) -> tuple[object, ...]:
    return rows(
        db,
        "SELECT (SELECT count(*) FROM contracts), (SELECT count(*) FROM contract_events),"
        " (SELECT count(*) FROM audit_entries), (SELECT count(*) FROM visits)",
    )[0]


def new(db: str, *extra: str, start: date | None = None, end: date | None = None) -> str:
    start = start or today() - 30 * DAY
    end = end or today() + 300 * DAY
    code, out, err = run(
        db, "contract", "new", "C000001", "--title", "年度采购框架协议", "--value", "¥120,000.50",
        "--start", start.isoformat(), "--end", end.isoformat(), "--json", *extra,
    )  # fmt: skip
    assert code == 0, err
    return str(json.loads(out)["number"])


def test_new_draft_prints_json_and_writes_rows(db: str) -> None:
    number = new(db)
    assert number == f"HT-{today().year}-000001"
    assert rows(db, "SELECT status, value_cents, owner FROM contracts") == [
        ("draft", 12_000_050, "王芳")
    ]
    assert rows(db, "SELECT kind FROM contract_events") == [("created",)]
    assert rows(db, "SELECT entity, action FROM audit_entries WHERE entity = 'contract'") == [
        ("contract", "create")
    ]
    code, out, _ = run(db, "contract", "new", "C000002", "--title", "维保服务合同")
    assert code == 0
    assert f"Created draft contract HT-{today().year}-000002" in out


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["--value", "-5"], 1, "value: -5.00 is negative"),
        (["--start", "2026-05-01", "--end", "2026-04-30"], 1, "end date: 2026-04-30 is before"),
        (["--start", "2026-02-30"], 2, "--start '2026-02-30' is not a date"),
        (["--value", "lots"], 1, "--value: 'lots' is not an amount"),
        (["--number", "HT-X-1"], 1, "already used by contract HT-X-1 “first”"),
        (["--currency", "yuan"], 1, "currency: 'yuan' is not a three-letter code"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(
    db: str, args: list[str], exit_code: int, message: str
) -> None:
    assert run(db, "contract", "new", "C000001", "--title", "first", "--number", "HT-X-1")[0] == 0
    before = counts(db)
    code, _out, err = run(db, "contract", "new", "C000002", "--title", "second", *args)
    assert code == exit_code
    assert message in err
    assert len(err.strip().splitlines()) <= 2  # the message and at most one hint
    assert counts(db) == before


def test_unknown_customer_and_contract(db: str) -> None:
    code, _, err = run(db, "contract", "new", "C999999", "--title", "x")
    assert code == 1 and "no customer has the code 'C999999'" in err
    code, _, err = run(db, "contract", "sign", "HT-NONE")
    assert code == 1 and "no contract has the number 'HT-NONE'" in err


def test_lifecycle_through_the_cli(db: str) -> None:
    number = new(db)
    code, out, err = run(db, "contract", "sign", number, "--on", (today() - 35 * DAY).isoformat())
    assert code == 0, err
    assert "active (履行中)" in out
    code, out, _ = run(
        db, "contract", "amend", number, "--what", "增加数量", "--value-change", "-20000.50"
    )
    assert code == 0 and "value now CNY 100,000.00" in out
    code, out, _ = run(db, "contract", "risk", number, "--level", "高", "--note", "回款慢")
    assert code == 0
    code, out, _ = run(db, "contract", "milestone", number, "--what", "首批货物",
                       "--due", (today() - 2 * DAY).isoformat())  # fmt: skip
    assert code == 0
    code, out, err = run(db, "contract", "list", "--overdue", "--json")
    assert code == 0 and [json.loads(line)["number"] for line in out.splitlines()] == [number]
    code, out, err = run(db, "contract", "deliver", number)
    assert code == 0, err
    assert "return visit (回访) planned for" in out
    assert rows(db, "SELECT kind, status, contract_id IS NOT NULL FROM visits") == [
        ("return", "planned", 1)
    ]
    code, out, _ = run(db, "contract", "renew", number, "--json")
    assert code == 0
    renewal = json.loads(out)
    assert renewal["renewal_of"] == number and renewal["status"] == "draft"
    code, out, _ = run(db, "contract", "complete", number)
    assert code == 0
    code, out, _ = run(db, "contract", "show", number, "--json")
    doc = json.loads(out)
    assert doc["status"] == "completed"
    assert doc["value"] == "100000.00" and doc["original_value"] == "120000.50"
    assert [a["value_change"] for a in doc["amendments"]] == ["-20000.50"]
    assert [m["delivered_on"] for m in doc["milestones"]] == [today().isoformat()]
    assert [link["number"] for link in doc["chain"]] == [number, renewal["number"]]
    assert doc["risk_level"] == "high" and doc["allowed"] == ["renew"]
    kinds = [e["event"] for e in doc["history"]]
    assert kinds[-1] == "completed" and {"signed", "activated", "amended", "risk"} <= set(kinds)
    code, out, _ = run(db, "contract", "show", number)
    assert code == 0
    assert "Amendments (补充协议)" in out and "增加数量" in out and "Next: renew." in out


def test_refused_transition_names_what_is_allowed(db: str) -> None:
    number = new(db)
    assert run(db, "contract", "terminate", number, "--reason", "客户取消")[0] == 0
    before = counts(db)
    code, _, err = run(db, "contract", "amend", number, "--what", "追加", "--value-change", "100")
    assert code == 1
    assert f"contract {number} is terminated (已解除): it cannot be amended." in err
    assert "closed" in err
    assert counts(db) == before
    other = new(db)
    code, _, err = run(db, "contract", "complete", other)
    assert code == 1
    assert "From draft you can: sign, edit, milestone, risk, terminate." in err


def test_edit_draft_and_option_errors(db: str) -> None:
    number = new(db)
    code, _out, _ = run(db, "contract", "edit", number, "--value", "99000", "--title", "新名称")
    assert code == 0
    assert rows(db, "SELECT title, value_cents FROM contracts") == [("新名称", 9_900_000)]
    code, _, err = run(db, "contract", "edit", number)
    assert code == 2 and "nothing to change" in err
    code, _, err = run(db, "contract", "deliver", number, "--milestone", "1", "--what", "x")
    assert code == 2 and "not both" in err
    code, _, err = run(db, "contract", "list", "--sort", "colour")
    assert code == 2 and "--sort 'colour' is not a column" in err
    code, _, err = run(db, "contract", "list", "--status", "open")
    assert code == 1 and "'open' is not a valid --status" in err


def test_list_filters_search_and_pages(db: str) -> None:
    first = new(db)
    second = new(db, start=today() - 10 * DAY, end=today() + 20 * DAY)
    assert run(db, "contract", "sign", second, "--on", (today() - 11 * DAY).isoformat())[0] == 0
    code, out, _ = run(db, "contract", "list", "--json")
    assert [json.loads(line)["number"] for line in out.splitlines()] == [second, first]
    code, out, _ = run(db, "contract", "list", "--status", "active", "--json")
    docs = [json.loads(line) for line in out.splitlines()]
    assert [(d["number"], d["days_to_expiry"]) for d in docs] == [(second, 20)]
    code, out, _ = run(db, "contract", "list", "--expiring", "30", "--json")
    assert [json.loads(line)["number"] for line in out.splitlines()] == [second]
    code, out, _ = run(db, "contract", "list", "-s", "华信", "--limit", "1", "--offset", "1")
    assert code == 0 and first in out and second not in out and "2–2 of 2 contracts" in out
    code, out, _ = run(db, "contract", "list", "--customer", "C000002")
    assert code == 0 and "No contracts shown; 0 match." in out


def test_refresh_activates_and_expires(db: str) -> None:
    number = new(db, start=today() - 30 * DAY, end=today() - 2 * DAY)
    code, out, _ = run(db, "contract", "refresh", "--json")
    assert json.loads(out) | {"as_of": None} == {"as_of": None, "activated": 0, "expired": 0}
    assert run(db, "contract", "sign", number, "--on", (today() - 40 * DAY).isoformat())[0] == 0
    assert rows(db, "SELECT status FROM contracts") == [("expired",)]
    # A contract signed for a future start is activated by the sweep once the day comes.
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE contracts SET status = 'signed', start_on = ?, end_on = ?",
                     (today().isoformat(), (today() + 9 * DAY).isoformat()))  # fmt: skip
    code, out, _ = run(db, "contract", "refresh")
    assert code == 0 and "1 contracts became active, 0 expired" in out
    assert rows(db, "SELECT status FROM contracts") == [("active",)]


def test_report_contracts_expiring(db: str) -> None:
    soon = new(db, "--title", "=HYPERLINK(\"http://x\")", start=today() - 10 * DAY,
               end=today() + 12 * DAY)  # fmt: skip
    later = new(db, start=today() - 10 * DAY, end=today() + 60 * DAY)
    for number in (soon, later):
        assert run(db, "contract", "sign", number, "--on", (today() - 11 * DAY).isoformat())[0] == 0
    code, out, _ = run(db, "report", "contracts", "--expiring", "30", "--json")
    assert code == 0
    docs = [json.loads(line) for line in out.splitlines()]
    assert [(d["number"], d["days_to_expiry"], d["value"]) for d in docs] == [(soon, 12, 120000.5)]
    code, out, _ = run(db, "report", "contracts", "--expiring", "90", "--csv")
    assert code == 0
    table = list(csv.reader(io.StringIO(out)))
    assert table[0][:6] == ["number", "customer_code", "customer_name", "title", "status", "value"]
    assert [r[0] for r in table[1:]] == [soon, later]
    assert table[1][3] == '\'=HYPERLINK("http://x")'  # formula neutralised
    assert table[1][5] == "120000.50"
    code, out, _ = run(db, "report", "contracts")
    assert code == 0 and soon in out and "1 shown; 1 contracts end within 30 days" in out
    code, _, err = run(db, "report", "contracts", "--json", "--csv")
    assert code == 2 and "cannot be used together" in err
