"""Key/value facts about the database itself; its presence marks a clientdesk database."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

APPLICATION = "clientdesk"


class Meta(SQLModel, table=True):
    __tablename__ = "clientdesk_meta"

    key: str = Field(primary_key=True, max_length=60)
    value: str = ""
