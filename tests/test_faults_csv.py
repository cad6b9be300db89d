"""CSV imports under faults: short rows, blank values, a header ending in a comma, a huge or endless
input, and line breaks made of a lone carriage return."""

from __future__ import annotations

import os
import sys
import threading
import tracemalloc
from pathlib import Path

import pytest

from hmip_desktop.cli.main import EXIT_BAD_INPUT, main
from hmip_desktop.model.errors import ImportRejected
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.imports import csv_import
from hmip_desktop.model.imports.csv_import import import_answers, import_cases


@pytest.fixture
def saved(mini_file: InspectionFile) -> InspectionFile:
    mini_file.set_answer("KT-001", "cd.gender", "female", "from the record", create_case=True)
    mini_file.set_answer("KT-001", "cd.rosh", "high", create_case=True)
    return mini_file


def answer(inspection: InspectionFile, qid: str) -> tuple[str | None, str] | None:
    record = inspection.answer(inspection.get_case("KT-001").uuid, qid)
    return None if record is None else (record.value, record.note)


def refused(inspection: InspectionFile, path: Path, run: object = import_answers) -> ImportRejected:
    before = inspection.path.read_bytes()
    with pytest.raises(ImportRejected) as caught:
        run(inspection, path)  # type: ignore[operator]
    assert inspection.path.read_bytes() == before
    return caught.value


def test_a_row_missing_its_value_cell_is_an_error_not_a_cleared_answer(saved: InspectionFile, tmp_path: Path) -> None:
    csv_path = tmp_path / "a.csv"
    csv_path.write_text("case_ref,question_id,value,note\nKT-001,cd.rosh,low,ok\nKT-001,cd.gender\n")
    error = refused(saved, csv_path)
    assert error.details == [
        "line 3: fewer cells than columns (2 where the header has 4); every row needs a cell for each column "
        "(an empty cell is fine)"
    ]
    assert answer(saved, "cd.gender") == ("female", "from the record")


def test_a_row_missing_only_its_note_cell_is_an_error_too(saved: InspectionFile, tmp_path: Path) -> None:
    csv_path = tmp_path / "a.csv"
    csv_path.write_text("case_ref,question_id,value,note\nKT-001,cd.rosh,low\n")
    assert refused(saved, csv_path).details[0].startswith("line 2: fewer cells than columns (3 where the header has 4)")


def test_a_blank_value_is_an_error_and_clearing_takes_an_explicit_value(saved: InspectionFile, tmp_path: Path) -> None:
    blank = tmp_path / "blank.csv"
    blank.write_text("case_ref,question_id,value,note\nKT-001,cd.gender,,\nKT-001,cd.rosh,  ,new note\n")
    assert refused(saved, blank).details == [
        "line 2: no value for cd.gender; give an answer, or (clear) to clear a saved one",
        "line 3: no value for cd.rosh; give an answer, or (clear) to clear a saved one",
    ]
    clear = tmp_path / "clear.csv"
    clear.write_text("case_ref,question_id,value,note\nKT-001,cd.gender,(clear),\nKT-001,cd.rosh,(CLEAR),why\n")
    _plan, changed = import_answers(saved, clear)
    assert changed == 2
    assert answer(saved, "cd.gender") == (None, "from the record")  # an empty note cell keeps the note
    assert answer(saved, "cd.rosh") == (None, "why")


def test_a_short_row_in_a_case_sample_is_an_error(saved: InspectionFile, tmp_path: Path) -> None:
    sample = tmp_path / "s.csv"
    sample.write_text("case_ref,cd.gender,cd.rosh\nKT-002,male,low\nKT-003\n")
    assert refused(saved, sample, import_cases).details[0].startswith("line 3: fewer cells than columns")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("case_ref,question_id,value,", "the header row ends with a comma"),
        ("case_ref,question_id,value,note,", "the header row ends with a comma"),
        ("case_ref,,question_id,value", "column 2 of the header row has no name"),
    ],
)
def test_a_header_with_an_empty_column_name_gets_a_clear_message(
    saved: InspectionFile, tmp_path: Path, header: str, message: str
) -> None:
    csv_path = tmp_path / "a.csv"
    csv_path.write_text(f"{header}\nKT-001,cd.rosh,low,\n")
    error = refused(saved, csv_path)
    assert message in error.message and error.message.startswith("a.csv: ")


def test_the_cli_names_the_line_and_changes_nothing(
    saved: InspectionFile, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = saved.path
    saved.close()
    csv_path = tmp_path / "answers.csv"
    csv_path.write_text("case_ref,question_id,value\nKT-001,cd.gender\n")
    before = path.read_bytes()
    assert main(["answers", "import", str(path), str(csv_path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "answers.csv was not imported" in err and "line 2: fewer cells than columns" in err
    assert path.read_bytes() == before


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes")
def test_an_endless_input_is_refused_after_the_cap_in_bounded_memory(
    saved: InspectionFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pipe (or a device) reports no size; reading it whole would take all its bytes into memory."""
    monkeypatch.setattr(csv_import, "MAX_CSV_BYTES", 1024 * 1024)
    pipe = tmp_path / "endless.csv"
    os.mkfifo(pipe)
    sent = [0]

    def feed() -> None:
        chunk = b"case_ref,question_id,value\n" + b"KT-001,cd.rosh,low\n" * 3000
        try:
            with pipe.open("wb") as handle:
                while sent[0] < 64 * 1024 * 1024:
                    handle.write(chunk)
                    sent[0] += len(chunk)
        except BrokenPipeError:
            pass  # the reader stopped: what the cap is for

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    tracemalloc.start()
    try:
        error = refused(saved, pipe)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    writer.join(timeout=30)
    assert "larger than 1,048,576 bytes, the limit of a CSV import" in error.message
    assert peak < 8 * 1024 * 1024  # a few times the cap at most, never the 64 MB on offer
    assert sent[0] < 64 * 1024 * 1024


def test_a_lone_carriage_return_in_a_note_is_kept_as_a_line_break(saved: InspectionFile, tmp_path: Path) -> None:
    csv_path = tmp_path / "a.csv"
    csv_path.write_bytes(b'case_ref,question_id,value,note\r\nKT-001,cd.rosh,low,"first line\rsecond\r\nthird"\r\n')
    import_answers(saved, csv_path)
    assert answer(saved, "cd.rosh") == ("low", "first line\nsecond\nthird")
    saved.set_note("KT-001", "cd.gender", "typed\ron a old Mac")
    assert answer(saved, "cd.gender") == ("female", "typed\non a old Mac")
