"""Passphrase encryption of backup archives, streamed so archives of any size fit.

Layout: MAGIC, a random salt and the scrypt cost (kept in the header so it can be
raised later without breaking old archives), a key-check token, then the archive in
chunks. Each chunk is a Fernet token (AES-CBC + HMAC) whose plaintext starts with its
index and a last-chunk flag, so a reordered, truncated or altered archive is refused
rather than restored partly. The key check tells a wrong passphrase from damage.
"""

from __future__ import annotations

import base64
import os
import struct
from pathlib import Path
from typing import BinaryIO

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from workshop_app.services.operations.backup_errors import DamagedArchive, WrongPassphrase

MAGIC = b"WORKSHOP-BACKUP-ENC1\n"
CHUNK_BYTES = 1024 * 1024
SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P = 15, 8, 1
_KEY_CHECK = b"workshop backup key check"
_HEADER = struct.Struct(">16sBBBI")  # salt, log2(n), r, p, key-check length
_CHUNK_PREFIX = struct.Struct(">QB")  # index, last-chunk flag
_LENGTH = struct.Struct(">I")


def is_encrypted(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def _fernet(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> Fernet:
    kdf = Scrypt(salt=salt, length=32, n=2**log2_n, r=r, p=p)
    return Fernet(base64.urlsafe_b64encode(kdf.derive(passphrase.encode())))


def _write_token(out: BinaryIO, token: bytes) -> None:
    raw = base64.urlsafe_b64decode(token)  # store bytes, not base64: a third smaller
    out.write(_LENGTH.pack(len(raw)) + raw)


def _read_token(source: BinaryIO) -> bytes | None:
    length = source.read(_LENGTH.size)
    if not length:
        return None
    if len(length) < _LENGTH.size:
        raise DamagedArchive("the archive is truncated")
    (size,) = _LENGTH.unpack(length)
    raw = source.read(size)
    if len(raw) < size:
        raise DamagedArchive("the archive is truncated")
    return base64.urlsafe_b64encode(raw)


def encrypt_file(source: Path, target: Path, passphrase: str) -> None:
    salt = os.urandom(16)
    fernet = _fernet(passphrase, salt, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P)
    key_check = base64.urlsafe_b64decode(fernet.encrypt(_KEY_CHECK))
    with open(source, "rb") as plain, open(target, "wb") as out:
        out.write(MAGIC + _HEADER.pack(salt, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P, len(key_check)) + key_check)
        index, chunk = 0, plain.read(CHUNK_BYTES)
        while True:
            following = plain.read(CHUNK_BYTES)
            last = not following
            _write_token(out, fernet.encrypt(_CHUNK_PREFIX.pack(index, last) + chunk))
            if last:
                return
            index, chunk = index + 1, following


def decrypt_file(source: Path, target: Path, passphrase: str) -> None:
    """Raises WrongPassphrase when the key check fails, DamagedArchive for anything else amiss."""
    with open(source, "rb") as encrypted, open(target, "wb") as out:
        if encrypted.read(len(MAGIC)) != MAGIC:
            raise DamagedArchive("the archive is not an encrypted workshop backup")
        header = encrypted.read(_HEADER.size)
        if len(header) < _HEADER.size:
            raise DamagedArchive("the archive is truncated")
        salt, log2_n, r, p, check_size = _HEADER.unpack(header)
        if not (10 <= log2_n <= 22 and 1 <= r <= 32 and 1 <= p <= 16):
            raise DamagedArchive("the archive's header is damaged")
        fernet = _fernet(passphrase, salt, log2_n, r, p)
        try:
            fernet.decrypt(base64.urlsafe_b64encode(encrypted.read(check_size)))
        except InvalidToken:
            raise WrongPassphrase("wrong passphrase for this archive") from None
        expected = 0
        while (token := _read_token(encrypted)) is not None:
            try:
                plain = fernet.decrypt(token)
            except InvalidToken:
                raise DamagedArchive(f"the archive is damaged (chunk {expected} fails its integrity check)") from None
            index, last = _CHUNK_PREFIX.unpack_from(plain)
            if index != expected:
                raise DamagedArchive("the archive's chunks are out of order")
            out.write(plain[_CHUNK_PREFIX.size :])
            if last:
                if encrypted.read(1):
                    raise DamagedArchive("the archive has data after its last chunk")
                return
            expected += 1
        raise DamagedArchive("the archive is truncated")
