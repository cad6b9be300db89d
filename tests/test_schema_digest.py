"""A file of the current schema is checked against a recorded digest of it, not a replay of the migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hmip_desktop.model.errors import FileNotInspection
from hmip_desktop.model.file import integrity
from hmip_desktop.model.file.integrity import CURRENT_SCHEMA_SHA256, expected_schema, schema_digest
from hmip_desktop.model.file.migrations import SCHEMA_VERSION
from hmip_desktop.model.file.store import InspectionFile


def test_the_recorded_digest_is_the_one_the_migrations_make() -> None:
    made = schema_digest(expected_schema(SCHEMA_VERSION))
    assert made == CURRENT_SCHEMA_SHA256, (
        f"the migrations now make another schema: set integrity.CURRENT_SCHEMA_SHA256 = {made!r}"
    )


def test_the_digest_does_not_depend_on_the_order_the_objects_are_read_in() -> None:
    objects = sorted(expected_schema(SCHEMA_VERSION))
    assert schema_digest(set(reversed(objects))) == schema_digest(frozenset(objects))
    assert schema_digest(set(objects[1:])) != schema_digest(set(objects))


def test_a_sound_file_opens_without_replaying_the_migrations(
    mini_file: InspectionFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = mini_file.path
    mini_file.close()
    replayed: list[int] = []
    monkeypatch.setattr(integrity, "expected_schema", lambda version: replayed.append(version) or frozenset())
    InspectionFile.open(path).close()
    assert replayed == []


@pytest.mark.parametrize(
    "change",
    [
        "CREATE INDEX extra ON answers (value)",
        "DROP INDEX cases_ref_nocase",
        "CREATE TABLE notes (text TEXT)",
    ],
)
def test_a_file_of_the_current_schema_that_differs_is_still_refused(mini_file: InspectionFile, change: str) -> None:
    path: Path = mini_file.path
    mini_file.close()
    conn = sqlite3.connect(path)
    conn.execute(change)
    conn.commit()
    conn.close()
    with pytest.raises(FileNotInspection, match="does not have the layout of an HMIP inspection file of schema"):
        InspectionFile.open(path)
