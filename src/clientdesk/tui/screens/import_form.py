"""The Import dialog (导入): what to import, from which file, and how to treat rows already
stored. ctrl+s checks the file; nothing is written until the report has been seen."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session
from textual.app import ComposeResult
from textual.widgets import Button, Checkbox, Input, Select

from clientdesk.errors import UsageError
from clientdesk.exchange.columns import parse_overrides
from clientdesk.exchange.importer import importer_for
from clientdesk.tui.context import AppContext
from clientdesk.tui.fields import FieldError
from clientdesk.tui.screens.form import FormScreen
from clientdesk.tui.widgets.form_field import FormField

ENTITIES = (
    ("customers", "Customers 客户"),
    ("contacts", "Contacts 联系人"),
    ("interactions", "Interactions 服务记录"),
    ("transactions", "Transactions 交易"),
    ("visits", "Visits 拜访"),
    ("contracts", "Contracts 合同"),
    ("complaints", "Complaints 投诉"),
)
ENTITY_LABELS = dict(ENTITIES)
DUPLICATES = (
    ("error", "Refuse the file (error)"),
    ("skip", "Skip them, keep what is stored (skip)"),
    ("update", "Update the stored records (update)"),
)
ENCODINGS = (
    ("auto", "Detect (UTF-8 ±BOM, UTF-16 BOM, GB18030)"),
    ("utf-8", "UTF-8"),
    ("utf-8-sig", "UTF-8 with BOM"),
    ("gb18030", "GB18030 / GBK (Chinese Excel)"),
    ("utf-16", "UTF-16"),
)
XLSX_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class ImportRequest:
    entity: str = "customers"
    path: Path | None = None
    on_duplicate: str = "error"
    encoding: str | None = None  # None: detect
    sheet: str | None = None  # XLSX only; None: the first sheet
    mapping: tuple[str, ...] = ()  # "HEADER=FIELD" pairs, as --map takes them
    keep_unknown: bool = False


def mapping_pairs(raw: str) -> tuple[str, ...]:
    """'Firma=name, 备注2=notes' → ('Firma=name', '备注2=notes'); commas, semicolons or lines."""
    return tuple(part.strip() for part in re.split(r"[,;，；\n]", raw) if part.strip())


def readable_file(raw: str) -> Path:
    """The file the user named (~ expanded), or FieldError saying what is wrong with it."""
    text = raw.strip()
    if not text:
        raise FieldError("required: the path of a CSV, TSV, XLSX, JSON or JSON Lines file")
    path = Path(text).expanduser()
    if not path.exists():
        raise FieldError(f"{text} does not exist; check the folder and the name")
    if path.is_dir():
        raise FieldError(f"{text} is a folder; give the file inside it")
    if not os.access(path, os.R_OK):
        raise FieldError(f"{text} cannot be read (permission denied)")
    return path


class ImportFormScreen(FormScreen[ImportRequest]):
    """Dismissed with the ImportRequest to check, or None."""

    def __init__(self, ctx: AppContext, request: ImportRequest | None = None) -> None:
        super().__init__(ctx, heading="Import 导入 · check a file, then write it in one go")
        self.request = request or ImportRequest()

    def compose_fields(self) -> ComposeResult:
        request = self.request
        yield FormField(
            "Import",
            Select(
                [(label, key) for key, label in ENTITIES],
                value=request.entity,
                allow_blank=False,
                id="entity",
                compact=True,
            ),
        )
        yield FormField(
            "File",
            Input(
                str(request.path) if request.path else "",
                placeholder="~/Downloads/客户.xlsx",
                id="path",
                compact=True,
            ),
            required=True,
            hint="CSV, TSV, XLSX, JSON or JSON Lines; ~ is your home folder",
        )
        yield FormField(
            "Already stored",
            Select(
                [(label, key) for key, label in DUPLICATES],
                value=request.on_duplicate,
                allow_blank=False,
                id="on_duplicate",
                compact=True,
            ),
            hint="rows matching a record on file by code, credit code, name...",
        )
        yield FormField(
            "Encoding",
            Select(
                [(label, key) for key, label in ENCODINGS],
                value=request.encoding or "auto",
                allow_blank=False,
                id="encoding",
                compact=True,
            ),
            hint="a file that does not decode is refused, never garbled",
        )
        yield FormField(
            "Sheet",
            Input(request.sheet or "", placeholder="(the first sheet)", id="sheet", compact=True),
            hint="XLSX workbooks only",
        )
        yield FormField(
            "Map columns",
            Input(
                ", ".join(request.mapping),
                placeholder="Firma=name, 备注2=notes  (HEADER= ignores a column)",
                id="mapping",
                compact=True,
            ),
            hint="only for headers not recognised in English or Chinese",
        )
        yield FormField(
            "Unknown columns",
            Checkbox("keep them in the notes", request.keep_unknown, id="keep_unknown"),
        )

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#save", Button).label = "Check file  ctrl+s"
        self.query_one("#path").focus()

    def parse(self, name: str, raw: Any) -> Any:
        if name == "path":
            return readable_file(raw)
        if name == "sheet":
            sheet = raw.strip() or None
            path = self.field("path").raw.strip().lower()
            if sheet and not path.endswith(XLSX_SUFFIXES):
                raise FieldError("a sheet name applies to XLSX workbooks only; leave it empty")
            return sheet
        if name == "encoding":
            return None if raw == "auto" else raw
        if name == "mapping":
            pairs = mapping_pairs(raw)
            entity = str(self.field("entity").raw)
            try:
                parse_overrides(pairs, importer_for(entity).fields)
            except UsageError as exc:
                raise FieldError(exc.message.replace("--map ", "")) from None
            return pairs
        return raw  # entity, on_duplicate, keep_unknown: chosen from lists

    def gate(self, payload: Any) -> bool:
        # Nothing is saved here: the checked request goes to the report, which writes.
        self.dismiss(ImportRequest(**payload))
        return False

    def save_job(self, payload: Any) -> Callable[[Session], ImportRequest]:
        raise AssertionError("the import dialog never saves; gate() hands the request on")
