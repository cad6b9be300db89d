"""Encrypted hand-over packages (``.hmipx``): an inspection file for a memory stick or email.

A package holds a consistent, compacted snapshot of one ``.hmip`` file,
zlib-compressed and encrypted with AES-256-GCM under a key derived from the
team's passphrase with scrypt. Layout (big-endian)::

    magic "HMIPX" | format version (u8)                          -- readable before anything else
    kdf id (u8) | kdf params (3 x u32) | salt (16)
    aead id (u8) | nonce (12) | compression id (u8)
    snapshot size (u64) | body size (u64) | key check (16)       -- end of header
    body: AES-256-GCM(compressed snapshot), tag included

The whole header is the AEAD's associated data, so no header field can be
changed without the package being refused. scrypt yields 64 bytes: the
first 32 are the AES key, the last 32 key an HMAC of the header (the "key
check"), which lets us tell a wrong passphrase from a modified body. It gives
an attacker nothing the GCM tag does not already give: both verify a guess.

Nothing unencrypted leaves memory on the writing side (the snapshot is taken
into an in-memory database), and nothing is written on the reading side
until the body has been authenticated and checked as an inspection file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file.connection import check_header
from hmip_desktop.model.file.disk import check_folder_for, write_whole
from hmip_desktop.model.file.integrity import check_sound
from hmip_desktop.model.file.store import FILE_SUFFIX, InspectionFile

PACKAGE_SUFFIX = ".hmipx"
MAGIC = b"HMIPX"
FORMAT_VERSION = 1
MIN_PASSPHRASE_CHARS = 8

KDF_SCRYPT = 1
AEAD_AES_256_GCM = 1
COMPRESSION_NONE = 0
COMPRESSION_ZLIB = 1

_PREFIX = struct.Struct(">5sB")
_HEADER_V1 = struct.Struct(">5sB B III 16s B 12s B QQ 16s")
_KEY_CHECK_BYTES = 16
_TAG_BYTES = 16

#: Far above any inspection file (86 cases are a few MB); bounds the memory a hostile header can ask for.
MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024


class PackageError(UserError):
    """A package that cannot be opened; nothing was written."""


class NotAPackage(PackageError):
    """The file does not start with the package magic."""


class PackageUnsupported(PackageError):
    """A package format, key derivation or cipher this version does not know."""


class PackageDamaged(PackageError):
    """Truncated, extended or otherwise structurally broken."""


class WrongPassphrase(PackageError):
    """The passphrase does not open the package (or its header was altered)."""


class PackageTampered(PackageError):
    """The passphrase is right but the encrypted body was modified or damaged."""


class WeakPassphrase(UserError):
    """Refused before anything is written: too short to protect case data."""


@dataclass(frozen=True)
class ScryptParams:
    """scrypt cost. n=2**17, r=8, p=1 takes 128 MiB and ~0.33 s on a 2-core laptop-class
    machine (docs/security.md): slow enough to make guessing costly, quick enough to
    do once per package, and inside OWASP's scrypt minimum (N=2**17, r=8, p=1)."""

    n: int = 2**17
    r: int = 8
    p: int = 1

    @property
    def memory_bytes(self) -> int:
        return 128 * self.n * self.r

    def describe(self) -> str:
        return f"scrypt n=2^{self.n.bit_length() - 1} r={self.r} p={self.p} ({self.memory_bytes >> 20} MiB)"


DEFAULT_KDF = ScryptParams()
#: Readers accept up to 2x the default memory and 4x its work, so a later version may raise the
#: cost without a format change, while a hostile header cannot make us allocate or spin without bound.
MAX_SCRYPT_MEMORY = 2 * DEFAULT_KDF.memory_bytes
MAX_SCRYPT_WORK = 4 * DEFAULT_KDF.n * DEFAULT_KDF.r * DEFAULT_KDF.p


@dataclass(frozen=True)
class PackageInfo:
    path: Path
    package_bytes: int
    snapshot_bytes: int
    inspection_id: str
    assessor: str
    cases: int
    kdf: str


@dataclass(frozen=True)
class _Header:
    raw: bytes
    kdf: ScryptParams
    salt: bytes
    nonce: bytes
    compression: int
    snapshot_size: int
    body_size: int
    key_check: bytes


# -- passphrase and keys -----------------------------------------------------------------


def check_new_passphrase(passphrase: str) -> None:
    """Refuse a passphrase too weak to protect case data (only when creating a package)."""
    if len(passphrase.strip()) < MIN_PASSPHRASE_CHARS:
        raise WeakPassphrase(
            f"the passphrase must have at least {MIN_PASSPHRASE_CHARS} characters; use the one the team "
            "agreed for this inspection (a few unrelated words are best)"
        )


def _passphrase_bytes(passphrase: str) -> bytes:
    # NFC: the same passphrase typed on macOS (decomposed accents) and Windows gives the same key.
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _derive(passphrase: str, salt: bytes, params: ScryptParams) -> tuple[bytes, bytes]:
    """(AES key, key-check key)."""
    material = Scrypt(salt=salt, length=64, n=params.n, r=params.r, p=params.p).derive(_passphrase_bytes(passphrase))
    return material[:32], material[32:]


def _key_check(check_key: bytes, header_without_check: bytes) -> bytes:
    return hmac.new(check_key, header_without_check, hashlib.sha256).digest()[:_KEY_CHECK_BYTES]


def derive_cost_seconds(params: ScryptParams = DEFAULT_KDF) -> float:
    """Time one key derivation (for the benchmark and the docs)."""
    import time

    start = time.perf_counter()
    _derive("benchmark passphrase", os.urandom(16), params)
    return time.perf_counter() - start


# -- writing ------------------------------------------------------------------------------


def take_snapshot(inspection_path: Path) -> tuple[bytes, PackageInfo]:
    """A consistent, compacted copy of the file's database, in memory.

    The backup API copies every page under one read lock, so a save made by
    the app meanwhile is either wholly in the copy or wholly absent; VACUUM then
    drops free pages, which can still hold text deleted earlier.
    """
    with InspectionFile.open(inspection_path, read_only=True) as inspection:
        info = inspection.info()
        memory = sqlite3.connect(":memory:")
        try:
            try:
                inspection.conn.backup(memory)
                memory.execute("VACUUM")
                check_sound(memory, inspection.path, full=True)
                snapshot = memory.serialize()
            except sqlite3.Error as exc:
                raise PackageError(f"{inspection.path.name} could not be copied for packaging: {exc}") from exc
        finally:
            memory.close()
    facts = PackageInfo(
        path=Path(),
        package_bytes=0,
        snapshot_bytes=len(snapshot),
        inspection_id=info.inspection_id,
        assessor=info.owner.name,
        cases=info.cases_total,
        kdf="",
    )
    return snapshot, facts


def seal(snapshot: bytes, passphrase: str, kdf: ScryptParams | None = None) -> bytes:
    """Encrypt a snapshot into package bytes."""
    kdf = kdf or DEFAULT_KDF
    salt, nonce = os.urandom(16), os.urandom(12)
    body_plain = zlib.compress(snapshot, 6)
    body_size = len(body_plain) + _TAG_BYTES
    aes_key, check_key = _derive(passphrase, salt, kdf)
    unchecked = _HEADER_V1.pack(
        MAGIC,
        FORMAT_VERSION,
        KDF_SCRYPT,
        kdf.n,
        kdf.r,
        kdf.p,
        salt,
        AEAD_AES_256_GCM,
        nonce,
        COMPRESSION_ZLIB,
        len(snapshot),
        body_size,
        bytes(_KEY_CHECK_BYTES),
    )
    header = unchecked[:-_KEY_CHECK_BYTES] + _key_check(check_key, unchecked[:-_KEY_CHECK_BYTES])
    return header + AESGCM(aes_key).encrypt(nonce, body_plain, header)


def write_package(
    inspection_path: Path | str, out_path: Path | str, passphrase: str, *, kdf: ScryptParams | None = None
) -> PackageInfo:
    """Package an inspection file; the package appears under `out_path` only when complete.

    `kdf` is for tests and benchmarks; the app and CLI always use DEFAULT_KDF.
    """
    inspection_path, out_path = Path(inspection_path), Path(out_path)
    kdf = kdf or DEFAULT_KDF
    check_new_passphrase(passphrase)
    check_folder_for(out_path)
    if out_path.exists() and out_path.resolve() == inspection_path.resolve():
        raise UserError(f"{out_path.name} is the inspection file itself; choose another name for the package")
    if out_path.exists() and not is_package(out_path):
        raise UserError(f"{out_path} exists and is not a package; choose another name (it was not replaced)")
    snapshot, facts = take_snapshot(inspection_path)
    data = seal(snapshot, passphrase, kdf)
    _write_atomically(out_path, data)
    return PackageInfo(
        path=out_path,
        package_bytes=len(data),
        snapshot_bytes=facts.snapshot_bytes,
        inspection_id=facts.inspection_id,
        assessor=facts.assessor,
        cases=facts.cases,
        kdf=kdf.describe(),
    )


def _write_atomically(target: Path, data: bytes, *, never_replace: str = "") -> None:
    """`data` as the whole of `target`, on the disk before it has the name (`disk.write_whole`)."""

    def fill(temporary: Path) -> None:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

    write_whole(target, fill, never_replace=never_replace)


# -- reading ------------------------------------------------------------------------------


def is_package(path: Path | str) -> bool:
    try:
        with Path(path).open("rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def _parse_header(data: bytes, name: str) -> _Header:
    if len(data) < _PREFIX.size or not data.startswith(MAGIC):
        raise NotAPackage(f"{name} is not an HMIP package (.hmipx)")
    _magic, version = _PREFIX.unpack_from(data)
    if version != FORMAT_VERSION:
        raise PackageUnsupported(
            f"{name} is a package of format {version}; this version of HMIP Desktop reads format "
            f"{FORMAT_VERSION}. Update HMIP Desktop to open it"
        )
    if len(data) < _HEADER_V1.size:
        raise PackageDamaged(f"{name} is truncated ({len(data)} bytes, shorter than its header); ask for it again")
    (_m, _v, kdf_id, n, r, p, salt, aead_id, nonce, compression, snapshot_size, body_size, key_check) = (
        _HEADER_V1.unpack_from(data)
    )
    if kdf_id != KDF_SCRYPT or aead_id != AEAD_AES_256_GCM or compression not in (COMPRESSION_NONE, COMPRESSION_ZLIB):
        raise PackageUnsupported(
            f"{name} uses a key derivation, cipher or compression this version does not know "
            f"(ids {kdf_id}/{aead_id}/{compression}); update HMIP Desktop, or the package is damaged"
        )
    params = ScryptParams(n=n, r=r, p=p)
    # Bounds before any work: the header is untrusted until the key check passes.
    if not (n >= 2 and n & (n - 1) == 0 and r >= 1 and p >= 1) or (
        params.memory_bytes > MAX_SCRYPT_MEMORY or n * r * p > MAX_SCRYPT_WORK
    ):
        raise PackageDamaged(f"{name} has key-derivation settings out of range; it is damaged or not genuine")
    if snapshot_size > MAX_SNAPSHOT_BYTES or body_size < _TAG_BYTES or body_size > MAX_SNAPSHOT_BYTES + 1024:
        raise PackageDamaged(f"{name} declares an impossible size; it is damaged or not genuine")
    actual = len(data) - _HEADER_V1.size
    if actual < body_size:
        raise PackageDamaged(
            f"{name} is truncated ({len(data):,} of {_HEADER_V1.size + body_size:,} bytes); "
            "copy it again from the sender"
        )
    if actual > body_size:
        raise PackageDamaged(f"{name} has {actual - body_size:,} unexpected bytes after its end; it was altered")
    return _Header(
        raw=data[: _HEADER_V1.size],
        kdf=params,
        salt=salt,
        nonce=nonce,
        compression=compression,
        snapshot_size=snapshot_size,
        body_size=body_size,
        key_check=key_check,
    )


def unseal(data: bytes, passphrase: str, name: str = "the package") -> bytes:
    """The snapshot inside package bytes; PackageError when anything is wrong."""
    header = _parse_header(data, name)
    aes_key, check_key = _derive(passphrase, header.salt, header.kdf)
    if not hmac.compare_digest(_key_check(check_key, header.raw[:-_KEY_CHECK_BYTES]), header.key_check):
        raise WrongPassphrase(
            f"the passphrase does not open {name}; check it with the team (or the package header was altered)"
        )
    try:
        body = AESGCM(aes_key).decrypt(header.nonce, data[_HEADER_V1.size :], header.raw)
    except InvalidTag:
        raise PackageTampered(
            f"{name} was modified or damaged after it was made (the passphrase is right); ask the sender "
            "to package the file again"
        ) from None
    if header.compression == COMPRESSION_NONE:
        snapshot = body
    else:
        # Capped: even an authenticated body must not expand beyond what its header declared.
        inflater = zlib.decompressobj()
        try:
            snapshot = inflater.decompress(body, header.snapshot_size + 1)
        except zlib.error as exc:
            raise PackageDamaged(f"{name} holds data that does not decompress ({exc})") from exc
        if not inflater.eof or inflater.unconsumed_tail or inflater.unused_data:
            raise PackageDamaged(f"{name} holds more data than it declares; it is not genuine")
    if len(snapshot) != header.snapshot_size:
        raise PackageDamaged(f"{name} holds {len(snapshot):,} bytes where it declares {header.snapshot_size:,}")
    return snapshot


def _check_snapshot(snapshot: bytes, name: str) -> None:
    """Refuse a body that is not a sound inspection file (the sender's machine is not trusted)."""
    if not snapshot.startswith(b"SQLite format 3\x00"):
        raise PackageDamaged(f"{name} does not hold an inspection file")
    memory = sqlite3.connect(":memory:")
    try:
        memory.execute("PRAGMA trusted_schema = OFF")
        memory.deserialize(snapshot)
        check_header(memory, Path(name))
        check_sound(memory, Path(name), full=True)
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        raise PackageDamaged(f"{name} holds a damaged inspection file ({exc})") from exc
    finally:
        memory.close()


def open_package(path: Path | str, passphrase: str, dest_dir: Path | str, *, name: str | None = None) -> Path:
    """Decrypt a package into a new ``.hmip`` in `dest_dir` (named `name`, else after the package).

    Refuses to replace an existing file. On any error nothing is written.
    """
    path, dest_dir = Path(path), Path(dest_dir)
    try:
        size = path.stat().st_size
        if size > MAX_SNAPSHOT_BYTES + _HEADER_V1.size + 1024:
            raise PackageDamaged(f"{path.name} is {size:,} bytes, far larger than any package; it is not genuine")
        data = path.read_bytes()
    except FileNotFoundError:
        raise PackageError(f"{path} does not exist") from None
    except OSError as exc:
        raise PackageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    snapshot = unseal(data, passphrase, path.name)
    _check_snapshot(snapshot, path.name)
    target = dest_dir / (name or (path.stem + FILE_SUFFIX))
    if target.exists():
        raise UserError(f"{target} already exists; choose another name (nothing was written)")
    if not dest_dir.is_dir():
        raise UserError(f"{dest_dir} is not a folder; nothing was written")
    # Linked to its name, not moved: a file that took the name since the check above is not replaced.
    _write_atomically(target, snapshot, never_replace="inspection file")
    return target
