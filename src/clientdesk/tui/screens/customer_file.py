"""A customer's file (客户档案): header, Profile, Contacts and Timeline, and the actions on it.

Every read and write runs in a worker; the workers post what happened and the handlers
below update the widgets. Each action writes its audit entry in the same transaction.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.cells import cell_len
from sqlmodel import Session
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from clientdesk.domain.contact import Contact
from clientdesk.domain.contacts import delete_contact, list_contacts, set_primary_contact
from clientdesk.domain.customer_file import CustomerFile, load_file
from clientdesk.domain.customers import (
    DeletionImpact,
    archive_customer,
    delete_customer,
    deletion_impact,
    mark_verified,
)
from clientdesk.domain.timeline import (
    PAGE_SIZE,
    SOURCE_LABELS,
    Cursor,
    Source,
    TimelineEntry,
    count_timeline,
    page_timeline,
)
from clientdesk.errors import ClientdeskError, NotFoundError
from clientdesk.tui.context import AppContext
from clientdesk.tui.file_tabs import FileTab
from clientdesk.tui.messages import OpenCustomer
from clientdesk.tui.registry import file_tabs
from clientdesk.tui.screens.confirm import ConfirmScreen
from clientdesk.tui.screens.contact_form import ContactFormScreen
from clientdesk.tui.screens.customer_form import CustomerFormScreen, OpenExisting
from clientdesk.tui.screens.log_interaction import LogInteractionScreen
from clientdesk.tui.screens.log_transaction import LogTransactionScreen
from clientdesk.tui.screens.reassign import ReassignScreen
from clientdesk.tui.screens.timeline_entry import TimelineEntryScreen
from clientdesk.tui.widgets.contact_table import ContactTable
from clientdesk.tui.widgets.file_header import FileHeader
from clientdesk.tui.widgets.profile_view import ProfileView
from clientdesk.tui.widgets.timeline_table import TimelineTable

BASE_TABS = ("profile", "contacts", "timeline")
# The extra tabs (Visits, Contracts, ...) come from clientdesk.tui.file_tabs, in their order.
TABS = (*BASE_TABS, *(tab.TAB_ID for tab in file_tabs()))
TAB_TITLES = {
    # English only: the tabs with their counts must fit a 120-column row (an 80-column
    # one without the counts and with short titles, see fit_tab_labels); the Chinese
    # terms are in each tab's panel titles.
    "profile": "Profile",
    "contacts": "Contacts",
    "timeline": "Timeline",
    **{tab.TAB_ID: tab.TITLE for tab in file_tabs()},
}
SHORT_TITLES = {tab.TAB_ID: tab.SHORT_TITLE or tab.TITLE for tab in file_tabs()}
SHORT_TITLES = {
    tab: f"{n} {SHORT_TITLES.get(tab, TAB_TITLES[tab])}"
    for n, tab in enumerate(TABS, start=1)
    if n <= 9
}
TAB_TITLES = {tab: f"{n} {TAB_TITLES[tab]}" for n, tab in enumerate(TABS, start=1) if n <= 9}
FILTERS: tuple[Source | None, ...] = (None, *SOURCE_LABELS)


def fit_tab_labels(notes: dict[str, str], width: int) -> tuple[dict[str, str], bool]:
    """The tabs' labels for a row `width` cells wide, and whether they must sit tight.

    A note is a tab's count ("1,234") or state ("filtered"). Tried in turn until one fits:
    labels with their notes and a cell of padding each side; the same, tight (one cell
    between tabs); tight without the notes; tight with the short titles ("Contr."), which
    fits 80 columns.
    """
    full = {
        tab: f"{title} ({notes[tab]})" if notes.get(tab) else title
        for tab, title in TAB_TITLES.items()
    }
    tries = ((full, 2, False), (full, 1, True), (TAB_TITLES, 1, True))
    for labels, pad, tight in tries:
        if sum(cell_len(label) + pad for label in labels.values()) <= width:
            return dict(labels), tight
    return dict(SHORT_TITLES), True


class FileLoaded(Message):
    def __init__(self, file: CustomerFile, contacts: list[Contact]) -> None:
        super().__init__()
        self.file = file
        self.contacts = contacts


class FileLoadFailed(Message):
    def __init__(self, error: str, *, missing: bool) -> None:
        super().__init__()
        self.error = error
        self.missing = missing


class TimelineLoaded(Message):
    def __init__(
        self,
        serial: int,
        entries: list[TimelineEntry],
        *,
        more: bool,
        counts: dict[Source, int] | None,
    ) -> None:
        super().__init__()
        self.serial = serial
        self.entries = entries
        self.more = more
        self.counts = counts  # only with the first page


class TimelineLoadFailed(Message):
    def __init__(self, serial: int, error: str) -> None:
        super().__init__()
        self.serial = serial
        self.error = error


class ActionDone(Message):
    def __init__(self, text: str, *, closes: bool = False) -> None:
        super().__init__()
        self.text = text
        self.closes = closes


class ActionFailed(Message):
    def __init__(self, error: ClientdeskError) -> None:
        super().__init__()
        self.error = error


class ImpactLoaded(Message):
    def __init__(self, impact: DeletionImpact) -> None:
        super().__init__()
        self.impact = impact


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


class CustomerFileScreen(Screen[bool]):
    """One customer's file; dismissed with True when anything in it changed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="file.back"),
        Binding("e", "edit", "Edit", id="file.edit"),
        Binding("i", "log_interaction", "Interaction", id="file.log_interaction"),
        Binding("t", "log_transaction", "Transaction", id="file.log_transaction"),
        Binding("a", "add_contact", "Add contact", id="file.add_contact"),
        Binding("v", "mark_verified", "Verified", id="file.verified"),
        Binding("o", "reassign", "Owner", id="file.reassign"),
        Binding("x", "archive", "Archive", id="file.archive"),
        Binding("D", "delete", "Delete", id="file.delete"),
        *(
            # Not in the footer: the tab titles carry their keys.
            Binding(str(n), f"tab('{tab}')", tab.title(), show=False, id=f"file.tab_{tab}")
            for n, tab in enumerate(TABS[:9], start=1)
        ),
        Binding("ctrl+r,f5", "reload", "Refresh", show=False, id="file.refresh"),
        # q still quits, as everywhere, but the footer's room goes to the file's keys.
        Binding("q", "app.quit", "Quit", show=False, id="file.quit"),
    ]

    AUTO_FOCUS = "#profile-view"

    def __init__(self, ctx: AppContext, customer_id: int, *, tab: str | None = None) -> None:
        super().__init__(classes="file-screen")
        self.ctx = ctx
        self.customer_id = customer_id
        self.first_tab = tab  # the tab to open on (its TAB_ID), else the profile
        if tab in TAB_TITLES:
            # Focusing the profile would bring its tab forward: no automatic focus (an empty
            # selector), the tab's own widget once mounted.
            setattr(self, "AUTO_FOCUS", "")  # noqa: B010 (a ClassVar, set for this screen)
        self.file: CustomerFile | None = None
        self.contacts: list[Contact] = []
        self.changed = False
        self.timeline_filter: Source | None = None
        self.timeline_counts: dict[Source, int] = {}
        self._timeline_serial = 0
        self._tab_notes: dict[str, str] = {}  # tab id -> count or state shown in its label

    def compose(self) -> ComposeResult:
        yield Header()
        yield FileHeader(id="file-header")
        first = self.first_tab if self.first_tab in TAB_TITLES else ""
        with TabbedContent(id="file-tabs", initial=first or ""):
            with TabPane(TAB_TITLES["profile"], id="profile"):
                yield ProfileView(id="profile-view")
            with TabPane(TAB_TITLES["contacts"], id="contacts"):
                yield ContactTable(id="contact-table")
                yield Static("", id="contacts-empty", classes="empty-note", markup=False)
                yield Static(ContactTable.HINT, classes="status-line", markup=False)
            with TabPane(TAB_TITLES["timeline"], id="timeline"):
                yield TimelineTable(zone=self.ctx.zone, id="timeline-table")
                yield Static("", id="timeline-empty", classes="empty-note", markup=False)
                yield Static("", id="timeline-status", classes="status-line", markup=False)
            for tab in file_tabs():
                with TabPane(TAB_TITLES.get(tab.TAB_ID, tab.TITLE), id=tab.TAB_ID):
                    yield tab(self.ctx, self.customer_id)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#contacts-empty").display = False
        self.query_one("#timeline-empty").display = False
        if self.first_tab in TAB_TITLES:
            self.call_after_refresh(self._focus_tab)
        self.reload()

    # Reading.

    def reload(self) -> None:
        self._load_file()
        self._load_timeline(reset=True)

    @work(thread=True, exclusive=True, group="file-load")
    def _load_file(self) -> None:
        worker = get_current_worker()
        customer_id, today = self.customer_id, self.ctx.today()

        def job(session: Session) -> tuple[CustomerFile, list[Contact]]:
            file = load_file(customer_id, session=session, today=today)
            return file, list_contacts(customer_id, session=session)

        try:
            file, contacts = self.ctx.read(job)
        except ClientdeskError as exc:
            if not worker.is_cancelled:
                self.post_message(FileLoadFailed(str(exc), missing=isinstance(exc, NotFoundError)))
            return
        if not worker.is_cancelled:
            self.post_message(FileLoaded(file, contacts))

    @on(FileLoaded)
    def _file_loaded(self, message: FileLoaded) -> None:
        first = self.file is None
        self.file, self.contacts = message.file, message.contacts
        header = self.query_one(FileHeader)
        ctx = self.ctx
        header.show(message.file, settings=ctx.settings, now=ctx.now(), zone=ctx.zone)
        self.query_one(ProfileView).show(
            message.file, zone=ctx.zone, currency=ctx.settings.general.currency
        )
        self.query_one(ContactTable).show(message.contacts)
        self._note_tab("contacts", f"{len(message.contacts):,}")
        empty = self.query_one("#contacts-empty", Static)
        empty.update("No contacts yet. Press a to add one.")
        empty.display = not message.contacts
        self.query_one(ContactTable).display = bool(message.contacts)
        for tab in self.extra_tabs():
            tab.show_file(message.file)
        if first:
            self.refresh_bindings()  # the file's actions are enabled from now on

    def extra_tabs(self) -> list[FileTab]:
        """The tabs after Profile, Contacts and Timeline (see clientdesk.tui.file_tabs)."""
        return list(self.query(FileTab))

    @on(FileTab.Counted)
    def _tab_counted(self, message: FileTab.Counted) -> None:
        self._note_tab(message.tab_id, None if message.count is None else f"{message.count:,}")

    @on(FileTab.Changed)
    def _tab_changed(self) -> None:
        self.changed = True
        self._load_file()  # the header and the tabs; each tab reads its rows again
        self._load_timeline(reset=True)

    @on(FileLoadFailed)
    def _file_failed(self, message: FileLoadFailed) -> None:
        if message.missing:
            self.notify(message.error, title="Customer not found", severity="warning")
            self.changed = True
            self.dismiss(True)
            return
        self.notify(message.error, title="Could not load the file", severity="error", timeout=10)

    def _load_timeline(self, *, reset: bool) -> None:
        table = self.query_one(TimelineTable)
        if reset:
            self._timeline_serial += 1
        after = None if reset or not table.entries else table.entries[-1].cursor
        self._read_timeline(self._timeline_serial, after, self.timeline_filter, reset)

    @work(thread=True, exclusive=True, group="file-timeline")
    def _read_timeline(
        self, serial: int, after: Cursor | None, only: Source | None, with_counts: bool
    ) -> None:
        worker = get_current_worker()
        customer_id = self.customer_id
        sources = frozenset({only}) if only else None

        def job(session: Session) -> tuple[list[TimelineEntry], dict[Source, int] | None]:
            entries = page_timeline(
                customer_id, session=session, after=after, limit=PAGE_SIZE + 1, sources=sources
            )
            counts = (
                count_timeline(customer_id, session=session, sources=sources)
                if with_counts
                else None
            )
            return entries, counts

        try:
            entries, counts = self.ctx.read(job)
        except ClientdeskError as exc:
            if not worker.is_cancelled:
                self.post_message(TimelineLoadFailed(serial, str(exc)))
            return
        if not worker.is_cancelled:
            more = len(entries) > PAGE_SIZE
            self.post_message(TimelineLoaded(serial, entries[:PAGE_SIZE], more=more, counts=counts))

    @on(TimelineLoaded)
    def _timeline_loaded(self, message: TimelineLoaded) -> None:
        if message.serial != self._timeline_serial:
            return  # the filter changed or the file was reloaded meanwhile
        table = self.query_one(TimelineTable)
        today = self.ctx.today()
        if message.counts is not None:
            self.timeline_counts = message.counts
            table.reset(message.entries, more=message.more, today=today)
            total = sum(message.counts.values())
            self._note_tab("timeline", f"{total:,}" if self.timeline_filter is None else "filtered")
        else:
            table.append(message.entries, more=message.more, today=today)
        empty = not table.entries
        table.display = not empty
        note = self.query_one("#timeline-empty", Static)
        note.display = empty
        note.update(
            "Nothing on record yet. Press i to log an interaction or t a transaction."
            if self.timeline_filter is None
            else f"No {SOURCE_LABELS[self.timeline_filter]}. Press k for the next filter."
        )
        self._timeline_status()

    @on(TimelineLoadFailed)
    def _timeline_failed(self, message: TimelineLoadFailed) -> None:
        if message.serial == self._timeline_serial:
            self.query_one(TimelineTable).asked = False
            self.notify(message.error, title="Could not load the timeline", severity="error")

    @on(TimelineTable.MoreWanted)
    def _more_wanted(self) -> None:
        self._load_timeline(reset=False)

    def _timeline_status(self) -> None:
        table = self.query_one(TimelineTable)
        total = sum(self.timeline_counts.values())
        parts = [f"{len(table.entries):,} of {total:,} shown, newest first"]
        if self.timeline_filter is None:
            parts.append("all records")
        else:
            parts.append(f"{SOURCE_LABELS[self.timeline_filter]} only")
        parts.append("⏎ details  ·  k filter")
        self.query_one("#timeline-status", Static).update("  ·  ".join(parts))

    # Tabs.

    def _note_tab(self, tab_id: str, note: str | None) -> None:
        if note is None:
            self._tab_notes.pop(tab_id, None)
        else:
            self._tab_notes[tab_id] = note
        self._fit_tabs()

    def on_resize(self, event: events.Resize) -> None:
        self._fit_tabs()

    def _fit_tabs(self) -> None:
        """Label the tabs so that all seven show at the screen's width (see fit_tab_labels)."""
        tabs = self.query_one(TabbedContent)
        width = self.size.width - 2  # the tabs' margin
        labels, tight = fit_tab_labels(self._tab_notes, width)
        tabs.set_class(tight, "-tight")
        for tab_id, label in labels.items():
            tab = tabs.get_tab(tab_id)
            if tab.label_text != label:
                tab.label = label

    def action_tab(self, tab: str) -> None:
        tabs = self.query_one(TabbedContent)
        if tabs.active == tab:
            self._focus_tab()
        else:
            tabs.active = tab  # TabActivated moves the focus

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        self.call_after_refresh(self._focus_tab)

    def _focus_tab(self) -> None:
        active = self.query_one(TabbedContent).active
        for tab in self.extra_tabs():
            if active == tab.TAB_ID:
                tab.focus_first()
                return
        targets = {"profile": "#profile-view", "contacts": "#contact-table"}
        widget = self.query_one(targets.get(active, "#timeline-table"))
        if widget.display:
            widget.focus()

    # Actions on the file.

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        needs_file = {
            "edit",
            "log_interaction",
            "log_transaction",
            "add_contact",
            "mark_verified",
            "reassign",
            "archive",
            "delete",
        }
        if action in needs_file and self.file is None:
            return None  # shown, but not until the file has loaded
        return True

    def action_back(self) -> None:
        self.dismiss(self.changed)

    def action_reload(self) -> None:
        self.reload()

    def _after_form(self, result: Any) -> None:
        if result is None:
            return
        if isinstance(result, OpenExisting):
            self.post_message(OpenCustomer(result.id))
            return
        self.changed = True
        self.reload()

    def action_edit(self) -> None:
        if self.file is None:
            return
        parent = self.file.parent
        self.app.push_screen(
            CustomerFormScreen(
                self.ctx,
                self.file.customer,
                parent=(parent.id, parent.code, parent.name) if parent else None,
            ),
            self._after_form,
        )

    def action_log_interaction(self) -> None:
        if self.file is None:
            return
        self.app.push_screen(
            LogInteractionScreen(
                self.ctx,
                customer_id=self.customer_id,
                customer_name=self.file.customer.name,
                contacts=self.contacts,
            ),
            self._after_form,
        )

    def action_log_transaction(self) -> None:
        if self.file is None:
            return
        self.app.push_screen(
            LogTransactionScreen(
                self.ctx, customer_id=self.customer_id, customer_name=self.file.customer.name
            ),
            self._after_form,
        )

    def action_add_contact(self) -> None:
        if self.file is None:
            return
        self.app.push_screen(
            ContactFormScreen(
                self.ctx, customer_id=self.customer_id, customer_name=self.file.customer.name
            ),
            self._after_form,
        )

    def action_reassign(self) -> None:
        if self.file is not None:
            self.app.push_screen(ReassignScreen(self.ctx, self.file.customer), self._after_form)

    def action_mark_verified(self) -> None:
        if self.file is None:
            return
        customer_id, actor, now = self.customer_id, self.ctx.actor, self.ctx.now()
        code = self.file.customer.code
        self._write(
            lambda s: mark_verified(customer_id, session=s, actor=actor, now=now),
            f"{code} marked verified: the file is fresh for "
            f"{self.ctx.settings.files.stale_after_days} days.",
        )

    def action_archive(self) -> None:
        if self.file is None:
            return
        customer = self.file.customer
        customer_id, actor = self.customer_id, self.ctx.actor

        def answered(yes: bool | None) -> None:
            if yes:
                self._write(
                    lambda s: archive_customer(customer_id, session=s, actor=actor),
                    f"{customer.code} archived (status lost). Its history stays on file.",
                )

        self.app.push_screen(
            ConfirmScreen(
                f"Archive {customer.code} {customer.name}?",
                "Its status becomes lost (流失): it stays on file with its history and can "
                "be made active again with e.",
                confirm="Archive",
            ),
            answered,
        )

    def action_delete(self) -> None:
        if self.file is not None:
            self._check_deletion()

    @work(thread=True, exclusive=True, group="file-write")
    def _check_deletion(self) -> None:
        customer_id = self.customer_id
        try:
            impact = self.ctx.read(lambda s: deletion_impact(customer_id, session=s))
        except ClientdeskError as exc:
            self.post_message(ActionFailed(exc))
            return
        self.post_message(ImpactLoaded(impact))

    @on(ImpactLoaded)
    def _impact_loaded(self, message: ImpactLoaded) -> None:
        assert self.file is not None
        customer = self.file.customer
        impact = message.impact
        title = f"Delete {customer.code} {customer.name}?"
        if not impact.allowed:
            self.app.push_screen(
                ConfirmScreen(
                    f"{customer.code} cannot be deleted",
                    f"{customer.name} cannot be deleted: {impact.reason}.\n\n"
                    "Archive it instead (x): it leaves the active lists and keeps its history.",
                    can_confirm=False,
                )
            )
            return
        goes = [_plural(n, kind.removesuffix("s")) for kind, n in impact.removes.items()]
        lines = ["This deletes the customer file"]
        lines[0] += f" with its {', '.join(goes)}." if goes else "."
        if impact.subsidiaries:
            lines.append(
                f"{_plural(impact.subsidiaries, 'subsidiary')} will no longer have a parent."
            )
        lines.append("This cannot be undone; the audit trail keeps a copy of the file.")
        customer_id, actor = self.customer_id, self.ctx.actor

        def answered(yes: bool | None) -> None:
            if yes:
                self._write(
                    lambda s: delete_customer(customer_id, session=s, actor=actor),
                    f"Deleted {customer.code} {customer.name}.",
                    closes=True,
                )

        self.app.push_screen(
            ConfirmScreen(title, "\n".join(lines), confirm="Delete", danger=True), answered
        )

    # Actions on the highlighted contact (keys of the contacts table).

    def action_edit_contact(self) -> None:
        contact = self.query_one(ContactTable).current
        if contact is None or self.file is None:
            return
        self.app.push_screen(
            ContactFormScreen(
                self.ctx,
                customer_id=self.customer_id,
                customer_name=self.file.customer.name,
                contact=contact,
            ),
            self._after_form,
        )

    def action_set_primary(self) -> None:
        contact = self.query_one(ContactTable).current
        if contact is None or contact.id is None:
            return
        if contact.is_primary:
            self.notify(f"{contact.name} is already the key contact.")
            return
        contact_id, actor = contact.id, self.ctx.actor
        self._write(
            lambda s: set_primary_contact(contact_id, session=s, actor=actor),
            f"{contact.name} is now the key contact.",
        )

    def action_delete_contact(self) -> None:
        contact = self.query_one(ContactTable).current
        if contact is None or contact.id is None:
            return
        contact_id, actor = contact.id, self.ctx.actor

        def answered(yes: bool | None) -> None:
            if yes:
                self._write(
                    lambda s: delete_contact(contact_id, session=s, actor=actor),
                    f"Deleted contact {contact.name}.",
                )

        self.app.push_screen(
            ConfirmScreen(
                f"Delete contact {contact.name}?",
                "Records that name this contact keep their text but no longer link to it.",
                confirm="Delete",
                danger=True,
            ),
            answered,
        )

    @on(DataTable.RowSelected, "#contact-table")
    def _contact_selected(self) -> None:
        self.action_edit_contact()

    @on(DataTable.RowSelected, "#timeline-table")
    def _entry_selected(self) -> None:
        self.action_open_entry()

    def action_open_entry(self) -> None:
        entry = self.query_one(TimelineTable).current
        if entry is not None:
            self.app.push_screen(
                TimelineEntryScreen(entry, zone=self.ctx.zone, today=self.ctx.today())
            )

    def action_cycle_timeline_filter(self) -> None:
        index = FILTERS.index(self.timeline_filter)
        self.timeline_filter = FILTERS[(index + 1) % len(FILTERS)]
        self._load_timeline(reset=True)

    def show_only(self, source: Source | None) -> None:
        """Filter the timeline to one kind of record (None: all of them)."""
        self.timeline_filter = source
        self.action_tab("timeline")
        self._load_timeline(reset=True)

    # Writing: one transaction in a worker, then the file is read again.

    def _write(self, job: Any, done: str, *, closes: bool = False) -> None:
        self._run_write(job, done, closes)

    @work(thread=True, exclusive=True, group="file-write")
    def _run_write(self, job: Any, done: str, closes: bool) -> None:
        try:
            self.ctx.write(job)
        except ClientdeskError as exc:
            self.post_message(ActionFailed(exc))
            return
        self.post_message(ActionDone(done, closes=closes))

    @on(ActionDone)
    def _action_done(self, message: ActionDone) -> None:
        self.changed = True
        self.notify(message.text)
        if message.closes:
            self.dismiss(True)
        else:
            self.reload()

    @on(ActionFailed)
    def _action_failed(self, message: ActionFailed) -> None:
        self.notify(str(message.error), title="Not done", severity="error", timeout=10)
        self.reload()  # show what the database holds now
