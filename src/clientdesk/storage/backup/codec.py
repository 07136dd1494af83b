"""The layers between a database file and a backup file: compression, then encryption.

Both directions stream in 1 MiB pieces and hash what passes, so a backup of any size
takes constant memory and is read once.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from clientdesk.errors import ClientdeskError
from clientdesk.storage.backup.crypto import DecryptingReader, EncryptingWriter, Secret
from clientdesk.storage.backup.files import CHUNK, copy_hashed

COMPRESSIONS = ("none", "zstd", "gzip")
SUFFIX = {"none": "", "zstd": ".zst", "gzip": ".gz"}
ZSTD_LEVEL = 3  # zstd's default: about gzip -6's ratio at several times its speed
GZIP_LEVEL = 6


class DecodeError(ClientdeskError):
    """The stored data does not decompress; the backup is damaged."""


@dataclass(frozen=True)
class Digests:
    """SHA-256 and size of the stored backup file and of the database inside it."""

    stored_sha256: str
    stored_size: int
    db_sha256: str
    db_size: int


class _HashingWriter:
    def __init__(self, target: BinaryIO) -> None:
        self._target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self._target.write(data)

    def flush(self) -> None:
        self._target.flush()


def encode(plain: Path, stored: Path, *, compression: str, secret: Secret | None) -> Digests:
    """Write `plain` to the existing (owner-only) file `stored`, compressed and encrypted."""
    with plain.open("rb") as source, stored.open("r+b") as target:
        target.truncate()
        hashed = _HashingWriter(target)
        sealer = EncryptingWriter(hashed, secret) if secret else None
        inner: Any = sealer or hashed
        if compression == "zstd":
            import zstandard

            compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True, threads=-1)
            layer: Any = compressor.stream_writer(
                inner, size=plain.stat().st_size, closefd=False, write_size=CHUNK
            )
        elif compression == "gzip":
            layer = gzip.GzipFile(fileobj=inner, mode="wb", compresslevel=GZIP_LEVEL, mtime=0)
        else:
            layer = inner
        db_sha256, db_size = copy_hashed(source, layer)
        if layer is not inner:
            layer.close()
        if sealer:
            sealer.close()
        target.flush()
    return Digests(hashed.digest.hexdigest(), hashed.size, db_sha256, db_size)


def decode(
    stored: Path, plain: Path, *, compression: str, secret: Secret | None, where: str
) -> Digests:
    """Write the database inside `stored` to the existing (owner-only) file `plain`.

    Raises DecryptionError for a wrong key or changed ciphertext and DecodeError for data
    that does not decompress; the caller removes `plain` then.
    """
    with stored.open("rb") as raw, plain.open("r+b") as target:
        target.truncate()
        hashed = _HashingReader(raw)
        opened: Any = DecryptingReader(hashed, secret, where=where) if secret else hashed
        damaged: tuple[type[BaseException], ...] = (gzip.BadGzipFile, EOFError, zlib.error)
        if compression == "zstd":
            import zstandard

            damaged += (zstandard.ZstdError,)
            reader: Any = zstandard.ZstdDecompressor().stream_reader(
                opened, read_size=CHUNK, read_across_frames=False, closefd=False
            )
        elif compression == "gzip":
            reader = gzip.GzipFile(fileobj=opened, mode="rb")
        else:
            reader = opened
        try:
            db_sha256, db_size = copy_hashed(reader, target)
        except damaged as exc:
            raise DecodeError(f"{where} does not decompress ({exc}).") from None
        if reader is not opened and opened.read(1):
            raise DecodeError(f"{where} has data after its compressed end.")
        while hashed.read(CHUNK):  # hash to the very end, past anything a layer ignored
            pass
        target.flush()
    return Digests(hashed.digest.hexdigest(), hashed.size, db_sha256, db_size)


class _HashingReader:
    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readable(self) -> bool:
        return True
