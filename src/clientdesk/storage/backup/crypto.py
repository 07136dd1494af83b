"""Encryption of backups with AES-256-GCM from `cryptography`, in authenticated chunks.

Only vetted primitives are used; this module only frames them (the STREAM construction
that age and Tink use), so a backup of any size is encrypted in constant memory:

    header  = b"CDBKENC1" | kdf (1 byte) | salt (16) | log2 n, r, p (3) | log2 chunk (1)
    key     = scrypt(passphrase, salt, n, r, p)      kdf 1: --passphrase-file
            = HKDF-SHA256(key file bytes, salt)      kdf 2: --key-file (>= 32 bytes)
    chunk i = AES-256-GCM(key, nonce = i as 11 bytes big-endian | last flag, plaintext,
                          associated data = header)

The random salt makes every file's key unique, so counter nonces never repeat under a key.
The flag on the last chunk makes a truncated or extended file fail to decrypt; the header
as associated data makes a tampered header fail too.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from clientdesk.errors import ClientdeskError, UsageError

MAGIC = b"CDBKENC1"
KDF_SCRYPT = 1
KDF_HKDF = 2
SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P = 17, 8, 1  # 128 MiB and about half a second per use
MAX_SCRYPT_LOG2_N = 20  # refuse headers that would ask for more than 1 GiB of memory
CHUNK_LOG2 = 20
TAG = 16
HEADER = struct.Struct(">8sB16sBBBB")
MIN_KEY_FILE_BYTES = 32


class Sink(Protocol):
    def write(self, data: bytes, /) -> int: ...


class Source(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class DecryptionError(ClientdeskError):
    """Wrong passphrase or key file, or the encrypted data was changed."""


@dataclass(frozen=True)
class Secret:
    """A passphrase or key-file contents; never printed."""

    kind: Literal["passphrase", "key-file"]
    material: bytes = field(repr=False)
    source: str = ""  # the file it came from, for messages


def passphrase_from_file(path: Path) -> Secret:
    raw = _read_secret_file(path, "passphrase file")
    try:
        text = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise UsageError(f"the passphrase file {path} is not UTF-8 text.") from None
    if not text:
        raise UsageError(f"the passphrase file {path} is empty.", hint="Put the passphrase in it.")
    return Secret("passphrase", text.encode("utf-8"), str(path))


def passphrase(text: str) -> Secret:
    if not text:
        raise UsageError("the passphrase is empty.", hint="Type a passphrase.")
    return Secret("passphrase", text.encode("utf-8"), "prompt")


def key_from_file(path: Path) -> Secret:
    raw = _read_secret_file(path, "key file")
    if len(raw) < MIN_KEY_FILE_BYTES:
        raise UsageError(
            f"the key file {path} holds {len(raw)} bytes; at least {MIN_KEY_FILE_BYTES} "
            "random bytes are needed.",
            hint=f"Make one with `openssl rand -base64 48 > {path}` and keep a copy safe.",
        )
    return Secret("key-file", raw, str(path))


def _read_secret_file(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the {what} {path}: {exc.strerror}.") from None


def _derive(secret: Secret, kdf: int, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    if kdf == KDF_SCRYPT:
        return Scrypt(salt=salt, length=32, n=1 << log2_n, r=r, p=p).derive(secret.material)
    info = b"clientdesk backup key file"
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(secret.material)


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class EncryptingWriter:
    """A write-only stream that encrypts into `target` chunk by chunk; close() seals it."""

    def __init__(self, target: Sink, secret: Secret) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        kdf = KDF_SCRYPT if secret.kind == "passphrase" else KDF_HKDF
        salt = os.urandom(16)
        params = (SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P) if kdf == KDF_SCRYPT else (0, 0, 0)
        self._header = HEADER.pack(MAGIC, kdf, salt, *params, CHUNK_LOG2)
        self._aead = AESGCM(_derive(secret, kdf, salt, *params))
        self._size = 1 << CHUNK_LOG2
        self._target = target
        self._buffer = bytearray()
        self._counter = 0
        target.write(self._header)

    def write(self, data: bytes) -> int:
        self._buffer += data
        # Keep at least one byte back: only close() knows which chunk is the last.
        while len(self._buffer) > self._size:
            self._seal(bytes(self._buffer[: self._size]), last=False)
            del self._buffer[: self._size]
        return len(data)

    def _seal(self, plain: bytes, *, last: bool) -> None:
        nonce = _nonce(self._counter, last)
        self._target.write(self._aead.encrypt(nonce, plain, self._header))
        self._counter += 1

    def flush(self) -> None:
        """Nothing to do: data waits for a full chunk (compressors call this)."""

    def close(self) -> None:
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()


class DecryptingReader:
    """A read-only stream of the plaintext of an encrypted backup; raises on any tampering."""

    def __init__(self, source: Source, secret: Secret, *, where: str) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._where = where
        header = source.read(HEADER.size)
        if len(header) < HEADER.size or not header.startswith(MAGIC):
            raise DecryptionError(f"{where} is not an encrypted clientdesk backup.")
        _, kdf, salt, log2_n, r, p, chunk_log2 = HEADER.unpack(header)
        sane = kdf in (KDF_SCRYPT, KDF_HKDF) and 10 <= chunk_log2 <= 24
        if kdf == KDF_SCRYPT:
            sane = sane and 10 <= log2_n <= MAX_SCRYPT_LOG2_N and 1 <= r <= 32 and 1 <= p <= 16
        if not sane:
            raise DecryptionError(f"{where} has a damaged encryption header.")
        wanted = "passphrase" if kdf == KDF_SCRYPT else "key-file"
        if secret.kind != wanted:
            raise UsageError(
                f"{where} was encrypted with a {wanted.replace('-', ' ')}, "
                f"not a {secret.kind.replace('-', ' ')}.",
                hint=f"Pass --{wanted}{'-file' if wanted == 'passphrase' else ''} instead.",
            )
        self._header = header
        self._aead = AESGCM(_derive(secret, kdf, salt, log2_n, r, p))
        self._source = source
        self._sealed = (1 << chunk_log2) + TAG
        self._counter = 0
        self._pending = source.read(self._sealed)
        self._plain = b""
        self._offset = 0
        self._done = False

    def _next_chunk(self) -> None:
        from cryptography.exceptions import InvalidTag

        following = self._source.read(self._sealed) if self._pending else b""
        last = not following
        try:
            self._plain = self._aead.decrypt(
                _nonce(self._counter, last), self._pending, self._header
            )
        except (InvalidTag, ValueError):
            raise DecryptionError(
                f"{self._where} cannot be decrypted: wrong passphrase or key file, "
                "or the file was changed or cut short.",
                hint="Check the passphrase or key file; if it is right, the backup is damaged.",
            ) from None
        self._offset = 0
        self._counter += 1
        self._pending = following
        self._done = last

    def read(self, size: int = -1) -> bytes:
        parts: list[bytes] = []
        wanted = size if size >= 0 else float("inf")
        got = 0
        while got < wanted:
            if self._offset >= len(self._plain):
                if self._done:
                    break
                self._next_chunk()
                continue
            take = int(min(wanted - got, len(self._plain) - self._offset))
            parts.append(self._plain[self._offset : self._offset + take])
            self._offset += take
            got += take
        return b"".join(parts)

    def readinto(self, buffer: bytearray | memoryview) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readable(self) -> bool:
        return True
