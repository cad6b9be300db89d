"""The rules for what a user may type into a file: case references, names, dates, notes.

One rule for every way a value comes in (typed, CSV, command line, demo, merge),
each raising a `UserError` that says what to write instead.
"""

from __future__ import annotations

import re
import string
from datetime import date

from hmip_desktop.model.errors import CaseError, InvalidAnswer, UserError

#: Case references, never names: letters, digits and a few separators. `\Z`, not `$`, which would
#: also match before a final line break ("KT-0001\n").
CASE_REF_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,39}\Z")
#: Folds ASCII letters only, exactly as SQLite's NOCASE collation does.
_ASCII_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
MAX_NOTE_CHARS = 20_000
MAX_NAME_CHARS = 80


def check_case_ref(case_ref: str) -> str:
    """The case reference as stored (surrounding spaces dropped); CaseError unless it is valid.

    The one rule for every way a case reference comes in: typed, CSV, command line, demo, merge.
    """
    ref = case_ref.strip()
    if not CASE_REF_PATTERN.match(ref):
        raise CaseError(
            f"{case_ref!r} is not a valid case reference: use 1-40 letters, digits, '-', '_', '.' or '/' "
            "(case references only, never names)"
        )
    return ref


def case_ref_key(case_ref: str) -> str:
    """What makes two case references the same case: `KT-0001` and ` kt-0001` are one case.

    Case management systems print references in either letter case, and an assessor types
    them either way; two cases whose references differ only in letter case would be the
    same person's case counted twice. The store keys lookups and new cases by this (the
    first spelling recorded is kept); the merge matches incoming cases by it.
    """
    return case_ref.strip().translate(_ASCII_FOLD)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")


def check_fieldwork_dates(start_date: str, end_date: str) -> tuple[str, str]:
    """Fieldwork dates as YYYY-MM-DD (either may be empty); the last day not before the first."""
    dates: list[date | None] = []
    for what, text in (("start", start_date), ("end", end_date)):
        text = text.strip()
        if not text:
            dates.append(None)
            continue
        try:
            if not _ISO_DATE.match(text):
                raise ValueError(text)
            dates.append(date.fromisoformat(text))
        except ValueError:
            raise UserError(
                f"the fieldwork {what} date {text!r} is not a date; write it as YYYY-MM-DD, e.g. 2014-01-13"
            ) from None
    first, last = dates
    if first is not None and last is not None and last < first:
        raise UserError(f"the fieldwork ends ({last}) before it starts ({first}); check the two dates")
    return (first.isoformat() if first else "", last.isoformat() if last else "")


def check_person_name(name: str, what: str = "assessor name") -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > MAX_NAME_CHARS or any(ord(c) < 32 for c in name):
        raise UserError(f"the {what} must be 1-{MAX_NAME_CHARS} printable characters")
    return cleaned


def check_note(note: str) -> str:
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidAnswer(
            f"the evidence note is {len(note):,} characters long; the limit is {MAX_NOTE_CHARS:,}. "
            "Shorten it (keep the evidence, refer to the case record for detail)"
        )
    return clean_text(note)


def clean_text(text: str) -> str:
    """Text as stored: tabs and line breaks kept, other control characters a paste can bring in dropped.

    Every line break becomes "\n": Windows' "\r\n", and a lone "\r" (old Mac files, some
    spreadsheets), which would otherwise vanish and run two lines of a note together.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in text if c in "\t\n" or ord(c) >= 32)


MAX_FINDING_CHARS = 200_000


def check_note_long(text: str) -> str:
    if len(text) > MAX_FINDING_CHARS:
        raise UserError(f"the text is {len(text):,} characters long; the limit is {MAX_FINDING_CHARS:,}")
    return clean_text(text)
