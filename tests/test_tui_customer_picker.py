"""The customer picker, typed into like a user: matches appear, enter or a click picks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session
from textual.app import App, ComposeResult
from textual.widgets import OptionList

from clientdesk.config import Settings
from clientdesk.domain.customer import CustomerCreate
from clientdesk.domain.customers import create_customer
from clientdesk.storage.database import Database, open_database
from clientdesk.tui.context import AppContext
from clientdesk.tui.widgets.customer_picker import CustomerPicker
from clientdesk.tui.widgets.form_field import FormField

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(str(tmp_path / "t.db"))
    with Session(database.engine) as s:
        for name in ("北京华信科技有限公司", "北京华信物流有限公司", "深圳长江贸易有限公司"):
            create_customer(CustomerCreate(name=name), session=s, actor="test")
        s.commit()
    yield database
    database.dispose()


class PickerApp(App[None]):
    def __init__(self, database: Database) -> None:
        super().__init__()
        self.ctx = AppContext(
            database=database,
            settings=Settings(),
            zone=UTC,
            now=lambda: NOW,
            today=lambda: NOW.date(),
        )
        self.picked: list[Any] = []

    def compose(self) -> ComposeResult:
        yield FormField("Customer", CustomerPicker(self.ctx, id="customer_id"), required=True)

    def on_customer_picker_picked(self, message: CustomerPicker.Picked) -> None:
        self.picked.append(message.chosen)


async def _type(pilot: Any, text: str) -> None:
    app = pilot.app
    app.query_one(CustomerPicker).input.value = text
    await pilot.pause(0.2)  # the lookup waits for a pause in typing
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_typing_lists_matches_and_enter_picks_the_first(db: Database) -> None:
    app = PickerApp(db)
    async with app.run_test() as pilot:
        picker = app.query_one(CustomerPicker)
        picker.focus()
        await _type(pilot, "bjhx")
        options = picker.query_one(OptionList)
        assert options.display
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert len(shown) == 2 and all("北京华信" in line for line in shown)
        await pilot.press("enter")
        await pilot.pause()
        assert picker.chosen is not None and picker.chosen[2].startswith("北京华信")
        assert app.query_one(FormField).raw == picker.chosen
        assert app.picked == [picker.chosen]
        assert not options.display


async def test_down_then_enter_picks_from_the_list(db: Database) -> None:
    app = PickerApp(db)
    async with app.run_test() as pilot:
        picker = app.query_one(CustomerPicker)
        picker.focus()
        await _type(pilot, "北京华信")
        matches = list(picker.matches)
        assert len(matches) == 2
        await pilot.press("down")  # into the list, on the first match
        assert picker.query_one(OptionList).has_focus
        await pilot.press("down", "enter")
        await pilot.pause()
        assert picker.chosen == matches[1]
        assert picker.input.has_focus


async def test_typing_again_clears_the_choice_and_no_match_says_so(db: Database) -> None:
    app = PickerApp(db)
    async with app.run_test() as pilot:
        picker = app.query_one(CustomerPicker)
        picker.preset(3, "C000003", "深圳长江贸易有限公司")
        await pilot.pause()
        assert picker.chosen == (3, "C000003", "深圳长江贸易有限公司")
        picker.focus()
        await _type(pilot, "上海")
        assert picker.chosen is None
        assert app.picked[-1] is None
        options = picker.query_one(OptionList)
        assert "no customer matches" in str(options.get_option_at_index(0).prompt)
        await pilot.press("enter")
        assert picker.chosen is None
