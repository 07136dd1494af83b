"""Schema migrations after the first: a database with rows upgrades and keeps working."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlmodel import Session

from clientdesk.domain.contact import ContactCreate
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customers import add_contact, create_customer
from clientdesk.domain.search import SEARCH_TABLE, find_customers, has_search_index
from clientdesk.storage import migrate
from clientdesk.storage.database import Database, open_database
from clientdesk.storage.engine import make_engine

SEARCH_TRIGGERS = {
    "customer_search_insert",
    "customer_search_update",
    "customer_search_delete",
    "customer_search_contact_insert",
    "customer_search_contact_update",
    "customer_search_contact_delete",
}


def triggers(database: Database) -> set[str]:
    with database.engine.connect() as conn:
        rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        return set(rows.scalars())


def found(database: Database, query: str) -> list[int]:
    with Session(database.engine) as session:
        return list(find_customers(query, session=session).ids)


def test_head_has_the_search_index_and_its_triggers(database: Database) -> None:
    """A later migration that rebuilds customers or contacts must create these again."""
    with database.engine.connect() as conn:
        assert has_search_index(conn)
    assert triggers(database) >= SEARCH_TRIGGERS


def test_first_revision_with_rows_upgrades_to_a_working_search(db_path: Path) -> None:
    engine = make_engine(str(db_path))
    migrate.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customers (id, code, name, short_name, kind, status, grade,"
                " grade_fixed, pinyin, pinyin_initials, name_key, created_at, updated_at)"
                " VALUES (1, 'C000001', '北京华信科技有限公司', '华信', 'direct', 'active', 'B',"
                " 0, 'beijinghuaxinkejiyouxiangongsi', 'bjhxkjyxgs', '北京华信科技',"
                " '2024-01-02 03:04:05', '2024-01-02 03:04:05'),"
                " (2, 'C000002', 'Acme Trading Co., Ltd.', NULL, 'direct', 'active', 'C', 0,"
                " 'acmetradingcoltd', 'atcl', 'acmetrading', '2024-01-02', '2024-01-02')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO contacts (customer_id, name, email, is_primary, phone_digits,"
                " mobile_digits, created_at, updated_at) VALUES"
                " (1, '王伟', 'wang@huaxin.cn', 1, '01062881234', '13800138000',"
                " '2024-01-02', '2024-01-02')"
            )
        )
    engine.dispose()

    database = open_database(str(db_path))  # upgrades to head on open
    try:
        with database.engine.connect() as conn:
            assert migrate.current_revision(conn) == migrate.head_revision()
            count = conn.execute(text(f"SELECT count(*) FROM {SEARCH_TABLE}")).scalar_one()  # noqa: S608
        assert count == 2
        for query in (
            "华信科技",
            "华信",
            "bjhx",
            "beijing huaxin",
            "王伟",
            "138-0013-8000",
            "huaxin.cn",
        ):
            assert found(database, query) == [1], query
        assert found(database, "acme trading") == [2]
        with Session(database.engine) as session:
            new = create_customer(
                CustomerCreate(name="上海中科贸易有限公司"), session=session, actor="t"
            )
            assert new.id is not None
            add_contact(
                ContactCreate(customer_id=new.id, name="李娜", mobile="139 1111 2222"),
                session=session,
                actor="t",
            )
            session.commit()
            new_id = new.id
        assert found(database, "中科贸易") == found(database, "13911112222") == [new_id]
    finally:
        database.dispose()


def test_downgrade_to_the_first_revision_removes_the_index(db_path: Path) -> None:
    database = open_database(str(db_path))
    with Session(database.engine) as session:
        create_customer(CustomerCreate(name="北京华信科技有限公司"), session=session, actor="t")
        session.commit()
    with database.engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0001")
    assert not triggers(database) & SEARCH_TRIGGERS
    with database.engine.connect() as conn:
        assert not has_search_index(conn)
        names = conn.execute(text("SELECT name FROM sqlite_master")).scalars().all()
        assert not [name for name in names if name.startswith(SEARCH_TABLE)]
    with Session(database.engine) as session:  # without the index, search scans the tables
        assert len(find_customers("华信科技", session=session).ids) == 1
        # In SQL: the models have columns that revision 0001 does not (0003: last_visit_at).
        session.execute(
            text(
                "INSERT INTO customers (id, code, name, kind, status, grade, grade_fixed,"
                " pinyin, pinyin_initials, name_key, created_at, updated_at)"
                " VALUES (2, 'C000002', '深圳长江实业有限公司', 'direct', 'prospect', 'D', 0,"
                " 'shenzhenchangjiangshiyeyouxiangongsi', 'szcjsyyxgs', '深圳长江实业',"
                " '2024-01-02 03:04:05', '2024-01-02 03:04:05')"
            )
        )
        session.commit()
    with database.engine.begin() as conn:
        command.upgrade(migrate.alembic_config(conn), "head")
    assert found(database, "长江实业") == [2]  # rows written meanwhile are indexed too
    database.dispose()
