"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 10:49:36.240832

Migrations are frozen in time: they use plain SQLAlchemy types, never clientdesk's models.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=60), nullable=True),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entries_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_entries_entity", ["entity", "entity_id"], unique=False)

    meta = op.create_table(
        "clientdesk_meta",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "customers",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("short_name", sa.String(length=60), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("special_kind", sa.String(length=20), nullable=True),
        sa.Column("industry", sa.String(length=60), nullable=True),
        sa.Column("region", sa.String(length=60), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("website", sa.String(length=200), nullable=True),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("registered_capital_cents", sa.BigInteger(), nullable=True),
        sa.Column("annual_revenue_cents", sa.BigInteger(), nullable=True),
        sa.Column("bank_name", sa.String(length=100), nullable=True),
        sa.Column("bank_account", sa.String(length=40), nullable=True),
        sa.Column("owner", sa.String(length=60), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("grade_fixed", sa.Boolean(), nullable=False),
        sa.Column("market_share_rating", sa.Integer(), nullable=True),
        sa.Column("potential_rating", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("credit_limit_cents", sa.BigInteger(), nullable=True),
        sa.Column("notes", sa.String(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("pinyin", sa.String(length=400), nullable=False),
        sa.Column("pinyin_initials", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("last_contact_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["customers.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("credit_code"),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customers_grade"), ["grade"], unique=False)
        batch_op.create_index(batch_op.f("ix_customers_industry"), ["industry"], unique=False)
        batch_op.create_index(batch_op.f("ix_customers_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_customers_last_contact_at"), ["last_contact_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_customers_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_customers_name_key"), ["name_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_customers_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_customers_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_customers_pinyin"), ["pinyin"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_customers_pinyin_initials"), ["pinyin_initials"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_customers_region"), ["region"], unique=False)
        batch_op.create_index(batch_op.f("ix_customers_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_customers_verified_at"), ["verified_at"], unique=False)

    op.create_table(
        "sales_targets",
        sa.Column("owner", sa.String(length=60), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner", "period_start", "period_end"),
    )
    op.create_table(
        "contacts",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("mobile", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=120), nullable=True),
        sa.Column("wechat", sa.String(length=60), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.String(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("phone_digits", sa.String(length=40), nullable=False),
        sa.Column("mobile_digits", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contacts_email"), ["email"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_contacts_mobile_digits"), ["mobile_digits"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_contacts_name"), ["name"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_contacts_phone_digits"), ["phone_digits"], unique=False
        )
        batch_op.create_index(
            "ux_contacts_primary",
            ["customer_id"],
            unique=True,
            sqlite_where=sa.text("is_primary = 1"),
            postgresql_where=sa.text("is_primary"),
        )

    op.create_table(
        "contracts",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=True),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("value_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_terms", sa.String(length=200), nullable=True),
        sa.Column("owner", sa.String(length=60), nullable=True),
        sa.Column("notes", sa.String(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("terminated_on", sa.Date(), nullable=True),
        sa.Column("termination_reason", sa.String(), nullable=True),
        sa.Column("renewal_of_id", sa.Integer(), nullable=True),
        sa.Column("risk_level", sa.String(length=20), nullable=True),
        sa.Column("risk_notes", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["renewal_of_id"], ["contracts.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contracts_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_contracts_renewal_of_id"), ["renewal_of_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_contracts_risk_level"), ["risk_level"], unique=False)
        batch_op.create_index("ix_contracts_status_end", ["status", "end_on"], unique=False)

    op.create_table(
        "grade_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("previous_grade", sa.String(length=1), nullable=True),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("total_score", sa.Float(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("grade_assessments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_grade_assessments_customer_at", ["customer_id", "assessed_at"], unique=False
        )

    op.create_table(
        "complaints",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.Column("details", sa.String(), nullable=True),
        sa.Column("owner", sa.String(length=60), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("dispute_positions", sa.String(), nullable=True),
        sa.Column("dispute_outcome", sa.String(), nullable=True),
        sa.Column("compensation_cents", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_complaints_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_complaints_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index("ix_complaints_status_due", ["status", "due_at"], unique=False)

    op.create_table(
        "contract_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("value_change_cents", sa.BigInteger(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("delivered_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contract_id"], ["contracts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("contract_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contract_events_contract_id"), ["contract_id"], unique=False
        )
        batch_op.create_index("ix_contract_events_kind_due", ["kind", "due_on"], unique=False)

    op.create_table(
        "interactions",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.String(), nullable=True),
        sa.Column("owner", sa.String(length=60), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interactions_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            "ix_interactions_customer_occurred", ["customer_id", "occurred_at"], unique=False
        )

    op.create_table(
        "transactions",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("reference", sa.String(length=60), nullable=True),
        sa.Column("notes", sa.String(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contract_id"], ["contracts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transactions_contract_id"), ["contract_id"], unique=False
        )
        batch_op.create_index(
            "ix_transactions_customer_occurred", ["customer_id", "occurred_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_transactions_kind"), ["kind"], unique=False)

    op.create_table(
        "complaint_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("actor", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaints.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("complaint_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_events_complaint_id"), ["complaint_id"], unique=False
        )

    op.create_table(
        "visits",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner", sa.String(length=60), nullable=True),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("discussion", sa.String(), nullable=True),
        sa.Column("needs", sa.String(), nullable=True),
        sa.Column("feedback", sa.String(), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("next_step", sa.String(), nullable=True),
        sa.Column("next_step_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaints.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["contract_id"], ["contracts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visits_complaint_id"), ["complaint_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visits_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visits_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index(
            "ix_visits_customer_status_planned",
            ["customer_id", "status", "planned_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_visits_owner"), ["owner"], unique=False)
        batch_op.create_index("ix_visits_status_planned", ["status", "planned_at"], unique=False)
    # Marks the file as a clientdesk database; opening refuses files without it.
    op.bulk_insert(meta, [{"key": "application", "value": "clientdesk"}])


def downgrade() -> None:
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index("ix_visits_status_planned")
        batch_op.drop_index(batch_op.f("ix_visits_owner"))
        batch_op.drop_index("ix_visits_customer_status_planned")
        batch_op.drop_index(batch_op.f("ix_visits_contract_id"))
        batch_op.drop_index(batch_op.f("ix_visits_contact_id"))
        batch_op.drop_index(batch_op.f("ix_visits_complaint_id"))

    op.drop_table("visits")
    with op.batch_alter_table("complaint_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_events_complaint_id"))

    op.drop_table("complaint_events")
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transactions_kind"))
        batch_op.drop_index("ix_transactions_customer_occurred")
        batch_op.drop_index(batch_op.f("ix_transactions_contract_id"))

    op.drop_table("transactions")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index("ix_interactions_customer_occurred")
        batch_op.drop_index(batch_op.f("ix_interactions_contact_id"))

    op.drop_table("interactions")
    with op.batch_alter_table("contract_events", schema=None) as batch_op:
        batch_op.drop_index("ix_contract_events_kind_due")
        batch_op.drop_index(batch_op.f("ix_contract_events_contract_id"))

    op.drop_table("contract_events")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index("ix_complaints_status_due")
        batch_op.drop_index(batch_op.f("ix_complaints_customer_id"))
        batch_op.drop_index(batch_op.f("ix_complaints_contact_id"))

    op.drop_table("complaints")
    with op.batch_alter_table("grade_assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_grade_assessments_customer_at")

    op.drop_table("grade_assessments")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index("ix_contracts_status_end")
        batch_op.drop_index(batch_op.f("ix_contracts_risk_level"))
        batch_op.drop_index(batch_op.f("ix_contracts_renewal_of_id"))
        batch_op.drop_index(batch_op.f("ix_contracts_customer_id"))

    op.drop_table("contracts")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(
            "ux_contacts_primary",
            sqlite_where=sa.text("is_primary = 1"),
            postgresql_where=sa.text("is_primary"),
        )
        batch_op.drop_index(batch_op.f("ix_contacts_phone_digits"))
        batch_op.drop_index(batch_op.f("ix_contacts_name"))
        batch_op.drop_index(batch_op.f("ix_contacts_mobile_digits"))
        batch_op.drop_index(batch_op.f("ix_contacts_email"))
        batch_op.drop_index(batch_op.f("ix_contacts_customer_id"))

    op.drop_table("contacts")
    op.drop_table("sales_targets")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_verified_at"))
        batch_op.drop_index(batch_op.f("ix_customers_status"))
        batch_op.drop_index(batch_op.f("ix_customers_region"))
        batch_op.drop_index(batch_op.f("ix_customers_pinyin_initials"))
        batch_op.drop_index(batch_op.f("ix_customers_pinyin"))
        batch_op.drop_index(batch_op.f("ix_customers_parent_id"))
        batch_op.drop_index(batch_op.f("ix_customers_owner"))
        batch_op.drop_index(batch_op.f("ix_customers_name_key"))
        batch_op.drop_index(batch_op.f("ix_customers_name"))
        batch_op.drop_index(batch_op.f("ix_customers_last_contact_at"))
        batch_op.drop_index(batch_op.f("ix_customers_kind"))
        batch_op.drop_index(batch_op.f("ix_customers_industry"))
        batch_op.drop_index(batch_op.f("ix_customers_grade"))

    op.drop_table("customers")
    op.drop_table("clientdesk_meta")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_entity")
        batch_op.drop_index(batch_op.f("ix_audit_entries_at"))

    op.drop_table("audit_entries")
