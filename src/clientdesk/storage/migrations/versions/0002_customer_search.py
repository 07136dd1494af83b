"""customer search index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 11:00:00

SQLite only: an FTS5 table with the trigram tokenizer holding, per customer, the text that
instant search looks in (names, code, pinyin, contacts), kept in step by triggers on
customers and contacts, and an fts5vocab table listing its trigrams (a 2-character query
is looked up as the trigrams that start with it). Other databases (PostgreSQL) get nothing
here: search takes its LIKE/ILIKE path there. An SQLite built without FTS5 or older than
3.34 (no trigram tokenizer) also gets nothing, and search takes the LIKE path.

A later migration that rebuilds customers or contacts in batch mode drops these triggers
with the old table: it must create them again (tests/test_migrations.py checks they exist).

Migrations are frozen in time: they use plain SQL, never clientdesk's models.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Per customer: names (name, short name), code, pinyin (full, initials), contacts (name and
# e-mail of each), phones (phone and mobile digits of each). char(31), the unit separator,
# ends every value: a query never contains it, so a match never runs from one value into
# the next, and every 2 characters of a value start a trigram (the last two: "xy" + char(31)).
STATEMENTS = (
    """
    CREATE VIRTUAL TABLE customer_search USING fts5(
        names, code, pinyin, contacts, phones, tokenize = 'trigram'
    )
    """,
    "CREATE VIRTUAL TABLE customer_search_terms USING fts5vocab(customer_search, 'row')",
    """
    INSERT INTO customer_search (rowid, names, code, pinyin, contacts, phones)
    SELECT c.id,
           c.name || char(31) || coalesce(c.short_name, '') || char(31),
           c.code || char(31),
           c.pinyin || char(31) || c.pinyin_initials || char(31),
           coalesce((SELECT group_concat(k.name || char(31) || coalesce(k.email, '')
                                         || char(31), '')
                     FROM contacts AS k WHERE k.customer_id = c.id), ''),
           coalesce((SELECT group_concat(k.phone_digits || char(31) || k.mobile_digits
                                         || char(31), '')
                     FROM contacts AS k WHERE k.customer_id = c.id), '')
    FROM customers AS c
    """,
    """
    CREATE TRIGGER customer_search_insert AFTER INSERT ON customers BEGIN
        INSERT INTO customer_search (rowid, names, code, pinyin, contacts, phones)
        VALUES (new.id,
                new.name || char(31) || coalesce(new.short_name, '') || char(31),
                new.code || char(31),
                new.pinyin || char(31) || new.pinyin_initials || char(31),
                coalesce((SELECT group_concat(k.name || char(31) || coalesce(k.email, '')
                                              || char(31), '')
                          FROM contacts AS k WHERE k.customer_id = new.id), ''),
                coalesce((SELECT group_concat(k.phone_digits || char(31) || k.mobile_digits
                                              || char(31), '')
                          FROM contacts AS k WHERE k.customer_id = new.id), ''));
    END
    """,
    """
    CREATE TRIGGER customer_search_update
    AFTER UPDATE OF name, short_name, code, pinyin, pinyin_initials ON customers BEGIN
        UPDATE customer_search
        SET names = new.name || char(31) || coalesce(new.short_name, '') || char(31),
            code = new.code || char(31),
            pinyin = new.pinyin || char(31) || new.pinyin_initials || char(31)
        WHERE rowid = new.id;
    END
    """,
    """
    CREATE TRIGGER customer_search_delete AFTER DELETE ON customers BEGIN
        DELETE FROM customer_search WHERE rowid = old.id;
    END
    """,
    """
    CREATE TRIGGER customer_search_contact_insert AFTER INSERT ON contacts BEGIN
        UPDATE customer_search
        SET contacts = coalesce((SELECT group_concat(k.name || char(31) || coalesce(k.email, '')
                                                     || char(31), '')
                                 FROM contacts AS k WHERE k.customer_id = new.customer_id), ''),
            phones = coalesce((SELECT group_concat(k.phone_digits || char(31) || k.mobile_digits
                                                   || char(31), '')
                               FROM contacts AS k WHERE k.customer_id = new.customer_id), '')
        WHERE rowid = new.customer_id;
    END
    """,
    """
    CREATE TRIGGER customer_search_contact_update
    AFTER UPDATE OF name, email, phone_digits, mobile_digits, customer_id ON contacts BEGIN
        UPDATE customer_search
        SET contacts = coalesce((SELECT group_concat(k.name || char(31) || coalesce(k.email, '')
                                                     || char(31), '')
                                 FROM contacts AS k WHERE k.customer_id = old.customer_id), ''),
            phones = coalesce((SELECT group_concat(k.phone_digits || char(31) || k.mobile_digits
                                                   || char(31), '')
                               FROM contacts AS k WHERE k.customer_id = old.customer_id), '')
        WHERE rowid = old.customer_id;
        UPDATE customer_search
        SET contacts = coalesce((SELECT group_concat(k.name || char(31) || coalesce(k.email, '')
                                                     || char(31), '')
                                 FROM contacts AS k WHERE k.customer_id = new.customer_id), ''),
            phones = coalesce((SELECT group_concat(k.phone_digits || char(31) || k.mobile_digits
                                                   || char(31), '')
                               FROM contacts AS k WHERE k.customer_id = new.customer_id), '')
        WHERE rowid = new.customer_id;
    END
    """,
    """
    CREATE TRIGGER customer_search_contact_delete AFTER DELETE ON contacts BEGIN
        UPDATE customer_search
        SET contacts = coalesce((SELECT group_concat(k.name || char(31) || coalesce(k.email, '')
                                                     || char(31), '')
                                 FROM contacts AS k WHERE k.customer_id = old.customer_id), ''),
            phones = coalesce((SELECT group_concat(k.phone_digits || char(31) || k.mobile_digits
                                                   || char(31), '')
                               FROM contacts AS k WHERE k.customer_id = old.customer_id), '')
        WHERE rowid = old.customer_id;
    END
    """,
)

TRIGGERS = (
    "customer_search_insert",
    "customer_search_update",
    "customer_search_delete",
    "customer_search_contact_insert",
    "customer_search_contact_update",
    "customer_search_contact_delete",
)


def _has_trigram_fts5(bind: sa.Connection) -> bool:
    version = bind.exec_driver_sql("SELECT sqlite_version()").scalar_one()
    if tuple(int(part) for part in str(version).split(".")[:2]) < (3, 34):
        return False
    options = bind.exec_driver_sql("PRAGMA compile_options").scalars().all()
    return "ENABLE_FTS5" in options


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite" or not _has_trigram_fts5(bind):
        return
    for statement in STATEMENTS:
        bind.exec_driver_sql(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for trigger in TRIGGERS:
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
    bind.exec_driver_sql("DROP TABLE IF EXISTS customer_search_terms")
    bind.exec_driver_sql("DROP TABLE IF EXISTS customer_search")
