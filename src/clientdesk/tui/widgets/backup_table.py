"""The backups in the backup folder, newest first: when, how big, and whether they check out."""

from __future__ import annotations

from datetime import tzinfo

from rich.text import Text
from textual.widgets import DataTable

from clientdesk.storage.backup import BackupEntry
from clientdesk.tui.formatting import local_time
from clientdesk.tui.screens.data_status import human_size

COLUMNS = (
    ("when", "Taken", 16),
    ("size", "Size", 9),
    ("state", "State", 9),
    ("file", "File", 0),
)
FILE_WIDTH = (12, 60)


class BackupTable(DataTable[Text]):
    def __init__(self, *, zone: tzinfo, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.zone = zone
        self.entries: list[BackupEntry] = []
        self._file_width = FILE_WIDTH[0]

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width or self._file_width)

    def show(self, entries: list[BackupEntry], *, source: str) -> None:
        self.entries = entries
        self.clear()
        error = "bold " + (self.app.current_theme.error or "red")
        for entry in entries:
            manifest = entry.manifest
            state = entry.state
            bad = not entry.good
            name = entry.path.name
            if manifest is not None and manifest.source != source:
                name += "  (another database)"
            self.add_row(
                Text(local_time(entry.created_at, self.zone) if entry.created_at else "?"),
                Text(human_size(manifest.size if manifest else None).rjust(9), no_wrap=True),
                Text(state, style=error if bad else "", no_wrap=True, overflow="ellipsis"),
                Text(name, no_wrap=True, overflow="ellipsis"),
                key=str(entry.path),
            )

    def on_resize(self) -> None:
        others = sum(w + 2 * self.cell_padding for _, _, w in COLUMNS if w)
        spare = self.size.width - others - 2 * self.cell_padding - 1
        width = min(max(spare, FILE_WIDTH[0]), FILE_WIDTH[1])
        if width != self._file_width and self.columns:
            self._file_width = width
            for key, column in self.columns.items():
                if key.value == "file":
                    column.width = width
            self._require_update_dimensions = True
            self.refresh()
