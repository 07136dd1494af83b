"""The importable entities by name, in the order a full import has to load them."""

from __future__ import annotations

from clientdesk.exchange.customers import CustomerImport
from clientdesk.exchange.importer import EntityImport
from clientdesk.exchange.records import (
    ComplaintImport,
    ContactImport,
    ContractImport,
    InteractionImport,
    TransactionImport,
    VisitImport,
)

IMPORTERS: dict[str, type[EntityImport]] = {
    "customers": CustomerImport,
    "contacts": ContactImport,
    "contracts": ContractImport,
    "interactions": InteractionImport,
    "transactions": TransactionImport,
    "visits": VisitImport,
    "complaints": ComplaintImport,
}
ENTITIES = tuple(IMPORTERS)
