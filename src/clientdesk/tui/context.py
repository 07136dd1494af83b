"""What every screen of the app needs: the open database, the settings and the clock.

Screens receive this instead of reaching for `self.app`, so they can be built and tested
on their own and never import the app module (which imports them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TypeVar

from sqlmodel import Session

from clientdesk.config import Settings
from clientdesk.storage.database import Database, translate_errors
from clientdesk.storage.engine import writer

T = TypeVar("T")


@dataclass(frozen=True)
class AppContext:
    database: Database
    settings: Settings
    zone: tzinfo
    now: Callable[[], datetime]
    today: Callable[[], date]

    @property
    def actor(self) -> str:
        """Who the audit trail names, and the owner of new records (settings: user.name)."""
        return self.settings.owner

    def read(self, job: Callable[[Session], T]) -> T:
        """Run `job` in a read session; driver errors become DatabaseErrors naming the file."""
        with translate_errors(self.database.label), Session(self.database.engine) as session:
            return job(session)

    def write(self, job: Callable[[Session], T]) -> T:
        """Run `job` in one write transaction: all of it is saved, or none of it.

        Objects stay readable after the commit, so the job may return what it wrote.
        """
        engine = writer(self.database.engine)
        with (
            translate_errors(self.database.label),
            Session(engine, expire_on_commit=False) as session,
        ):
            result = job(session)
            session.commit()
            return result
