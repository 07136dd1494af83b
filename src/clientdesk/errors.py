"""Errors a user can cause, each with a message that names what went wrong and the fix.

The CLI turns these into one line on stderr and the exit code below; the TUI into a
notification. Anything else escaping to the user is a bug.
"""

from __future__ import annotations


class ClientdeskError(Exception):
    """Base of every error the user can cause or fix."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class UsageError(ClientdeskError):
    """The command was asked for something it cannot do as given."""

    exit_code = 2


class ConfigError(ClientdeskError):
    """The settings file is malformed or holds a value out of range."""

    exit_code = 2


class DatabaseError(ClientdeskError):
    """The database cannot be opened or used."""


class DatabaseBusyError(DatabaseError):
    """Another process holds the database locked for longer than the busy timeout."""

    exit_code = 3


class NotClientdeskDatabaseError(DatabaseError):
    """The file is a database, but not one clientdesk made."""


class CorruptDatabaseError(DatabaseError):
    """The file is not a readable SQLite database or fails its integrity check."""


class SchemaTooNewError(DatabaseError):
    """The database was written by a newer clientdesk than this one."""


class ValidationError(ClientdeskError):
    """A value given for a record is not acceptable; nothing was saved."""

    def __init__(self, message: str, *, field: str | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.field = field


class NotFoundError(ClientdeskError):
    """The record asked for does not exist."""


class ConflictError(ClientdeskError):
    """The change clashes with existing data (duplicate key, record in use)."""
