"""Spreadsheet columns ↔ fields: headers matched in English or Chinese, ignoring case,
spaces and punctuation; `--map "Firma=name"` adds or overrides a match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from clientdesk.errors import UsageError
from clientdesk.exchange.values import Parser

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
# Columns the errors sheet adds; a re-import of that sheet ignores them without a warning.
ERROR_COLUMNS = ("import_line", "import_problems")


def normalise(header: str) -> str:
    """'  Company Name* ' → 'companyname'; '公司名称（必填）' → '公司名称必填'."""
    folded = unicodedata.normalize("NFKC", str(header)).casefold()
    return _NOT_WORD.sub("", folded)


@dataclass(frozen=True)
class Field:
    """One importable/exportable field: its key, its two headers, and how a cell parses."""

    key: str
    en: str
    zh: str
    parse: Parser
    required: bool = False
    aliases: tuple[str, ...] = ()

    def names(self) -> Iterable[str]:
        yield self.key
        yield self.en
        yield self.zh
        yield from self.aliases

    def header(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


@dataclass
class ColumnMap:
    """Which column index feeds which field, and what was left over."""

    fields: list[tuple[int, Field]] = field(default_factory=list)
    unknown: list[tuple[int, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # missing or clashing columns

    @property
    def keys(self) -> set[str]:
        return {f.key for _, f in self.fields}


def parse_overrides(pairs: Sequence[str], fields: Sequence[Field]) -> dict[str, str | None]:
    """'Header=field' pairs → {normalised header: field key, or None to ignore the column}."""
    by_name = _index(fields)
    result: dict[str, str | None] = {}
    for pair in pairs:
        header, sep, target = pair.partition("=")
        if not sep or not header.strip():
            raise UsageError(
                f"--map {pair!r} is not HEADER=FIELD.",
                hint="For example --map 'Firma=name'; 'Spalte=' ignores a column.",
            )
        if not target.strip():
            result[normalise(header)] = None
            continue
        found = by_name.get(normalise(target))
        if found is None:
            known = ", ".join(f.key for f in fields)
            raise UsageError(f"--map {pair!r}: there is no field {target!r}; fields: {known}.")
        result[normalise(header)] = found.key
    return result


def _index(fields: Sequence[Field]) -> dict[str, Field]:
    index: dict[str, Field] = {}
    for f in fields:
        for name in f.names():
            index.setdefault(normalise(name), f)
    return index


def map_columns(
    headers: Sequence[str],
    fields: Sequence[Field],
    overrides: dict[str, str | None],
    *,
    required_any: Sequence[tuple[str, ...]] = (),
    start: int = 0,
    previous: ColumnMap | None = None,
) -> ColumnMap:
    """Match headers[start:] to fields; `previous` holds the columns matched before (JSON)."""
    by_name = _index(fields)
    by_key = {f.key: f for f in fields}
    result = previous or ColumnMap()
    taken = {f.key: index for index, f in result.fields}
    for index in range(start, len(headers)):
        header = headers[index]
        name = normalise(header)
        if not name or name in {normalise(c) for c in ERROR_COLUMNS}:
            continue
        if name in overrides:
            key = overrides[name]
            if key is None:
                continue
            found: Field | None = by_key[key]
        else:
            found = by_name.get(name)
        if found is None:
            result.unknown.append((index, header))
            continue
        if found.key in taken:
            other = headers[taken[found.key]]
            result.problems.append(
                f"columns {other!r} and {header!r} both hold {found.en} ({found.zh}); "
                f"remove one, or point one elsewhere with --map '{header}=FIELD'"
            )
            continue
        taken[found.key] = index
        result.fields.append((index, found))
    if start == 0:
        present = set(taken)
        for f in fields:
            if f.required and f.key not in present:
                result.problems.append(f"the required column {f.zh} ({f.en}) is missing")
        for group in required_any:
            if not present & set(group):
                names = " or ".join(f"{by_key[k].zh} ({by_key[k].en})" for k in group)
                result.problems.append(f"a column {names} is needed to find the customer")
    return result


def check_override_headers(headers: Sequence[str], overrides: dict[str, str | None]) -> None:
    present = {normalise(h) for h in headers}
    missing = [name for name in overrides if name not in present]
    if missing:
        raise UsageError(
            f"--map names columns the file does not have: {', '.join(missing)}; "
            f"its columns are: {', '.join(str(h) for h in headers)}."
        )
