"""Tabs of the customer file after Profile, Contacts and Timeline.

Each module here defines `TAB = SomeTab`, a `FileTab` subclass; the file screen finds them
(see `clientdesk.tui.registry`), gives each its own pane, number key and palette commands,
and tells them when the file is (re)loaded. A tab reads its own rows in a worker, keeps its
own keys (bindings on the tab apply while the focus is inside it) and posts `Changed` after
it wrote, so the file's header and the lists behind it are read again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.containers import Vertical
from textual.message import Message

if TYPE_CHECKING:
    from clientdesk.domain.customer_file import CustomerFile
    from clientdesk.tui.context import AppContext
    from clientdesk.tui.registry import Command


class FileTab(Vertical):
    """Base of the extra tabs: subclasses set TAB_ID, TITLE and ORDER and implement reload."""

    TAB_ID: ClassVar[str]  # the pane's id, unique in the file screen
    TITLE: ClassVar[str]  # shown after the tab's number key, e.g. "Visits 拜访"
    ORDER: ClassVar[int]  # tabs are ordered by this; the number keys follow the order
    SHORT_TITLE: ClassVar[str] = ""  # for a narrow screen, when TITLE is long ("Contr.")

    DEFAULT_CSS = """
    FileTab { height: 1fr; }
    """

    class Changed(Message):
        """The tab wrote to the database: the file screen reloads and marks itself changed."""

    class Counted(Message):
        """The tab knows how many rows it has: shown in the tab's title (None: no count)."""

        def __init__(self, tab_id: str, count: int | None) -> None:
            super().__init__()
            self.tab_id = tab_id
            self.count = count

    def __init__(self, ctx: AppContext, customer_id: int) -> None:
        super().__init__(id=f"{self.TAB_ID}-tab")
        self.ctx = ctx
        self.customer_id = customer_id
        self.file: CustomerFile | None = None

    def show_file(self, file: CustomerFile) -> None:
        """The file was (re)loaded: its header data is here; the tab reads its rows again."""
        self.file = file
        self.reload()

    def reload(self) -> None:
        """Read the tab's rows again (in a worker) and show them."""
        raise NotImplementedError

    def focus_first(self) -> None:
        """Give the focus to the tab's main widget (its first focusable one by default)."""
        for widget in self.query("*"):
            if widget.focusable and widget.display:
                widget.focus()
                return

    def commands(self) -> list[Command]:
        """Palette commands of this tab ("Customer: ..."), shown while the file is open."""
        return []

    def counted(self, count: int | None) -> None:
        """Show `count` in the tab's title."""
        self.post_message(self.Counted(self.TAB_ID, count))

    def changed(self) -> None:
        """Tell the file screen the database changed."""
        self.post_message(self.Changed())
