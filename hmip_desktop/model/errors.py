"""Exceptions the user can act on.

Anything derived from `UserError` is an expected problem (a bad file, a bad
CSV row, the wrong inspection): the CLI prints its message and exits with
code 3, the app shows it in a plain dialog. Every other exception is a bug.
"""

from __future__ import annotations


class UserError(Exception):
    """An expected problem with the user's input or files; nothing was changed."""

    def __init__(self, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []

    def __str__(self) -> str:
        if not self.details:
            return self.message
        return self.message + "\n" + "\n".join(f"  {line}" for line in self.details)


class InstrumentError(UserError):
    """The instrument is missing, invalid, or does not have what was asked for."""


class FileNotInspection(UserError):
    """The file is not an HMIP inspection file (or is damaged beyond use)."""


class SchemaTooNew(UserError):
    """The file was written by a newer HMIP Desktop."""


class FileLocked(UserError):
    """The file is being edited elsewhere."""


class InvalidAnswer(UserError):
    """An answer that the instrument does not allow for this case."""


class CaseError(UserError):
    """An unknown case, or a case in the wrong state for the action."""


class ImportRejected(UserError):
    """A CSV import was refused; `details` lists every bad row."""


class StorageError(UserError):
    """The disk or file refused a write (full, read-only, busy)."""
