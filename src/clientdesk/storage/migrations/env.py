"""Alembic environment: always run in-process on a connection clientdesk hands over."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import clientdesk.domain  # noqa: F401  (registers every table on the metadata)

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached if someone runs the alembic CLI
    raise RuntimeError("clientdesk migrations run through `clientdesk db upgrade`.")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
