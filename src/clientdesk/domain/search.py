"""Instant search over customer files (客户档案): what a salesperson types above the list.

A query finds customers by code, by company name or short name (any part of it, Chinese
included: 华信 finds 北京华信科技有限公司), by pinyin or pinyin initials with spaces ignored
(`bjhx`, `beijing huaxin`), and by their contacts' names, e-mail addresses and phone
numbers (spaces, dashes, brackets and a +86 / 0086 prefix ignored).

Ranking, best first (the number is `rank_of`):

    0  the code is the query                      C000123 (or c000123)
    1  a whole key is the query                   name, short name, pinyin, pinyin initials,
                                                  contact name, e-mail, phone digits
    2  a key starts with the query                the keys above and the code
    3  the query is somewhere inside a key        the same keys

Within one rank the list's own order applies (by default the name, in pinyin order), then
the id. Letters compare without case and full-width characters as half-width, except that
for ranks 1 and 2 a contact's name and e-mail compare as stored.

How matches are found, each step with a LIMIT: whole-key and prefix matches come from index
range scans (PROBE_LIMIT keys each, whole ones first), so the best matches are among the
hits even when a search is capped; matches anywhere inside a key come from the
FTS5 trigram index `customer_search` (SQLite). A trigram MATCH finds nothing for fewer than
3 characters, so a 2-character term (华信) is looked up as every trigram of the index that
starts with it (`customer_search_terms`; each value in the index ends in a separator, so
even its last two characters start one), and a 1-character query scans the index's copy of
the text. Databases without the index (PostgreSQL) use LIKE/ILIKE scans of the tables. A
search keeps at most MAX_HITS matches, exact and prefix ones first, and says when there are
more (`SearchHits.capped`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Connection, Select, and_, case, func, or_, select
from sqlmodel import Session, col

from clientdesk.domain.contact import Contact
from clientdesk.domain.customer import Customer
from clientdesk.domain.text import fold, phone_digits

if TYPE_CHECKING:
    from clientdesk.domain.customer_list import CustomerFilter

MAX_HITS = 500
"""Most matches a search keeps; more are reported as `capped` (the user types more)."""

PROBE_LIMIT = 200
"""Most keys one index probe reads. A key equal to the query sorts first among the keys
that start with it, so whole-key matches are never cut off."""

SEARCH_TABLE = "customer_search"
"""The FTS5 table (SQLite only), made by migration 0002 and kept in step by triggers."""
TERMS_TABLE = "customer_search_terms"
"""fts5vocab over SEARCH_TABLE: one row per trigram in the index."""

TRIGRAM = 3  # the trigram tokenizer matches nothing shorter
_TOP = "\U0010ffff"  # sorts after every character: [v, v + _TOP) is "starts with v"
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NOT_PINYIN = re.compile(r"[^0-9a-z]+")
_PHONE_LIKE = re.compile(r"[0-9+\-\s().]+")
_COUNTRY_PREFIXES = ("+86", "0086")


@dataclass(frozen=True)
class SearchTerms:
    """One query, normalised for each kind of key it is compared with."""

    text: str  # folded, spaces collapsed: names, code, contact names, e-mails
    code: str  # the text in capitals, as codes are written (C000123)
    pinyin: str  # letters and digits only; empty when the query has Chinese characters
    digits: str  # phone digits; empty unless the query looks like a phone number

    @property
    def empty(self) -> bool:
        return not self.text

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(term for term in (self.text, self.pinyin, self.digits) if term)


def parse_query(query: str) -> SearchTerms:
    """Normalise what the user typed: width, case, spaces, phone formatting.

    '  Ｃ000１２３ ' → text 'c000123'; 'Beijing  HuaXin' → pinyin 'beijinghuaxin';
    '+86 138-0013-8000' → digits '13800138000'.
    """
    folded = fold(query)
    visible = "".join(
        ch for ch in folded if ch.isspace() or not unicodedata.category(ch).startswith("C")
    )
    text = " ".join(visible.split())
    pinyin = "" if _CJK.search(text) else _NOT_PINYIN.sub("", text.replace("ü", "v"))
    digits = ""
    if _PHONE_LIKE.fullmatch(text):
        number = text
        for prefix in _COUNTRY_PREFIXES:
            if number.startswith(prefix):
                number = number[len(prefix) :]
                break
        digits = phone_digits(number)
    return SearchTerms(text=text, code=text.upper(), pinyin=pinyin, digits=digits)


@dataclass(frozen=True)
class SearchHits:
    """The customers a query matched (under the filters), unordered: pages rank them."""

    terms: SearchTerms
    ids: tuple[int, ...]
    capped: bool  # more customers match than were collected: the user should narrow it
    # What the index probes saw, for ranking without reading every contact again:
    whole: frozenset[int] = frozenset()  # a probed key (a contact's, say) is the query
    starts: frozenset[int] = frozenset()  # a probed key starts with the query


def has_search_index(connection: Connection) -> bool:
    if connection.dialect.name != "sqlite":
        return False
    master = sa.table("sqlite_master", sa.column("type"), sa.column("name"))
    found = connection.execute(
        select(master.c.name).where(master.c.type == "table", master.c.name == SEARCH_TABLE)
    ).first()
    return found is not None


def find_customers(
    query: str | SearchTerms,
    *,
    session: Session,
    filters: CustomerFilter | None = None,
    limit: int = MAX_HITS,
    use_index: bool | None = None,
) -> SearchHits:
    """Ids of the customers matching `query` and `filters`; see the module for the rules.

    `use_index=False` scans the tables as if there were no FTS5 index (tests compare the
    ways); None uses the index when the database has it.
    """
    terms = query if isinstance(query, SearchTerms) else parse_query(query)
    if terms.empty:
        return SearchHits(terms, (), capped=False)
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    indexed = has_search_index(connection)
    if use_index is None:
        use_index = indexed
    where = filters.conditions() if filters else []
    found: dict[int, None] = {}  # an ordered set: the best matches first
    whole: set[int] = set()
    starts: set[int] = set()
    for statement, key in _probes(terms, where, limit, sqlite):
        for customer_id, value in connection.execute(statement):
            found[customer_id] = None
            (whole if value == key else starts).add(customer_id)
    if use_index:
        match = fts_query(terms, lambda term: _trigrams_from(connection, term))
        scans = [_text_scan(terms, where)] if match is None else _fts_scan(match, where)
    else:
        scans = _like_scans(terms, where, sqlite)
    capped = False
    # Every match is found by a scan (a prefix is also a substring), so when no scan
    # reaches the limit, `found` is complete.
    for statement in scans:
        ids = list(connection.execute(statement.limit(limit + 1)).scalars())
        capped = capped or len(ids) > limit
        found.update(dict.fromkeys(ids))
    hits = tuple(found)[:limit]
    kept = frozenset(hits)
    return SearchHits(
        terms, hits, capped or len(found) > limit, frozenset(whole) & kept, frozenset(starts) & kept
    )


def rank_of(hits: SearchHits) -> ColumnElement[int]:
    """0 exact code, 1 a whole key, 2 a key's start, 3 anywhere: see the module docstring.

    The customer's own keys are compared here; contacts' keys were compared by the probes
    of `find_customers` (`hits.whole`, `hits.starts`).
    """
    lower = func.lower
    terms = hits.terms
    text, pinyin = terms.text, terms.pinyin
    whole: list[ColumnElement[bool]] = [
        lower(col(Customer.name)) == text,
        lower(col(Customer.short_name)) == text,
    ]
    starts: list[ColumnElement[bool]] = [
        lower(col(Customer.code)).startswith(text, autoescape=True),
        lower(col(Customer.name)).startswith(text, autoescape=True),
        lower(col(Customer.short_name)).startswith(text, autoescape=True),
    ]
    if pinyin:
        for key in (col(Customer.pinyin), col(Customer.pinyin_initials)):
            whole.append(key == pinyin)
            starts.append(key.startswith(pinyin, autoescape=True))
    if hits.whole:
        whole.append(col(Customer.id).in_(sorted(hits.whole)))
    if hits.starts:
        starts.append(col(Customer.id).in_(sorted(hits.starts)))
    return case(
        (col(Customer.code).in_(_codes(terms)), 0),
        (or_(*whole), 1),
        (or_(*starts), 2),
        else_=3,
    )


def rebuild_search_index(connection: Connection) -> None:
    """Fill `customer_search` from the tables (SQLite with the index only).

    For bulk loads that drop the triggers first (the demo build): one pass instead of a
    trigger per row. The same rows the triggers and migration 0002 write.
    """
    if not has_search_index(connection):
        return
    connection.exec_driver_sql(f"DELETE FROM {SEARCH_TABLE}")  # noqa: S608 (a constant)
    connection.exec_driver_sql(_REBUILD)


_REBUILD = f"""
    INSERT INTO {SEARCH_TABLE} (rowid, names, code, pinyin, contacts, phones)
    SELECT c.id,
           c.name || char(31) || coalesce(c.short_name, '') || char(31),
           c.code || char(31),
           c.pinyin || char(31) || c.pinyin_initials || char(31),
           coalesce((SELECT group_concat(k.name || char(31) || coalesce(k.email, '')
                                         || char(31), '')
                     FROM contacts AS k WHERE k.customer_id = c.id), ''),
           coalesce((SELECT group_concat(k.phone_digits || char(31) || k.mobile_digits
                                         || char(31), '')
                     FROM contacts AS k WHERE k.customer_id = c.id), '')
    FROM customers AS c
"""  # noqa: S608 (a constant table name)


# -- the statements ----------------------------------------------------------------------


def _codes(terms: SearchTerms) -> list[str]:
    return sorted({terms.code, terms.text})


def _starts_with(column: Any, value: str, sqlite: bool) -> ColumnElement[bool]:
    """An index range scan on SQLite (its LIKE ignores indexes on case-sensitive columns)."""
    if sqlite:
        return and_(column >= value, column < value + _TOP)
    return column.startswith(value, autoescape=True)


def _contains(sqlite: bool) -> Callable[[Any, str], ColumnElement[bool]]:
    # SQLite's LIKE already ignores ASCII case; PostgreSQL's does not.
    if sqlite:
        return lambda column, value: column.contains(value, autoescape=True)
    return lambda column, value: column.icontains(value, autoescape=True)


def _of_customers(
    condition: ColumnElement[bool], where: Sequence[ColumnElement[bool]], key: Any = None
) -> Select[Any]:
    """Ids (and the value of `key`, when given) of customers meeting the condition."""
    columns = [col(Customer.id)] if key is None else [col(Customer.id), key]
    return select(*columns).where(condition, *where)


def _of_contacts(
    condition: ColumnElement[bool], where: Sequence[ColumnElement[bool]], key: Any = None
) -> Select[Any]:
    """Ids (and the contact's `key`) of customers with a contact meeting the condition."""
    columns = [col(Contact.customer_id)] if key is None else [col(Contact.customer_id), key]
    return (
        select(*columns)
        .join(Customer, col(Customer.id) == col(Contact.customer_id))
        .where(condition, *where)
        .distinct()
    )


def _probes(
    terms: SearchTerms, where: Sequence[ColumnElement[bool]], limit: int, sqlite: bool
) -> list[tuple[Select[Any], str]]:
    """Index lookups for keys that are or start with the query: (customer id, key) rows,
    each with the value that makes the key a whole match."""
    text, pinyin, digits = terms.text, terms.pinyin, terms.digits
    own: list[tuple[Any, str, str]] = [
        (col(Customer.code), terms.code, terms.code),
        (col(Customer.name), text, text),
    ]
    contacts: list[tuple[Any, str]] = [(col(Contact.name), text), (col(Contact.email), text)]
    if pinyin:
        own += [(col(Customer.pinyin), pinyin, pinyin)]
        own += [(col(Customer.pinyin_initials), pinyin, pinyin)]
    if digits:
        contacts += [(col(Contact.phone_digits), digits), (col(Contact.mobile_digits), digits)]
    code = col(Customer.code)
    probes = [(_of_customers(code.in_(_codes(terms)), where, code), terms.code)]
    probes += [
        (_of_customers(_starts_with(key, value, sqlite), where, key), whole)
        for key, value, whole in own
    ]
    probes += [
        (_of_contacts(_starts_with(key, value, sqlite), where, key), value)
        for key, value in contacts
    ]
    return [(statement.limit(min(limit, PROBE_LIMIT)), whole) for statement, whole in probes]


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def fts_query(
    terms: SearchTerms, trigrams_from: Callable[[str], list[str]] | None = None
) -> str | None:
    """The MATCH expression: each term against the columns holding its kind of key.

    A 2-character term becomes the trigrams that start with it (`trigrams_from`); "" when
    none does (nothing can match), None when a term is too short for the index.
    """
    wanted = [("{names code contacts}", terms.text)]
    if terms.pinyin:
        wanted.append(("pinyin", terms.pinyin))
    if terms.digits:
        wanted.append(("phones", terms.digits))
    parts = []
    for columns, term in wanted:
        if len(term) >= TRIGRAM:
            parts.append(f"{columns} : {_phrase(term)}")
        elif len(term) == TRIGRAM - 1 and trigrams_from is not None:
            trigrams = trigrams_from(term)
            if trigrams:
                parts.append(f"{columns} : ({' OR '.join(map(_phrase, trigrams))})")
        else:
            return None
    return " OR ".join(parts)


def _trigrams_from(connection: Connection, start: str) -> list[str]:
    """The index's trigrams that start with `start` (a range of the fts5vocab table)."""
    terms = sa.table(TERMS_TABLE, sa.column("term", sa.String))
    found = connection.execute(
        select(terms.c.term).where(terms.c.term >= start, terms.c.term < start + _TOP)
    )
    return list(found.scalars())


def _fts_scan(match: str, where: Sequence[ColumnElement[bool]]) -> list[Select[Any]]:
    if not match:
        return []  # a 2-character term that starts no trigram: nothing matches
    index = sa.table(SEARCH_TABLE, sa.column("rowid", sa.Integer))
    condition = sa.text(f"{SEARCH_TABLE} MATCH :match").bindparams(match=match)
    return [
        select(index.c.rowid)
        .join(Customer, col(Customer.id) == index.c.rowid)
        .where(condition, *where)
    ]


def _text_scan(terms: SearchTerms, where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """One pass over the index's copy of the text, for 1-character queries.

    FTS5 keeps the text of `customer_search` in the ordinary table `customer_search_content`
    (columns c0-c4 in the order they were declared: names, code, pinyin, contacts, phones).
    """
    content = sa.table(
        f"{SEARCH_TABLE}_content",
        sa.column("id", sa.Integer),
        *(sa.column(f"c{n}", sa.String) for n in range(5)),
    )
    names, code, pinyin, contacts, phones = (content.c[f"c{n}"] for n in range(5))
    text = terms.text
    if text.upper() == text.lower():  # no letters with case (Chinese, digits): instr is exact
        conditions = [func.instr(column, text) > 0 for column in (names, code, contacts)]
    else:  # SQLite's LIKE ignores ASCII case
        conditions = [column.contains(text, autoescape=True) for column in (names, code, contacts)]
    if terms.pinyin:
        conditions.append(func.instr(pinyin, terms.pinyin) > 0)
    if terms.digits:
        conditions.append(func.instr(phones, terms.digits) > 0)
    return (
        select(content.c.id)
        .join(Customer, col(Customer.id) == content.c.id)
        .where(or_(*conditions), *where)
    )


def _like_scans(
    terms: SearchTerms, where: Sequence[ColumnElement[bool]], sqlite: bool
) -> list[Select[Any]]:
    contains = _contains(sqlite)
    text, pinyin, digits = terms.text, terms.pinyin, terms.digits
    own = [
        contains(col(Customer.name), text),
        contains(col(Customer.short_name), text),
        contains(col(Customer.code), text),
    ]
    if pinyin:
        own += [
            contains(col(Customer.pinyin), pinyin),
            contains(col(Customer.pinyin_initials), pinyin),
        ]
    contacts = [contains(col(Contact.name), text), contains(col(Contact.email), text)]
    if digits:
        contacts += [
            contains(col(Contact.phone_digits), digits),
            contains(col(Contact.mobile_digits), digits),
        ]
    return [_of_customers(or_(*own), where), _of_contacts(or_(*contacts), where)]
