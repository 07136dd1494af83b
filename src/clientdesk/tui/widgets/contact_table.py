"""The Contacts tab: a customer's contacts, the key contact (★) first."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from clientdesk.domain.contact import Contact

COLUMNS = (
    ("key", "", 2),
    ("name", "Name 姓名", 12),
    ("title", "Title 职务", 12),
    ("phone", "Phone 电话", 16),
    ("mobile", "Mobile 手机", 16),
    ("email", "E-mail 邮箱", 28),
    ("wechat", "WeChat 微信", 11),
)


class ContactTable(DataTable[Text]):
    """Enter edits the highlighted contact, p makes it the key contact, d deletes it."""

    # Listed in the hint line under the table rather than the footer, which the file's own
    # keys fill; the keys panel (?) and the command palette list them too.
    HELP = """\
## Contacts 联系人

The customer's contacts, the key contact (主要联系人, ★) first.

Enter or a double click edits a contact, **p** makes it the key contact,
**d** deletes it (after asking), **a** adds one.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Enter selects the row; the screen edits the selected contact (a double click too).
        Binding("enter", "select_cursor", "Edit contact", show=False, id="contacts.edit"),
        Binding("p", "screen.set_primary", "Key contact", show=False, id="contacts.primary"),
        Binding(
            "d,delete", "screen.delete_contact", "Delete contact", show=False, id="contacts.delete"
        ),
    ]
    HINT = "⏎ edit contact  ·  p make key contact ★  ·  d delete contact  ·  a add contact"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.contacts: list[Contact] = []

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    @property
    def current(self) -> Contact | None:
        if not self.contacts or not 0 <= self.cursor_row < len(self.contacts):
            return None
        return self.contacts[self.cursor_row]

    def show(self, contacts: list[Contact]) -> None:
        """Replace the rows, keeping the cursor on the same contact when it is still there."""
        chosen = self.current.id if self.current else None
        self.contacts = list(contacts)
        self.clear()
        for contact in self.contacts:
            self.add_row(*self._cells(contact), key=str(contact.id))
        ids = [c.id for c in self.contacts]
        if chosen in ids:
            self.move_cursor(row=ids.index(chosen), scroll=False)

    @staticmethod
    def _cells(contact: Contact) -> list[Text]:
        values = (
            "★" if contact.is_primary else "",
            contact.name,
            contact.title or "",
            contact.phone or "",
            contact.mobile or "",
            contact.email or "",
            contact.wechat or "",
        )
        return [Text(value, no_wrap=True, overflow="ellipsis") for value in values]
