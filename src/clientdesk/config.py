"""Settings: built-in defaults, the TOML settings file, and CLIENTDESK_* environment overrides.

Precedence, highest first: environment, settings file, defaults. Importing does no I/O; files
are read only by `load_settings` and written only by `save_setting`.
"""

from __future__ import annotations

import contextlib
import functools
import getpass
import os
import re
import stat
import tempfile
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import platformdirs
import tomlkit
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from clientdesk.errors import ConfigError

APP = "clientdesk"
ENV_PREFIX = "CLIENTDESK_"
GRADES = ("A", "B", "C", "D")


def _environ(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def config_path(env: Mapping[str, str] | None = None) -> Path:
    value = _environ(env).get("CLIENTDESK_CONFIG")
    return Path(value).expanduser() if value else platformdirs.user_config_path(APP) / "config.toml"


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    value = _environ(env).get("CLIENTDESK_DATA_DIR")
    return Path(value).expanduser() if value else platformdirs.user_data_path(APP)


def default_db_path(env: Mapping[str, str] | None = None) -> Path:
    return data_dir(env) / "clientdesk.db"


def db_location(cli_value: str | None, env: Mapping[str, str] | None = None) -> str:
    return cli_value or _environ(env).get("CLIENTDESK_DB") or str(default_db_path(env))


def default_backup_dir(settings: Settings, env: Mapping[str, str] | None = None) -> Path:
    folder = settings.backup.dir
    return Path(folder).expanduser() if folder else data_dir(env) / "backups"


class _Section(BaseModel):
    # extra="forbid" turns typos into "unknown setting" errors instead of silently ignoring them.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class UserSettings(_Section):
    name: str = Field("", description="Owner of new records; empty means your login name.")


class GeneralSettings(_Section):
    currency: str = Field("CNY", description="Currency of amounts, 3 capital letters (ISO 4217).")
    timezone: str = Field("Asia/Shanghai", description="Time zone for dates and due times (IANA).")

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError(f"must be three capital letters such as CNY (got {value!r})")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
            if available_timezones():  # with no tz database at all we cannot judge, so accept
                raise ValueError(
                    f"is not a known time zone (got {value!r}); use one such as Asia/Shanghai"
                ) from None
        return value


class ServiceStandard(_Section):
    visit_every_days: int = Field(gt=0, strict=True, description="Most days between two visits.")
    complaint_response_hours: int = Field(
        gt=0, strict=True, description="Hours to answer a complaint."
    )
    dedicated_manager: bool = Field(
        strict=True, description="Dedicated account manager (专属客户经理)."
    )


_SERVICE_KEYS = ("visit_every_days", "complaint_response_hours", "dedicated_manager")
_SERVICE_DEFAULTS = {
    "A": (14, 4, True),
    "B": (30, 8, False),
    "C": (90, 24, False),
    "D": (180, 48, False),
}


def _standard(grade: str) -> dict[str, Any]:
    return dict(zip(_SERVICE_KEYS, _SERVICE_DEFAULTS[grade], strict=True))


def _grade_field(grade: str) -> Any:
    factory = functools.partial(ServiceStandard.model_validate, _standard(grade))
    return Field(default_factory=factory, description=f"Service standard of grade {grade}.")


class ServiceSettings(_Section):
    A: ServiceStandard = _grade_field("A")
    B: ServiceStandard = _grade_field("B")
    C: ServiceStandard = _grade_field("C")
    D: ServiceStandard = _grade_field("D")

    @model_validator(mode="before")
    @classmethod
    def _fill_grade_defaults(cls, data: Any) -> Any:
        # Each grade has its own defaults, so a file may set just one key of [service.A].
        if isinstance(data, dict):
            data = dict(data)
            for grade in GRADES:
                if isinstance(data.get(grade, {}), dict):
                    data[grade] = _standard(grade) | data.get(grade, {})
        return data


class GradingWeights(_Section):
    revenue: float = Field(0.30, ge=0, description="Weight of revenue contribution (收益贡献).")
    frequency: float = Field(0.15, ge=0, description="Weight of purchase frequency (购买频次).")
    loyalty: float = Field(0.10, ge=0, description="Weight of loyalty (忠诚度).")
    growth: float = Field(0.15, ge=0, description="Weight of sales growth (历史销售额).")
    credit: float = Field(0.10, ge=0, description="Weight of payment record (交易信用).")
    market_share: float = Field(0.10, ge=0, description="Weight of market share (市场份额).")
    potential: float = Field(0.10, ge=0, description="Weight of growth potential (发展潜力).")

    @model_validator(mode="after")
    def _sum_to_one(self) -> GradingWeights:
        total = sum(self.model_dump().values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"must add up to 1.0 (they add up to {total:.6g}); "
                "change the weights so they sum to 1"
            )
        return self


class GradingThresholds(_Section):
    A: float = Field(65, ge=0, le=100, description="Lowest score (0-100) that earns grade A.")
    B: float = Field(50, ge=0, le=100, description="Lowest score that earns grade B.")
    C: float = Field(35, ge=0, le=100, description="Lowest score that earns grade C; below is D.")

    @model_validator(mode="after")
    def _ordered(self) -> GradingThresholds:
        if not self.A > self.B > self.C:
            raise ValueError(
                f"must satisfy 100 >= A > B > C >= 0 (got A = {self.A:g}, "
                f"B = {self.B:g}, C = {self.C:g}); set A highest and C lowest"
            )
        return self


class GradingSettings(_Section):
    weights: GradingWeights = Field(default_factory=GradingWeights, description="Score weights.")
    thresholds: GradingThresholds = Field(default_factory=GradingThresholds, description="Grades.")


class FilesSettings(_Section):
    stale_after_days: int = Field(
        180, gt=0, strict=True, description="Days until an unverified customer file is stale."
    )


class RiskSettings(_Section):
    net_capital: Decimal = Field(
        Decimal(0), ge=0, description="Net capital (资本净额) the limit applies to."
    )
    concentration_limit: float = Field(
        0.15, gt=0, le=1, description="Most one group may use, as a fraction of net capital."
    )
    warning_level: float = Field(
        0.8, gt=0, le=1, description="Fraction of the limit at which an early warning shows."
    )

    @field_validator("net_capital", mode="before")
    @classmethod
    def _amount(cls, value: Any) -> Any:
        # Money never goes through float arithmetic: a float is read via its shortest repr.
        if isinstance(value, float):
            return Decimal(repr(value))
        if isinstance(value, str):
            try:
                return Decimal(value.replace(",", "").replace("_", "").strip())
            except InvalidOperation:
                raise ValueError(
                    f'must be an amount such as "1,000,000.00" (got {value!r})'
                ) from None
        return value


class VisitsSettings(_Section):
    return_visit_within_days: int = Field(
        7, gt=0, strict=True, description="Days after a delivery to make the return visit."
    )


class SeverityFactors(_Section):
    low: float = Field(2.0, gt=0, description="Response-time multiplier for low severity.")
    medium: float = Field(1.0, gt=0, description="Response-time multiplier for medium severity.")
    high: float = Field(0.5, gt=0, description="Response-time multiplier for high severity.")
    critical: float = Field(
        0.25, gt=0, description="Response-time multiplier for critical severity."
    )


class ComplaintsSettings(_Section):
    severity_factor: SeverityFactors = Field(
        default_factory=SeverityFactors, description="Multipliers of the grade's response hours."
    )


class UISettings(_Section):
    theme: str = Field("textual-dark", description="Textual theme of the interface.")


class BackupSettings(_Section):
    dir: str = Field("", description="Backup folder; empty means 'backups' in the data folder.")
    warn_after_days: int = Field(
        7, gt=0, strict=True, description="Warn when the last backup is older than this many days."
    )


class Settings(_Section):
    user: UserSettings = Field(default_factory=UserSettings, description="You.")
    general: GeneralSettings = Field(default_factory=GeneralSettings, description="General.")
    service: ServiceSettings = Field(
        default_factory=ServiceSettings, description="Service per grade."
    )
    grading: GradingSettings = Field(
        default_factory=GradingSettings, description="Grading (客户分级)."
    )
    files: FilesSettings = Field(default_factory=FilesSettings, description="Customer files.")
    risk: RiskSettings = Field(default_factory=RiskSettings, description="Group risk (风险管理).")
    visits: VisitsSettings = Field(default_factory=VisitsSettings, description="Visits (拜访).")
    complaints: ComplaintsSettings = Field(
        default_factory=ComplaintsSettings, description="Complaints."
    )
    ui: UISettings = Field(default_factory=UISettings, description="Terminal interface.")
    backup: BackupSettings = Field(default_factory=BackupSettings, description="Backups.")

    @property
    def owner(self) -> str:
        if self.user.name.strip():
            return self.user.name.strip()
        try:
            return getpass.getuser()
        except Exception:  # no USER/LOGNAME and no passwd entry, as in some containers
            return "unknown"

    def service_for(self, grade: str) -> ServiceStandard:
        key = grade.strip().upper()
        if key not in GRADES:
            raise ValueError(f"unknown grade {grade!r}; expected A, B, C or D")
        return getattr(self.service, key)


@dataclass(frozen=True)
class LoadedSettings:
    settings: Settings
    path: Path
    exists: bool
    sources: dict[str, str]  # leaf dotted key -> "default" | "file <path>:<line>" | "env NAME"


def _submodel(annotation: Any) -> Any:
    """The model class of a section field, or None for a leaf."""
    is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
    return annotation if is_model else None


def _fields(model: Any = Settings, prefix: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(dotted key, field info, section model or None) of every field, depth first."""
    for name, info in model.model_fields.items():
        sub = _submodel(info.annotation)
        yield f"{prefix}{name}", info, sub
        if sub is not None:
            yield from _fields(sub, f"{prefix}{name}.")


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


@functools.cache
def _defaults() -> dict[str, Any]:
    return _flatten(Settings().model_dump())


def _toml(value: Any) -> str:
    with contextlib.suppress(Exception):
        return tomlkit.item(str(value) if isinstance(value, Decimal) else value).as_string()
    return repr(value)


def parse_env_value(raw: str) -> object:
    """A TOML value if `raw` is one (14, true, 0.5, "x"), else `raw` itself as a string."""
    try:
        parsed = tomllib.loads(f"v = {raw}")
    except tomllib.TOMLDecodeError:
        return raw
    return parsed["v"] if parsed.keys() == {"v"} else raw  # "1\nw = 2" must not add keys


def _resolve(parts: list[str]) -> tuple[list[str], Any]:
    """Key parts matched case-insensitively to field names, and the field type at the end."""
    model: Any = Settings
    out: list[str] = []
    for part in parts:
        fields = model.model_fields if _submodel(model) else {}
        name = next((n for n in fields if n.lower() == part.lower()), part.lower())
        out.append(name)
        model = fields[name].annotation if name in fields else None
    return out, model


def _coerce(raw: str, annotation: Any) -> object:
    value = parse_env_value(raw)
    # Text and money keep the raw text: a name may be "123", and 0.1 must not become a float.
    return raw if annotation in (str, Decimal) and not isinstance(value, str) else value


def _env_overrides(env: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    overrides: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, raw in sorted(env.items()):
        rest = name[len(ENV_PREFIX) :]
        if not name.upper().startswith(ENV_PREFIX) or "__" not in rest:
            continue  # CLIENTDESK_DB, CLIENTDESK_CONFIG, ... are not settings
        parts, annotation = _resolve(rest.split("__"))
        value = _coerce(raw, annotation)
        table = overrides
        for part in parts[:-1]:
            table = table[part] if isinstance(table.get(part), dict) else table.setdefault(part, {})
        table[parts[-1]] = value
        key = ".".join(parts)
        leaves = _flatten(value, key + ".") if isinstance(value, dict) else {key: value}
        sources.update(dict.fromkeys(leaves, f"env {name}"))
    return overrides, sources


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = _merge(out[key], value) if both else value
    return out


_HEADER = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+")
_KEY = re.compile(r"""^\s*([\w\-."' ]+?)\s*=""")


def _find_line(text: str, key: str) -> int | None:
    """Line of a dotted key, else of its nearest enclosing table; a scan, so approximate."""
    seen: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), 1):
        if match := _HEADER.match(line) or _KEY.match(line):
            parts = tuple(p.strip().strip("\"'") for p in match.group(1).split("."))
            if match.re is _HEADER:
                table = parts
            seen.setdefault(parts if match.re is _HEADER else table + parts, number)
    target = tuple(key.split("."))
    return next((seen[target[:n]] for n in range(len(target), 0, -1) if target[:n] in seen), None)


def _read_text(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(
            f"cannot read settings file {path}: {exc.strerror or exc}; make it a "
            "readable file or point CLIENTDESK_CONFIG at another one."
        ) from None
    try:
        return data.decode("utf-8-sig")  # tolerate the BOM some Windows editors write
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: the settings file is not UTF-8 text (bad byte at offset "
            f"{exc.start}); save it as UTF-8."
        ) from None


_POSITION = re.compile(r"^(.*?)\s*\((?:at line (\d+), column (\d+)|at end of document)\)$", re.S)


def _parse(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _POSITION.match(str(exc))
        what, line, column = match.groups() if match else (str(exc), None, None)
        where = f"{path} line {line}, column {column}" if line else f"{path} (at the end)"
        raise ConfigError(
            f"{where}: not valid TOML: {what[:1].lower()}{what[1:]}; fix the syntax "
            '(text needs quotes, e.g. theme = "textual-dark"; tables look like [ui]).'
        ) from None


def _explain(exc: ValidationError, path: Path, text: str, env_sources: Mapping[str, str]) -> str:
    errors = exc.errors()
    error = errors[0]
    loc = [str(part) for part in error["loc"]]
    key = ".".join(loc)
    env = env_sources.get(key) or next(
        (v for k, v in env_sources.items() if k.startswith(key + ".")), None
    )
    line = None if env else _find_line(text, key)
    place = f"environment variable {env[4:]}" if env else str(path)
    where = f"{place} line {line}" if line else place
    if error["type"] == "extra_forbidden":
        known = ", ".join(_resolve(loc[:-1])[1].model_fields if loc[:-1] else Settings.model_fields)
        message = (
            f"{place}: unknown setting `{key}`{f' (line {line})' if line else ''}; "
            f"known keys here are: {known}; fix the spelling or remove it."
        )
    elif error["type"] == "value_error":  # our own validators already say what is wrong and the fix
        message = f"{where}: {key} {error['msg'].removeprefix('Value error, ')}."
    else:
        value = "" if isinstance(error["input"], dict) else f" = {_toml(error['input'])}"
        fix = f"the default is {_toml(_defaults()[key])}" if key in _defaults() else "fix it"
        msg = error["msg"][:1].lower() + error["msg"][1:]
        message = f"{where}: {key}{value} is not valid ({msg}); {fix}."
    return message + (f" ({len(errors) - 1} more problem(s) after this one.)" if errors[1:] else "")


def _build(
    data: dict[str, Any], text: str, path: Path, env: Mapping[str, str], *, exists: bool = True
) -> LoadedSettings:
    overrides, env_sources = _env_overrides(env)
    try:
        settings = Settings.model_validate(_merge(data, overrides))
    except ValidationError as exc:
        raise ConfigError(_explain(exc, path, text, env_sources)) from None
    sources = dict.fromkeys(_defaults(), "default")
    for key in _flatten(data).keys() & sources.keys():
        line = _find_line(text, key)
        sources[key] = f"file {path}:{line}" if line else f"file {path}"
    sources.update({k: v for k, v in env_sources.items() if k in sources})
    return LoadedSettings(settings, path, exists, sources)


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> LoadedSettings:
    environ = _environ(env)
    path = config_path(environ) if path is None else path
    text = _read_text(path)
    data = _parse(text, path) if text is not None else {}
    return _build(data, text or "", path, environ, exists=text is not None)


def effective_items(loaded: LoadedSettings) -> list[tuple[str, object, str, str]]:
    descriptions = {key: info.description or "" for key, info, sub in _fields() if sub is None}
    values = _flatten(loaded.settings.model_dump())
    return [
        (key, value, loaded.sources.get(key, "default"), descriptions.get(key, ""))
        for key, value in values.items()
    ]


def save_setting(path: Path, dotted_key: str, value: object) -> None:
    parts, annotation = _resolve(dotted_key.split("."))
    if ".".join(parts) not in _defaults():
        raise ConfigError(
            f"unknown setting `{dotted_key}`; run `clientdesk config show` to list the keys."
        )
    if isinstance(value, str):
        value = _coerce(value, annotation)
    text = _read_text(path)
    if text is not None:
        _parse(text, path)  # report syntax errors with line and column before tomlkit does
    doc = tomlkit.parse(text or "")
    table: Any = doc
    for depth, part in enumerate(parts[:-1]):
        if part not in table:  # [service.A] without an empty [service] header above it
            table[part] = tomlkit.table(is_super_table=depth < len(parts) - 2)
        elif not isinstance(table[part], dict):
            raise ConfigError(f"{path}: `{part}` is not a table; make it a [table] or remove it.")
        table = table[part]
    table[parts[-1]] = str(value) if isinstance(value, Decimal) else value
    new_text = tomlkit.dumps(doc)
    try:  # lines are looked up in the old text, the one the user can see
        _build(_parse(new_text, path), text or "", path, {})
    except ConfigError as exc:
        raise ConfigError(f"not saved, the file is unchanged: {exc.message}") from None
    _write_atomic(
        path, new_text, mode=stat.S_IMODE(path.stat().st_mode) if text is not None else 0o600
    )


def _write_atomic(path: Path, text: str, *, mode: int) -> None:
    tmp: str | None = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise ConfigError(
            f"cannot write settings file {path}: {exc.strerror or exc}; check the "
            "folder's permissions or point CLIENTDESK_CONFIG elsewhere."
        ) from None


def render_default_config() -> str:
    """A settings file documenting every key; values are commented out so defaults still apply."""
    lines = [
        "# clientdesk settings. Each key shows its default; uncomment a line to change it.",
        "# Environment variables such as CLIENTDESK_SERVICE__A__VISIT_EVERY_DAYS=10 win.",
    ]
    defaults = _defaults()
    for key, info, sub in _fields():
        if sub is not None:
            has_leaves = any(_submodel(i.annotation) is None for i in sub.model_fields.values())
            lines += ["", f"# {info.description}"] + ([f"[{key}]"] if has_leaves else [])
        else:
            lines += [
                f"# {info.description}",
                f"# {key.rsplit('.', 1)[-1]} = {_toml(defaults[key])}",
            ]
    return "\n".join(lines) + "\n"


DEFAULT_CONFIG_TEXT: str = render_default_config()


def write_default_config(path: Path) -> None:
    """Write the documented default file (owner-only), for `clientdesk config init`."""
    _write_atomic(path, render_default_config(), mode=0o600)
