"""`clientdesk report groups` / `report group CODE` like an admin scripts them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from clientdesk.cli import app
from clientdesk.storage.database import Database, open_database
from test_group_risk import TODAY, company, sale

NET = {"CLIENTDESK_RISK__NET_CAPITAL": "100000000"}  # limit ¥15,000,000


@pytest.fixture
def db(tmp_path: Path) -> str:
    database: Database = open_database(str(tmp_path / "g.db"))
    with Session(database.engine) as s:
        top = company(s, "华信集团有限公司", 10_000_000)
        beijing = company(s, "华信北京有限公司", 2_000_000, top)
        sale(s, beijing, 2_500_000, due=TODAY)  # past due by the time the test runs
        jinqiao = company(s, "金桥集团有限公司", 14_000_000)
        company(s, "金桥南京有限公司", 1_500_000, jinqiao)
        company(s, "独立公司有限公司", 1_000)
        s.commit()
    database.dispose()
    return str(tmp_path / "g.db")


def run(db: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--db", db, "report", *args], env=env)
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def test_groups_as_json_lines_largest_first_judged_against_the_limit(db: str) -> None:
    code, out, _ = run(db, "groups", "--json", env=NET)
    assert code == 0
    docs = [json.loads(line) for line in out.splitlines()]
    assert [d["name"] for d in docs] == ["金桥集团有限公司", "华信集团有限公司"]
    assert docs[0]["state"] == "over" and docs[0]["credit_used"] == 15_500_000
    assert docs[1]["state"] == "warning" and docs[1]["members_overdue"] == 1
    assert docs[1]["share_of_limit"] == pytest.approx(12.5 / 15, abs=1e-4)


def test_groups_table_says_the_limit_or_how_to_set_it(db: str) -> None:
    code, out, _ = run(db, "groups", env=NET)
    assert code == 0 and "C000003" in out and "15,500,000" in out  # names give way at 80 cols
    assert "1 over the limit, 1 at the early warning, 1 with a member overdue" in out
    assert "Limit per group 15,000,000.00" in out
    code, out, _ = run(db, "groups", "--flagged")
    assert code == 0 and "set risk.net_capital" in out
    assert "C000001" in out and "C000003" not in out  # flagged by overdue only


def test_one_group_from_any_member_code(db: str) -> None:
    code, out, _ = run(db, "group", "C000002", "--json", env=NET)
    assert code == 0
    doc = json.loads(out)
    assert doc["name"] == "华信集团有限公司"
    assert [(m["depth"], m["name"]) for m in doc["members_list"]] == [
        (0, "华信集团有限公司"),
        (1, "华信北京有限公司"),
    ]
    assert doc["members_list"][1]["over_line"] is True
    code, out, _ = run(db, "group", "C000005")
    assert code == 0 and "is in no group" in out
    code, _, err = run(db, "group", "C999999")
    assert code != 0 and "no customer has the code 'C999999'" in err
