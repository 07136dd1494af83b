"""Every test runs with config, data and database pointed into its own tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("CLIENTDESK_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("CLIENTDESK_DATA_DIR", str(home / "data"))
    monkeypatch.delenv("CLIENTDESK_DB", raising=False)
    return home


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "clientdesk.db"


@pytest.fixture
def database(db_path: Path) -> Iterator[object]:
    from clientdesk.storage.database import open_database

    db = open_database(str(db_path))
    yield db
    db.dispose()
