"""ListTable (a window over a list in memory) moved through with keys like a user."""

from __future__ import annotations

from textual.app import App, ComposeResult

from clientdesk.tui.widgets.data_list_table import WINDOW, ListColumn, ListTable

ITEMS = [f"item {n:05d}" for n in range(5_000)]


class ListApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ListTable([ListColumn("name", "Name", 0)], lambda item: [item], id="list")

    def on_mount(self) -> None:
        table = self.query_one(ListTable)
        table.show(ITEMS)
        table.focus()


async def test_keys_move_through_a_list_far_longer_than_the_window() -> None:
    app = ListApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one("#list", ListTable)
        assert table.row_count == WINDOW and table.current == ITEMS[0]
        await pilot.press("end")
        assert table.current == ITEMS[-1] and table.start == len(ITEMS) - WINDOW
        await pilot.press("home")
        assert table.current == ITEMS[0] and table.start == 0
        page = table._page_rows()
        pages = (WINDOW - 20) // page
        await pilot.press(*["pagedown"] * pages)
        assert table.current == ITEMS[pages * page]
        await pilot.press(*["down"] * 40)  # past the first window's edge: it slides
        here = pages * page + 40
        assert table.current == ITEMS[here] and table.start > 0
        assert table.row_count == WINDOW
        assert table.border_subtitle == f"{here + 1:,} of {len(ITEMS):,}"
        await pilot.press(*["pageup"] * (here // page + 1))
        assert table.current == ITEMS[0]
