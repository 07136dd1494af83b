"""Damaged backups are caught by verify and refused by restore, leaving the database untouched."""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientdesk.errors import ClientdeskError
from clientdesk.storage.backup import (
    create_backup,
    list_backups,
    passphrase,
    restore_backup,
    verify_backup,
)
from clientdesk.storage.backup.crypto import (
    DecryptingReader,
    DecryptionError,
    EncryptingWriter,
    Secret,
)
from clientdesk.storage.backup.manifest import manifest_path, read_manifest
from test_backup_support import demo_database, execute, fingerprint, flip_byte, no_partials

KEY = Secret("key-file", b"k" * 32)


@pytest.fixture
def live(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    """The database a restore would replace; it must come through every refusal unchanged."""
    path = demo_database(tmp_path_factory, tmp_path / "live" / "clientdesk.db")
    execute(path, "DELETE FROM visits")  # differs from the backups
    return path


@pytest.fixture
def source(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    return demo_database(tmp_path_factory, tmp_path / "src" / "clientdesk.db")


FORMATS = [
    pytest.param("none", None, id="plain"),
    pytest.param("zstd", None, id="zstd"),
    pytest.param("gzip", None, id="gzip"),
    pytest.param("zstd", KEY, id="zstd-encrypted"),
    pytest.param("none", KEY, id="encrypted"),
]


def assert_refused(
    backup: Path, live: Path, folder: Path, secret: Secret | None, match: str
) -> None:
    before = fingerprint(live)
    with pytest.raises(ClientdeskError, match=match):
        restore_backup(backup, live, folder, secret=secret)
    assert fingerprint(live) == before
    assert list(folder.glob("*pre-restore*")) == []
    assert no_partials(live.parent, folder)


@pytest.mark.parametrize(("compression", "secret"), FORMATS)
def test_flipped_byte_fails_verify_and_restore(
    source: Path, live: Path, tmp_path: Path, compression: str, secret: Secret | None
) -> None:
    folder = tmp_path / "b"
    made = create_backup(source, folder, compression=compression, secret=secret)
    flip_byte(made.path, made.manifest.size // 2)

    result = verify_backup(made.path, secret=secret, scratch=tmp_path)
    assert result.status == "failed"
    assert "changed since it was made" in result.problems[0]
    assert read_manifest(made.path).verified_ok is False
    assert [e.state for e in list_backups(folder)] == ["FAILED"]
    assert_refused(made.path, live, folder, secret, "changed since it was made")


@pytest.mark.parametrize(("compression", "secret"), FORMATS)
def test_truncated_backup_fails_verify_and_restore(
    source: Path, live: Path, tmp_path: Path, compression: str, secret: Secret | None
) -> None:
    folder = tmp_path / "b"
    made = create_backup(source, folder, compression=compression, secret=secret)
    with made.path.open("r+b") as handle:
        handle.truncate(made.manifest.size - 1000)
    result = verify_backup(made.path, secret=secret, scratch=tmp_path)
    assert result.status == "failed" and "cut short" in result.problems[0]
    assert_refused(made.path, live, folder, secret, "cut short")


def test_damage_with_a_matching_forged_manifest_is_still_caught(
    source: Path, live: Path, tmp_path: Path
) -> None:
    """Someone who rewrites the manifest's hash too: the integrity check still refuses it."""
    folder = tmp_path / "b"
    made = create_backup(source, folder)
    with made.path.open("r+b") as handle:
        handle.seek(made.manifest.size // 2 // 4096 * 4096)
        handle.write(b"\x5a" * 4096)
    doc = json.loads(made.manifest_path.read_text(encoding="utf-8"))
    doc["sha256"] = doc["database_sha256"] = hashlib.sha256(made.path.read_bytes()).hexdigest()
    made.manifest_path.write_text(json.dumps(doc), encoding="utf-8")

    result = verify_backup(made.path, scratch=tmp_path)
    assert result.status == "failed" and "integrity check" in result.problems[0]
    assert_refused(made.path, live, folder, None, "integrity check")


def test_wrong_passphrase_is_refused_and_named(source: Path, live: Path, tmp_path: Path) -> None:
    folder = tmp_path / "b"
    made = create_backup(source, folder, compression="zstd", secret=passphrase("right horse"))
    wrong = passphrase("wrong horse")
    result = verify_backup(made.path, secret=wrong, scratch=tmp_path)
    assert result.status == "failed"
    assert "wrong passphrase or key file" in result.problems[0]
    assert_refused(made.path, live, folder, wrong, "wrong passphrase")
    assert verify_backup(made.path, secret=passphrase("right horse"), scratch=tmp_path).ok


def test_encrypted_backup_without_a_key_is_not_checked_nor_restored(
    source: Path, live: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "b"
    made = create_backup(source, folder, secret=KEY)
    result = verify_backup(made.path, scratch=tmp_path)
    assert result.status == "needs-key"
    assert read_manifest(made.path).verified_ok is None  # not a failure of the backup
    assert_refused(made.path, live, folder, None, "--key-file")
    wrong_kind = passphrase("a passphrase")
    assert verify_backup(made.path, secret=wrong_kind, scratch=tmp_path).status == "needs-key"


def test_missing_manifest_or_data_file_fails(source: Path, tmp_path: Path) -> None:
    folder = tmp_path / "b"
    first = create_backup(source, folder)
    second = create_backup(source, folder)
    first.manifest_path.unlink()
    second.path.unlink()
    assert "no manifest" in verify_backup(first.path).problems[0]
    assert "missing" in verify_backup(second.path).problems[0]
    states = {e.path.name: e.state for e in list_backups(folder)}
    assert states == {
        first.path.name: "incomplete: no manifest",
        second.path.name: "data file missing",
    }


def test_verify_records_success_and_accepts_the_manifest_path(source: Path, tmp_path: Path) -> None:
    made = create_backup(source, tmp_path / "b", compression="gzip")
    result = verify_backup(manifest_path(made.path), scratch=tmp_path)
    assert result.ok and result.path == made.path
    recorded = read_manifest(made.path)
    assert recorded.verified_ok is True and recorded.verified_at is not None
    assert os.stat(made.manifest_path).st_mode & 0o777 == 0o600


def encrypt(data: bytes, secret: Secret = KEY) -> bytes:
    sink = io.BytesIO()
    writer = EncryptingWriter(sink, secret)
    writer.write(data)
    writer.close()
    return sink.getvalue()


def decrypt(blob: bytes, secret: Secret = KEY) -> bytes:
    return DecryptingReader(io.BytesIO(blob), secret, where="blob").read()


SEALED = (1 << 20) + 16  # one sealed 1 MiB chunk


@pytest.mark.parametrize("size", [0, 1, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 5])
def test_encryption_round_trips_any_size(size: int) -> None:
    data = os.urandom(size)
    assert decrypt(encrypt(data)) == data


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda b: b[: 29 + SEALED], id="cut-at-chunk-boundary"),
        pytest.param(lambda b: b + b[29 : 29 + SEALED], id="chunk-appended"),
        pytest.param(lambda b: b[:29] + b[29 + SEALED : 29 + 2 * SEALED] + b[29:], id="reordered"),
        pytest.param(lambda b: b[:25] + b"\x01" + b[26:], id="header-byte-changed"),
        pytest.param(lambda b: b[:10] + bytes([b[10] ^ 1]) + b[11:], id="salt-changed"),
    ],
)
def test_encryption_detects_truncation_extension_reordering_and_header_changes(
    tamper: Callable[[bytes], bytes],
) -> None:
    blob = encrypt(os.urandom(3 * (1 << 20) + 5))
    with pytest.raises(ClientdeskError):
        decrypt(tamper(blob))


def test_wrong_key_is_a_decryption_error() -> None:
    blob = encrypt(b"secret customers")
    with pytest.raises(DecryptionError, match="wrong passphrase or key file"):
        decrypt(blob, Secret("key-file", b"x" * 32))


@given(
    data=st.binary(max_size=4096),
    writes=st.lists(st.integers(min_value=0, max_value=700), max_size=8),
    reads=st.lists(st.integers(min_value=1, max_value=900), min_size=1, max_size=8),
)
@settings(max_examples=60, deadline=None)
def test_encryption_round_trips_whatever_the_write_and_read_sizes(
    data: bytes, writes: list[int], reads: list[int]
) -> None:
    sink = io.BytesIO()
    writer = EncryptingWriter(sink, KEY)
    rest = data
    for size in writes:
        writer.write(rest[:size])
        rest = rest[size:]
    writer.write(rest)
    writer.close()
    reader = DecryptingReader(io.BytesIO(sink.getvalue()), KEY, where="blob")
    got = b""
    for size in reads * (len(data) // sum(reads) + 2):
        got += reader.read(size)
    assert got == data and reader.read() == b""
