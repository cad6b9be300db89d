"""A per-user record of the instrument files pydantic has already validated (issue 16).

Importing pydantic and building its validator for the instrument costs about 100 ms, more than the
rest of what the first screen needs together. An instrument file does not change between starts, so
its check is done once: after pydantic accepts a file, a small record says "these exact bytes (their
sha256) passed this validator (`stamp`), and their identity hash is X". The next start that finds the
record builds the instrument from the JSON without pydantic (`definition.build_instrument`).

The record is only ever a shortcut. A missing, damaged, stale (another app version, another pydantic,
another schema revision) or unwritable record means validating with pydantic, as on the first start;
it is never an error. A record carries a sha256 of its own content (`digest`), so one changed in any
way since it was written (a flipped bit in the identity, a record copied to the name of other bytes)
is damaged, not believed: the identity it gives is used as it is, without being worked out again.
Records are written atomically (a temporary file, then `os.replace`), so a crash leaves either the
old record or the new one.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import hmip_desktop

#: Overrides where the records live (the tests point it at a temporary folder).
CACHE_ENV = "HMIP_CACHE_DIR"


def cache_folder() -> Path:
    """Where this user's instrument records live: HMIP_CACHE_DIR, else the platform's per-user cache folder."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override) / "instruments"
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "hmip-desktop" / "instruments"


def stamp(schema_revision: int) -> dict[str, Any]:
    """What a record must have been checked by to count: the schema revision, this app, this pydantic."""
    return {"schema": schema_revision, "hmip": hmip_desktop.__version__, "pydantic": pydantic_version()}


def pydantic_version() -> str:
    """pydantic's version without importing pydantic (importlib.metadata alone costs ~13 ms to import).

    Read from the installed package's version.py (~0.3 ms); where there is no source to read (a frozen
    bundle), from the installed metadata; "unknown" if neither says."""
    spec = importlib.util.find_spec("pydantic")
    if spec is not None and spec.origin:
        try:
            text = (Path(spec.origin).parent / "version.py").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
        found = re.search(r"^VERSION = ['\"]([^'\"]+)['\"]", text, re.MULTILINE)
        if found:
            return found.group(1)
    from importlib import metadata

    try:
        return metadata.version("pydantic")
    except metadata.PackageNotFoundError:
        return "unknown"


def _record_path(bytes_sha256: str) -> Path:
    return cache_folder() / f"{bytes_sha256}.json"


def recall(bytes_sha256: str, wanted: dict[str, Any]) -> str | None:
    """The identity sha256 recorded for these bytes by the validator `wanted`; None if there is no such record."""
    try:
        record = json.loads(_record_path(bytes_sha256).read_bytes())
    except (OSError, ValueError):  # missing, unreadable, or not JSON (json's errors are ValueErrors)
        return None
    if not isinstance(record, dict) or record.get("bytes_sha256") != bytes_sha256 or record.get("checked_by") != wanted:
        return None
    identity = record.get("identity_sha256")
    if not isinstance(identity, str) or not re.fullmatch(r"[0-9a-f]{64}", identity):
        return None
    return identity if record.get("digest") == digest(bytes_sha256, wanted, identity) else None


def digest(bytes_sha256: str, checked_by: dict[str, Any], identity_sha256: str) -> str:
    """The sha256 a record carries of its own content: it says the record is as it was written."""
    content = {"bytes_sha256": bytes_sha256, "checked_by": checked_by, "identity_sha256": identity_sha256}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode("utf-8")).hexdigest()


def remember(bytes_sha256: str, checked_by: dict[str, Any], identity_sha256: str) -> bool:
    """Record that pydantic accepted these bytes; False (and nothing else) if the folder cannot be written."""
    import tempfile  # only when writing a record (~3 ms to import, off the start-up path)

    path = _record_path(bytes_sha256)
    record = {
        "bytes_sha256": bytes_sha256,
        "checked_by": checked_by,
        "identity_sha256": identity_sha256,
        "digest": digest(bytes_sha256, checked_by, identity_sha256),
    }
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".record-", suffix=".tmp", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(record, out)
        os.replace(temporary, path)
        return True
    except OSError:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        return False
