"""visit plans: last done visit per customer, calendar index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 12:00:00

"Due for a visit" asks, for 100,000 customers, when each was last visited. Looking that up
per customer costs a search in a million visits each time; instead customers carry
`last_visit_at` (the latest done visit), indexed per grade, and triggers on visits keep it
right whoever writes the visits: the app, an import, a restore. A bulk load that drops
triggers (the demo build) recomputes it afterwards (domain/visits_due.refresh_last_visits).
The index carries status and owner too, so counts and filters read the index alone.

`ix_visits_status_done` serves the month calendar (done visits by the day they were done),
`ix_visits_owner_status_planned` one salesperson's agenda.

Migrations are frozen in time: they use plain SQL, never clientdesk's models.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One customer's done visits through the customer's own index. SQLite, without statistics,
# would otherwise answer max(done_at) by walking ix_visits_status_done from the newest done
# visit of anyone until it meets this customer's: a scan of the table per row updated.
LAST_DONE = (
    "(SELECT max(v.done_at) FROM visits AS v{hint}"
    " WHERE v.customer_id = customers.id AND v.status = 'done')"
)
SQLITE_LAST_DONE = LAST_DONE.format(hint=" INDEXED BY ix_visits_customer_status_planned")
POSTGRES_LAST_DONE = LAST_DONE.format(hint="")

SQLITE_TRIGGERS = {
    # A new done visit can only move the date forward: no search needed.
    "visits_last_visit_insert": (
        "CREATE TRIGGER visits_last_visit_insert AFTER INSERT ON visits"
        " WHEN new.status = 'done' AND new.done_at IS NOT NULL BEGIN"
        " UPDATE customers SET last_visit_at = new.done_at"
        " WHERE id = new.customer_id"
        " AND (last_visit_at IS NULL OR last_visit_at < new.done_at);"
        " END"
    ),
    "visits_last_visit_update": (
        "CREATE TRIGGER visits_last_visit_update"  # noqa: S608 (constants only)
        " AFTER UPDATE OF customer_id, status, done_at ON visits"
        " WHEN old.status = 'done' OR new.status = 'done' BEGIN"
        f" UPDATE customers SET last_visit_at = {SQLITE_LAST_DONE}"
        " WHERE id IN (old.customer_id, new.customer_id);"
        " END"
    ),
    "visits_last_visit_delete": (
        "CREATE TRIGGER visits_last_visit_delete AFTER DELETE ON visits"  # noqa: S608
        " WHEN old.status = 'done' BEGIN"
        f" UPDATE customers SET last_visit_at = {SQLITE_LAST_DONE}"
        " WHERE id = old.customer_id;"
        " END"
    ),
}

POSTGRES_FUNCTION = f"""
CREATE FUNCTION clientdesk_visits_last_visit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status = 'done' AND NEW.done_at IS NOT NULL THEN
            UPDATE customers SET last_visit_at = NEW.done_at
            WHERE id = NEW.customer_id
            AND (last_visit_at IS NULL OR last_visit_at < NEW.done_at);
        END IF;
        RETURN NULL;
    END IF;
    IF OLD.status = 'done' THEN
        UPDATE customers SET last_visit_at = {POSTGRES_LAST_DONE} WHERE id = OLD.customer_id;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.status = 'done' THEN
        UPDATE customers SET last_visit_at = {POSTGRES_LAST_DONE} WHERE id = NEW.customer_id;
    END IF;
    RETURN NULL;
END
$$
"""  # noqa: S608 (constants only)
POSTGRES_TRIGGER = (
    "CREATE TRIGGER visits_last_visit"
    " AFTER INSERT OR DELETE OR UPDATE OF customer_id, status, done_at ON visits"
    " FOR EACH ROW EXECUTE FUNCTION clientdesk_visits_last_visit()"
)


def upgrade() -> None:
    bind = op.get_bind()
    # Plain ALTER TABLE ... ADD COLUMN (no batch rebuild), so the search triggers on
    # customers (migration 0002) stay in place.
    op.add_column("customers", sa.Column("last_visit_at", sa.DateTime(timezone=True)))
    last_done = SQLITE_LAST_DONE if bind.dialect.name == "sqlite" else POSTGRES_LAST_DONE
    bind.exec_driver_sql(f"UPDATE customers SET last_visit_at = {last_done}")  # noqa: S608
    op.create_index(
        "ix_customers_visit_due",
        "customers",
        ["grade", "last_visit_at", "created_at", "status", "owner"],
    )
    op.create_index("ix_visits_status_done", "visits", ["status", "done_at"])
    op.create_index("ix_visits_owner_status_planned", "visits", ["owner", "status", "planned_at"])
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS.values():
            bind.exec_driver_sql(statement)
    elif bind.dialect.name == "postgresql":
        bind.exec_driver_sql(POSTGRES_FUNCTION)
        bind.exec_driver_sql(POSTGRES_TRIGGER)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    elif bind.dialect.name == "postgresql":
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS visits_last_visit ON visits")
        bind.exec_driver_sql("DROP FUNCTION IF EXISTS clientdesk_visits_last_visit()")
    op.drop_index("ix_visits_owner_status_planned", table_name="visits")
    op.drop_index("ix_visits_status_done", table_name="visits")
    op.drop_index("ix_customers_visit_due", table_name="customers")
    # SQLite 3.35+ drops a column in place; the search triggers on customers stay.
    op.drop_column("customers", "last_visit_at")
