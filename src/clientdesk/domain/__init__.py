"""The business: tables and rules. Never imports textual, typer or rich.

Importing this package registers every table on SQLModel.metadata.
"""

from clientdesk.domain.audit import AuditEntry
from clientdesk.domain.complaint import Complaint, ComplaintEvent
from clientdesk.domain.contact import Contact
from clientdesk.domain.contract import Contract, ContractEvent
from clientdesk.domain.customer import Customer
from clientdesk.domain.grading import GradeAssessment
from clientdesk.domain.interaction import Interaction
from clientdesk.domain.meta import Meta
from clientdesk.domain.target import SalesTarget
from clientdesk.domain.transaction import Transaction
from clientdesk.domain.visit import Visit

__all__ = [
    "AuditEntry",
    "Complaint",
    "ComplaintEvent",
    "Contact",
    "Contract",
    "ContractEvent",
    "Customer",
    "GradeAssessment",
    "Interaction",
    "Meta",
    "SalesTarget",
    "Transaction",
    "Visit",
]
