"""Messages that cross screens: any screen may ask the app to open a customer's file."""

from __future__ import annotations

from textual.message import Message


class OpenCustomer(Message):
    """Open the file of `customer_id`, or the new-customer form when it is None."""

    def __init__(self, customer_id: int | None) -> None:
        super().__init__()
        self.customer_id = customer_id


class CustomersChanged(Message):
    """Customers were created, changed or deleted: lists showing them should reload."""
