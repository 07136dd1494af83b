"""The tables the demo fills, in foreign-key order, with the column order of the generated rows."""

from __future__ import annotations

from sqlalchemy import Table

from clientdesk.domain import (
    Complaint,
    ComplaintEvent,
    Contact,
    Contract,
    ContractEvent,
    Customer,
    Interaction,
    SalesTarget,
    Transaction,
    Visit,
)


def _table(model: type) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


CUSTOMERS = "customers"
CONTACTS = "contacts"
CONTRACTS = "contracts"
CONTRACT_EVENTS = "contract_events"
COMPLAINTS = "complaints"
COMPLAINT_EVENTS = "complaint_events"
VISITS = "visits"
TRANSACTIONS = "transactions"
INTERACTIONS = "interactions"
SALES_TARGETS = "sales_targets"

# Parents before children: rows are written in this order, batch by batch.
COLUMNS: dict[str, tuple[str, ...]] = {
    CUSTOMERS: (
        "id",
        "code",
        "name",
        "short_name",
        "kind",
        "special_kind",
        "industry",
        "region",
        "address",
        "website",
        "credit_code",
        "registered_capital_cents",
        "annual_revenue_cents",
        "bank_name",
        "bank_account",
        "owner",
        "status",
        "grade",
        "grade_fixed",
        "market_share_rating",
        "potential_rating",
        "parent_id",
        "credit_limit_cents",
        "notes",
        "pinyin",
        "pinyin_initials",
        "name_key",
        "last_contact_at",
        "created_at",
        "updated_at",
        "verified_at",
    ),
    CONTACTS: (
        "id",
        "customer_id",
        "name",
        "title",
        "phone",
        "mobile",
        "email",
        "wechat",
        "is_primary",
        "notes",
        "phone_digits",
        "mobile_digits",
        "created_at",
        "updated_at",
    ),
    CONTRACTS: (
        "id",
        "customer_id",
        "number",
        "title",
        "start_on",
        "end_on",
        "value_cents",
        "currency",
        "payment_terms",
        "owner",
        "notes",
        "status",
        "signed_on",
        "terminated_on",
        "termination_reason",
        "renewal_of_id",
        "risk_level",
        "risk_notes",
        "created_at",
        "updated_at",
    ),
    CONTRACT_EVENTS: (
        "id",
        "contract_id",
        "kind",
        "occurred_on",
        "description",
        "value_change_cents",
        "due_on",
        "delivered_on",
        "created_at",
    ),
    COMPLAINTS: (
        "id",
        "customer_id",
        "contact_id",
        "channel",
        "category",
        "severity",
        "summary",
        "details",
        "owner",
        "status",
        "received_at",
        "due_at",
        "acknowledged_at",
        "resolved_at",
        "closed_at",
        "escalated",
        "escalated_at",
        "resolution",
        "satisfaction",
        "dispute_positions",
        "dispute_outcome",
        "compensation_cents",
        "created_at",
        "updated_at",
    ),
    COMPLAINT_EVENTS: ("id", "complaint_id", "at", "from_status", "to_status", "note", "actor"),
    VISITS: (
        "id",
        "customer_id",
        "contact_id",
        "kind",
        "purpose",
        "planned_at",
        "owner",
        "contract_id",
        "complaint_id",
        "status",
        "done_at",
        "discussion",
        "needs",
        "feedback",
        "satisfaction",
        "next_step",
        "next_step_on",
        "created_at",
        "updated_at",
    ),
    TRANSACTIONS: (
        "id",
        "customer_id",
        "contract_id",
        "kind",
        "amount_cents",
        "currency",
        "occurred_on",
        "due_on",
        "paid_on",
        "reference",
        "notes",
        "created_at",
    ),
    INTERACTIONS: (
        "id",
        "customer_id",
        "contact_id",
        "kind",
        "occurred_at",
        "subject",
        "notes",
        "owner",
        "created_at",
    ),
    SALES_TARGETS: ("id", "owner", "period_start", "period_end", "amount_cents", "currency"),
}

TABLES: dict[str, Table] = {
    CUSTOMERS: _table(Customer),
    CONTACTS: _table(Contact),
    CONTRACTS: _table(Contract),
    CONTRACT_EVENTS: _table(ContractEvent),
    COMPLAINTS: _table(Complaint),
    COMPLAINT_EVENTS: _table(ComplaintEvent),
    VISITS: _table(Visit),
    TRANSACTIONS: _table(Transaction),
    INTERACTIONS: _table(Interaction),
    SALES_TARGETS: _table(SalesTarget),
}
