"""Settings: defaults, file and environment precedence, error messages, saving."""

from __future__ import annotations

import os
import re
import stat
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientdesk import config
from clientdesk.config import (
    DEFAULT_CONFIG_TEXT,
    Settings,
    db_location,
    default_backup_dir,
    effective_items,
    load_settings,
    parse_env_value,
    render_default_config,
    save_setting,
)
from clientdesk.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(path, env=env or {})
    return str(info.value)


def test_defaults_load_without_a_file(tmp_path: Path) -> None:
    loaded = load_settings(tmp_path / "missing.toml", env={})
    s = loaded.settings
    assert loaded.exists is False
    assert loaded.path == tmp_path / "missing.toml"
    assert s == Settings()
    assert s.general.currency == "CNY"
    assert s.general.timezone == "Asia/Shanghai"
    assert (s.service.A.visit_every_days, s.service.A.complaint_response_hours) == (14, 4)
    assert s.service.A.dedicated_manager is True
    assert s.service_for("d").visit_every_days == 180
    assert s.service_for("C").complaint_response_hours == 24
    assert s.grading.thresholds.A == 65
    assert s.risk.net_capital == Decimal(0)
    assert s.complaints.severity_factor.critical == 0.25
    assert set(loaded.sources.values()) == {"default"}
    assert "service.B.visit_every_days" in loaded.sources
    assert len(loaded.sources) == len(effective_items(loaded)) == 37


def test_service_for_rejects_unknown_grade() -> None:
    with pytest.raises(ValueError, match="E"):
        Settings().service_for("E")


def test_owner_falls_back_to_login_name(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings.model_validate({"user": {"name": "王经理"}}).owner == "王经理"
    monkeypatch.setattr(config.getpass, "getuser", lambda: "zhang")
    assert Settings().owner == "zhang"

    def broken() -> str:
        raise OSError("no login name")

    monkeypatch.setattr(config.getpass, "getuser", broken)
    assert Settings().owner == "unknown"


def test_file_values_override_defaults_with_file_sources(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "# my settings\n[service.A]\nvisit_every_days = 10\n\n[ui]\ntheme = 'nord'\n",
    )
    loaded = load_settings(path, env={})
    assert loaded.exists is True
    assert loaded.settings.service.A.visit_every_days == 10
    # the other keys of the same grade keep that grade's defaults
    assert loaded.settings.service.A.complaint_response_hours == 4
    assert loaded.settings.ui.theme == "nord"
    assert loaded.sources["service.A.visit_every_days"] == f"file {path}:3"
    assert loaded.sources["ui.theme"] == f"file {path}:6"
    assert loaded.sources["service.A.dedicated_manager"] == "default"


def test_env_override_wins_over_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[service.A]\nvisit_every_days = 10\n")
    env = {
        "CLIENTDESK_SERVICE__A__VISIT_EVERY_DAYS": "21",
        "clientdesk_ui__theme": "textual-light",  # not valid TOML, so taken as text
        "CLIENTDESK_USER__NAME": "123",  # a text setting keeps digits as text
        "CLIENTDESK_DB": "/elsewhere.db",  # no double underscore: not a setting
        "CLIENTDESK_CONFIG": "/ignored.toml",
    }
    loaded = load_settings(path, env=env)
    assert loaded.settings.service.A.visit_every_days == 21
    assert loaded.sources["service.A.visit_every_days"] == (
        "env CLIENTDESK_SERVICE__A__VISIT_EVERY_DAYS"
    )
    assert loaded.settings.ui.theme == "textual-light"
    assert loaded.settings.user.name == "123"
    assert loaded.sources["ui.theme"] == "env clientdesk_ui__theme"


def test_env_grade_letter_is_case_insensitive(tmp_path: Path) -> None:
    env = {"CLIENTDESK_SERVICE__b__Dedicated_Manager": "true"}
    loaded = load_settings(tmp_path / "none.toml", env=env)
    assert loaded.settings.service.B.dedicated_manager is True


def test_env_error_names_the_variable(tmp_path: Path) -> None:
    message = load_error(tmp_path / "none.toml", {"CLIENTDESK_FILES__STALE_AFTER_DAYS": "0"})
    assert "CLIENTDESK_FILES__STALE_AFTER_DAYS" in message
    assert "files.stale_after_days" in message


def test_unknown_env_setting_is_reported(tmp_path: Path) -> None:
    message = load_error(tmp_path / "none.toml", {"CLIENTDESK_SERVCE__A__X": "1"})
    assert "unknown setting `servce`" in message
    assert "CLIENTDESK_SERVCE__A__X" in message


def test_toml_syntax_error_names_path_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "[ui]\n\ntheme = textual-dark\n")
    message = load_error(path)
    assert str(path) in message
    assert "line 3, column 9" in message
    assert "(at line" not in message  # reformatted, not tomllib's raw text


def test_weights_not_summing_to_one(tmp_path: Path) -> None:
    path = write(tmp_path, "# weights\n[grading.weights]\nrevenue = 0.4\n")
    message = load_error(path)
    assert "grading.weights" in message
    assert "1.1" in message
    assert f"{path} line 2" in message


def test_thresholds_out_of_order(tmp_path: Path) -> None:
    path = write(tmp_path, "[grading.thresholds]\nA = 50\nB = 60\n")
    message = load_error(path)
    assert "grading.thresholds" in message
    assert "A > B > C" in message


def test_threshold_above_100(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, "[grading.thresholds]\nA = 120\n"))
    assert "grading.thresholds.A" in message
    assert "line 2" in message


def test_negative_value_names_key_line_and_default(tmp_path: Path) -> None:
    path = write(tmp_path, "[files]\n\nstale_after_days = -5\n")
    message = load_error(path)
    assert f"{path} line 3" in message
    assert "files.stale_after_days" in message
    assert "-5" in message
    assert "180" in message  # the fix: the default


def test_wrong_type_is_rejected(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, '[service.C]\ndedicated_manager = "yes"\n'))
    assert "service.C.dedicated_manager" in message


def test_unknown_key_lists_known_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "# hi\n[service.A]\nvisit_days = 3\n")
    message = load_error(path)
    assert "unknown setting `service.A.visit_days` (line 3)" in message
    assert "visit_every_days" in message
    assert str(path) in message


def test_invalid_timezone(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, '[general]\ntimezone = "Mars/Olympus"\n'))
    assert "general.timezone" in message
    assert "Mars/Olympus" in message


def test_invalid_currency(tmp_path: Path) -> None:
    assert "general.currency" in load_error(write(tmp_path, '[general]\ncurrency = "rmb"\n'))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('"1,000,000.00"', Decimal("1000000.00")),
        ("2500000", Decimal(2500000)),
        ("0.1", Decimal("0.1")),
    ],
)
def test_net_capital_becomes_decimal(tmp_path: Path, raw: str, expected: Decimal) -> None:
    loaded = load_settings(write(tmp_path, f"[risk]\nnet_capital = {raw}\n"), env={})
    assert isinstance(loaded.settings.risk.net_capital, Decimal)
    assert loaded.settings.risk.net_capital == expected


def test_net_capital_from_env_keeps_precision(tmp_path: Path) -> None:
    env = {"CLIENTDESK_RISK__NET_CAPITAL": "12345678901234567.89"}
    loaded = load_settings(tmp_path / "none.toml", env=env)
    assert loaded.settings.risk.net_capital == Decimal("12345678901234567.89")


def test_net_capital_rejects_text_and_negatives(tmp_path: Path) -> None:
    assert "risk.net_capital" in load_error(write(tmp_path, '[risk]\nnet_capital = "lots"\n'))
    assert "risk.net_capital" in load_error(write(tmp_path, "[risk]\nnet_capital = -1\n"))


def test_unreadable_files_name_the_path(tmp_path: Path) -> None:
    assert str(tmp_path) in load_error(tmp_path)  # a directory
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'[user]\nname = "\xe9"\n')
    assert str(path) in load_error(path)


def test_save_setting_preserves_comments(tmp_path: Path) -> None:
    path = write(tmp_path, "# keep this\n[ui]  # the look\ntheme = 'nord'  # favourite\n")
    path.chmod(0o640)
    save_setting(path, "service.A.visit_every_days", "10")  # text is parsed like env values
    save_setting(path, "ui.theme", "textual-light")
    text = path.read_text(encoding="utf-8")
    assert "# keep this" in text
    assert "# the look" in text
    assert "# favourite" in text
    assert "[service]" not in text  # no empty parent table
    loaded = load_settings(path, env={})
    assert loaded.settings.service.A.visit_every_days == 10
    assert loaded.settings.ui.theme == "textual-light"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["config.toml"]  # no temp file left behind


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_save_setting_creates_private_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    save_setting(path, "risk.net_capital", Decimal("1000000.50"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    loaded = load_settings(path, env={})
    assert loaded.settings.risk.net_capital == Decimal("1000000.50")
    assert loaded.sources["risk.net_capital"].startswith(f"file {path}:")


def test_save_setting_invalid_value_leaves_file_unchanged(tmp_path: Path) -> None:
    original = "# mine\n[files]\nstale_after_days = 30\n"
    path = write(tmp_path, original)
    with pytest.raises(ConfigError, match=r"files\.stale_after_days"):
        save_setting(path, "files.stale_after_days", 0)
    with pytest.raises(ConfigError, match=r"grading\.weights"):
        save_setting(path, "grading.weights.revenue", 0.9)
    with pytest.raises(ConfigError, match="unknown setting"):
        save_setting(path, "files.stale_days", 3)
    assert path.read_text(encoding="utf-8") == original
    assert os.listdir(tmp_path) == ["config.toml"]


def test_save_setting_does_not_create_file_when_invalid(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    with pytest.raises(ConfigError):
        save_setting(path, "general.currency", "yuan")
    assert not path.exists()


def test_default_config_text_loads_to_defaults(tmp_path: Path) -> None:
    assert render_default_config() == DEFAULT_CONFIG_TEXT
    path = write(tmp_path, DEFAULT_CONFIG_TEXT)
    assert load_settings(path, env={}).settings == Settings()


def test_default_config_text_uncommented_also_loads_to_defaults(tmp_path: Path) -> None:
    # Uncommenting every key line must give the defaults, so the shown values are right.
    text = re.sub(r"^# (\w+ = )", r"\1", DEFAULT_CONFIG_TEXT, flags=re.M)
    loaded = load_settings(write(tmp_path, text), env={})
    assert loaded.settings == Settings()
    assert all(source.startswith("file ") for source in loaded.sources.values())
    for key, _value, _source, description in effective_items(loaded):
        assert description, key
        assert f"# {description}" in DEFAULT_CONFIG_TEXT


def test_paths_follow_environment(tmp_path: Path) -> None:
    env = {"CLIENTDESK_DATA_DIR": str(tmp_path), "CLIENTDESK_CONFIG": str(tmp_path / "c.toml")}
    assert config.config_path(env) == tmp_path / "c.toml"
    assert config.default_db_path(env) == tmp_path / "clientdesk.db"
    assert db_location(None, env) == str(tmp_path / "clientdesk.db")
    assert db_location(None, {**env, "CLIENTDESK_DB": "x.db"}) == "x.db"
    assert db_location("cli.db", {**env, "CLIENTDESK_DB": "x.db"}) == "cli.db"
    assert default_backup_dir(Settings(), env) == tmp_path / "backups"
    chosen = Settings.model_validate({"backup": {"dir": str(tmp_path / "b")}})
    assert default_backup_dir(chosen, env) == tmp_path / "b"
    assert load_settings(env=env).path == tmp_path / "c.toml"


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.booleans())
def test_env_value_toml_scalars_round_trip(value: int | bool) -> None:
    raw = str(value).lower() if isinstance(value, bool) else str(value)
    parsed = parse_env_value(raw)
    assert parsed == value
    assert type(parsed) is type(value)


@given(st.text())
def test_env_value_text_is_kept_unless_quoted(raw: str) -> None:
    parsed = parse_env_value(raw)  # never raises
    if isinstance(parsed, str) and not raw.lstrip().startswith(("'", '"')):
        assert parsed == raw  # only a quoted TOML string may change the text


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1))
def test_env_value_newlines_cannot_smuggle_keys(name: str) -> None:
    raw = f'1\n"{name.replace(chr(92), "").replace(chr(34), "")}x" = 2'
    assert parse_env_value(raw) == raw
