"""Untrusted input: CSV files, inspection files and packages from elsewhere.

Each is either accepted correctly or refused with a UserError that says what
is wrong, and a refusal changes nothing (the inspection file's bytes are
compared before and after).
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from hmip_desktop.model.errors import FileNotInspection, ImportRejected, SchemaTooNew, UserError
from hmip_desktop.model.file import package
from hmip_desktop.model.file.migrations import APPLICATION_ID, SCHEMA_VERSION
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.imports.csv_import import import_answers, import_cases, plan_answers_import, plan_cases_import
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.model.merge.incoming import read_incoming

PASSPHRASE = "kent fieldwork march"
FAST = package.ScryptParams(n=2**10, r=8, p=1)


def values(inspection: InspectionFile) -> dict[tuple[str, str], tuple[str | None, str]]:
    return {
        (case.case_ref, qid): (record.value, record.note)
        for case in inspection.list_cases()
        for qid, record in inspection.answers_for(case.uuid).items()
    }


@pytest.fixture
def seeded(mini_file: InspectionFile) -> InspectionFile:
    mini_file.set_answer("KT-001", "cd.gender", "female", "existing note", create_case=True)
    return mini_file


def refused_without_change(
    inspection: InspectionFile, csv_path: Path, run: Callable[[InspectionFile, Path], object], match: str
) -> ImportRejected:
    before = inspection.path.read_bytes()
    with pytest.raises(ImportRejected, match=match) as caught:
        run(inspection, csv_path)
    assert inspection.path.read_bytes() == before
    return caught.value


# -- CSV: encodings ---------------------------------------------------------------------------


def test_utf8_with_bom_is_read(seeded: InspectionFile, tmp_path: Path) -> None:
    csv_path = tmp_path / "a.csv"
    csv_path.write_bytes("\ufeffcase_ref,question_id,value,note\r\nKT-002,cd.rosh,high,Café déjà vu\r\n".encode())
    plan, changed = import_answers(seeded, csv_path)
    assert changed == 1 and plan.warnings == []
    assert values(seeded)[("KT-002", "cd.rosh")] == ("high", "Café déjà vu")


def test_windows_1252_is_read_and_reported(seeded: InspectionFile, tmp_path: Path) -> None:
    csv_path = tmp_path / "a.csv"
    csv_path.write_bytes("case_ref,question_id,value,note\nKT-002,cd.rosh,High,“quoted” café – ok\n".encode("cp1252"))
    plan, _ = import_answers(seeded, csv_path)
    assert plan.warnings == ["a.csv was read as windows-1252"]
    assert values(seeded)[("KT-002", "cd.rosh")] == ("high", "“quoted” café – ok")


def test_neither_utf8_nor_windows_1252_is_refused(seeded: InspectionFile, tmp_path: Path) -> None:
    csv_path = tmp_path / "a.csv"
    csv_path.write_bytes(b"case_ref,question_id,value\nKT-002,cd.rosh,\x81\x8d\n")
    refused_without_change(seeded, csv_path, import_answers, "not UTF-8 or Windows-1252")


@pytest.mark.parametrize(
    "data",
    [
        b"case_ref,question_id,value\nKT-002,cd.rosh,h\x00igh\n",
        "case_ref,question_id,value\nKT-002,cd.rosh,high\n".encode("utf-16"),
    ],
    ids=["nul", "utf-16"],
)
def test_nul_bytes_are_refused(seeded: InspectionFile, tmp_path: Path, data: bytes) -> None:
    csv_path = tmp_path / "a.csv"
    csv_path.write_bytes(data)
    refused_without_change(seeded, csv_path, import_answers, "NUL bytes")


# -- CSV: structure ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("case_ref,value\nKT-002,high\n", "lacks the column.*question_id"),
        ("", "is empty"),
        ("case_ref,question_id,value,value\nKT-002,cd.rosh,high,high\n", "repeated columns: value"),
        ("case_ref,question_id,value,extra\nKT-002,cd.rosh,high,1\n", "unknown column"),
        ("case_ref,question_id,value\nKT-002,cd.rosh,high,surplus\n", "more cells than columns"),
        ('case_ref,question_id,value,note\nKT-002,cd.rosh,high,"open quote\nKT-003,cd.rosh,low,\n', "not valid CSV"),
        ('case_ref,question_id,value\nKT-002,cd.rosh,"high"er\n', "not valid CSV near line 2"),
    ],
    ids=["missing-column", "empty", "repeated-column", "unknown-column", "extra-cell", "open-quote", "stray-quote"],
)
def test_answer_csv_structure_problems(seeded: InspectionFile, tmp_path: Path, text: str, match: str) -> None:
    csv_path = tmp_path / "a.csv"
    csv_path.write_text(text, encoding="utf-8")
    refused_without_change(seeded, csv_path, import_answers, match)


def test_identical_duplicate_rows_are_accepted_once(seeded: InspectionFile, tmp_path: Path) -> None:
    csv_path = tmp_path / "a.csv"
    csv_path.write_text("case_ref,question_id,value\nKT-002,cd.rosh,high\nKT-002,cd.rosh,high\n", encoding="utf-8")
    plan, changed = import_answers(seeded, csv_path)
    assert len(plan.rows) == 1 and changed == 1


def test_conflicting_duplicate_rows_are_refused(seeded: InspectionFile, tmp_path: Path) -> None:
    csv_path = tmp_path / "a.csv"
    csv_path.write_text("case_ref,question_id,value\nKT-002,cd.rosh,high\nKT-002,cd.rosh,low\n", encoding="utf-8")
    error = refused_without_change(seeded, csv_path, import_answers, "1 problem")
    assert error.details == ["line 3: case KT-002, cd.rosh is given again with a different answer (line 2)"]


def test_repeated_case_in_a_sample_is_refused(seeded: InspectionFile, tmp_path: Path) -> None:
    csv_path = tmp_path / "s.csv"
    csv_path.write_text("case_ref,cd.gender\nKT-010,male\nKT-010,male\n", encoding="utf-8")
    error = refused_without_change(seeded, csv_path, import_cases, "1 problem")
    assert error.details == ["line 3: case KT-010 appears again (first on line 2)"]


def test_one_bad_row_rejects_the_whole_file(seeded: InspectionFile, tmp_path: Path) -> None:
    rows = "".join(f"KT-{n:03d},cd.rosh,high\n" for n in range(100, 400))
    csv_path = tmp_path / "a.csv"
    csv_path.write_text("case_ref,question_id,value\n" + rows + "KT-999,cd.rosh,extreme\n", encoding="utf-8")
    error = refused_without_change(seeded, csv_path, import_answers, "nothing was written")
    assert error.details == ["line 302: 'extreme' is not an answer to cd.rosh (use one of: low, medium, high)"]
    assert len(seeded.list_cases()) == 1


# -- CSV: hostile content ------------------------------------------------------------------------


def test_ten_megabyte_note_is_refused_with_its_length(seeded: InspectionFile, tmp_path: Path) -> None:
    csv_path = tmp_path / "a.csv"
    note = "evidence " * (10 * 1024 * 1024 // 9)
    csv_path.write_text(f'case_ref,question_id,value,note\nKT-002,cd.rosh,high,"{note}"\n', encoding="utf-8")
    assert csv_path.stat().st_size > 10 * 1024 * 1024
    error = refused_without_change(seeded, csv_path, import_answers, "1 problem")
    assert "the limit is 20,000" in error.details[0] and error.details[0].startswith("line 2:")


def test_file_over_the_size_limit_is_refused_before_reading_rows(seeded: InspectionFile, tmp_path: Path) -> None:
    csv_path = tmp_path / "a.csv"
    with csv_path.open("wb") as handle:
        handle.write(b"case_ref,question_id,value\n")
        handle.truncate(51 * 1024 * 1024)
    refused_without_change(seeded, csv_path, import_answers, "limited to")


def test_control_characters_are_dropped_from_notes_and_refused_elsewhere(
    seeded: InspectionFile, tmp_path: Path
) -> None:
    csv_path = tmp_path / "a.csv"
    csv_path.write_text(
        'case_ref,question_id,value,note\nKT-002,cd.rosh,high,"bell\x07 escape\x1b[31m tab\tline\nend\x7f"\n',
        encoding="utf-8",
    )
    import_answers(seeded, csv_path)
    assert values(seeded)[("KT-002", "cd.rosh")] == ("high", "bell escape[31m tab\tline\nend\x7f")
    bad_ref = tmp_path / "b.csv"
    bad_ref.write_text("case_ref,question_id,value\nKT\x1b-003,cd.rosh,high\n", encoding="utf-8")
    refused_without_change(seeded, bad_ref, import_answers, "1 problem")
    bad_value = tmp_path / "c.csv"
    bad_value.write_text("case_ref,question_id,value\nKT-003,cd.rosh,hi\x08gh\n", encoding="utf-8")
    refused_without_change(seeded, bad_value, import_answers, "1 problem")


def test_case_refs_that_look_like_names_or_injection_are_refused(seeded: InspectionFile, tmp_path: Path) -> None:
    csv_path = tmp_path / "a.csv"
    csv_path.write_text(
        'case_ref,question_id,value\nJohn Smith,cd.rosh,high\n"x\'); DROP TABLE answers;--",cd.rosh,high\n'
        "=HYPERLINK(1),cd.rosh,high\n",
        encoding="utf-8",
    )
    error = refused_without_change(seeded, csv_path, import_answers, "3 problem")
    assert all("is not a valid case reference" in line for line in error.details)


def test_import_of_an_answer_to_a_complete_case_is_refused(seeded: InspectionFile, tmp_path: Path) -> None:
    for qid, value in [
        ("cd.rosh", "low"),
        ("cd.report", "none"),
        ("f.acc.identified", "not-relevant"),
        ("p.plan", "sufficient"),
        ("r.rmp", "no"),
        ("v.victims", "yes"),
        ("l.oversight", "yes"),
    ]:
        seeded.set_answer("KT-001", qid, value)
    seeded.complete_case("KT-001")
    csv_path = tmp_path / "a.csv"
    csv_path.write_text("case_ref,question_id,value\nKT-001,cd.rosh,high\n", encoding="utf-8")
    refused_without_change(seeded, csv_path, import_answers, "1 problem")


# -- CSV: data minimisation --------------------------------------------------------------------


@pytest.mark.parametrize(
    "column", ["Name", "Offender name", "Surname", "DOB", "Date of birth", "Address", "Postcode", "PNC", "email"]
)
def test_personal_columns_are_refused_unless_dropped(seeded: InspectionFile, tmp_path: Path, column: str) -> None:
    csv_path = tmp_path / "sample.csv"
    csv_path.write_text(f'case_ref,{column},cd.gender\nKT-010,"Jane Q Doe 1971",female\n', encoding="utf-8")
    refused_without_change(seeded, csv_path, import_cases, f"looks like personal data: {column}")
    plan, _ = import_cases(seeded, csv_path, drop_columns=[column])
    assert plan.warnings == [f"left out column: {column} (not stored)"]
    assert values(seeded)[("KT-010", "cd.gender")] == ("female", "")
    seeded.close()
    assert b"Jane Q Doe" not in seeded.path.read_bytes()


def test_planning_alone_never_writes(seeded: InspectionFile, tmp_path: Path) -> None:
    answers_csv, sample_csv = tmp_path / "a.csv", tmp_path / "s.csv"
    answers_csv.write_text("case_ref,question_id,value\nKT-002,cd.rosh,high\n", encoding="utf-8")
    sample_csv.write_text("case_ref,cd.gender\nKT-011,male\n", encoding="utf-8")
    before = seeded.path.read_bytes()
    plan_answers_import(seeded, answers_csv)
    plan_cases_import(seeded, sample_csv)
    assert seeded.path.read_bytes() == before


def test_exports_name_no_path_on_anyone_s_machine(mini_instrument: Instrument, tmp_path: Path) -> None:
    from hmip_desktop.exports.tables import export_tables, write_csv, write_xlsx
    from hmip_desktop.model.merge.files import merge_files

    team = tmp_path / "home" / "ann" / "fieldwork"
    team.mkdir(parents=True)
    with InspectionFile.create(
        team / "ann.hmip", inspection_id="KENT-2014", area="Kent", assessor="Ann Smith", instrument=mini_instrument
    ) as ann:
        ann.set_answer("KT-001", "cd.gender", "female", "seen in the record", create_case=True)
    with InspectionFile.create(
        tmp_path / "lead.hmip",
        inspection_id="KENT-2014",
        area="Kent",
        assessor="Lead Person",
        role="lead",
        instrument=mini_instrument,
    ) as master:
        assert merge_files(master, [team / "ann.hmip"]).files[0].status == "merged"
        tables = export_tables(master, include_incomplete=True)
        written = [*write_csv(tables, tmp_path / "csv"), write_xlsx(tables, tmp_path / "all.xlsx")]
    cells = [str(cell) for table in tables for row in table.rows for cell in row]
    assert any("(ann.hmip rev" in cell for cell in cells)  # provenance by file name...
    for folder in (str(tmp_path), "home/ann", str(Path.home())):
        assert not any(folder in cell for cell in cells)  # ...never by path
    for path in written:
        assert str(tmp_path).encode() not in path.read_bytes()


# -- inspection files -------------------------------------------------------------------------


@pytest.fixture
def valid_file(mini_file: InspectionFile) -> Path:
    mini_file.set_answer("KT-001", "cd.gender", "female", "a note", create_case=True)
    mini_file.set_answer("KT-002", "cd.report", "written", create_case=True)
    mini_file.set_answer("KT-002", "s.quality", "yes", "quality of the report")
    path = mini_file.path
    mini_file.close()
    return path


def read_as_the_merge_does(path: Path, work: Path) -> None:
    """The merge's reading: a private copy checked in full, then every value read and checked."""
    with tempfile.TemporaryDirectory(dir=work) as folder:
        read_incoming(path, Path(folder))


def page_offsets(size: int, page_size: int = 4096) -> list[int]:
    """Bytes worth flipping on every page: its header, its middle and its end."""
    offsets: set[int] = set()
    for start in range(0, size, page_size):
        first = start + (100 if start == 0 else 0)
        offsets.update({first, first + 1, first + 3, first + 5, first + 7, first + 8, first + 11})
        offsets.update({start + page_size // 2, start + page_size - 1})
    return sorted(o for o in offsets if o < size)


def test_flipped_bytes_in_a_file_give_a_user_error_or_a_readable_file(valid_file: Path, tmp_path: Path) -> None:
    original = valid_file.read_bytes()
    refused_on_open = refused_by_merge = 0
    offsets = page_offsets(len(original))
    for offset in offsets:
        damaged = bytearray(original)
        damaged[offset] ^= 0xFF
        target = tmp_path / "damaged.hmip"
        target.write_bytes(damaged)
        try:
            InspectionFile.open(target, read_only=True).close()
        except UserError:
            refused_on_open += 1
        try:
            read_as_the_merge_does(target, tmp_path)
        except UserError:
            refused_by_merge += 1
    # Structural damage is noticed on any open; the merge's full check of a file from elsewhere finds more.
    assert len(offsets) // 4 < refused_on_open <= refused_by_merge


@pytest.mark.parametrize("keep", [0, 50, 99, 100, 4096, 8192 + 17, -1])
def test_truncated_file_is_refused(valid_file: Path, tmp_path: Path, keep: int) -> None:
    data = valid_file.read_bytes()
    target = tmp_path / "cut.hmip"
    target.write_bytes(data[:keep])
    with pytest.raises(FileNotInspection, match=r"empty|truncated|not an HMIP"):
        InspectionFile.open(target)


def test_file_of_another_application_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.hmip"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(FileNotInspection, match="another application"):
        InspectionFile.open(other)


def test_hmip_labelled_file_with_another_schema_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.hmip"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    conn.commit()
    conn.close()
    with pytest.raises(FileNotInspection, match="does not have the layout"):
        InspectionFile.open(other)


def test_extra_column_is_refused(valid_file: Path) -> None:
    conn = sqlite3.connect(valid_file)
    conn.execute("ALTER TABLE answers ADD COLUMN extra TEXT NOT NULL DEFAULT 'x'")
    conn.commit()
    conn.close()
    with pytest.raises(FileNotInspection, match=r"differs in: answers"):
        InspectionFile.open(valid_file)


def test_file_from_a_newer_version_is_refused(valid_file: Path) -> None:
    conn = sqlite3.connect(valid_file)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaTooNew, match="newer HMIP Desktop"):
        InspectionFile.open(valid_file)


@pytest.mark.parametrize(
    "code",
    [
        "CREATE TRIGGER wipe AFTER INSERT ON answers BEGIN DELETE FROM audit; END",
        "CREATE TRIGGER on_read AFTER UPDATE ON meta BEGIN UPDATE cases SET status = 'complete'; END",
        "CREATE VIEW cases_v AS SELECT * FROM cases",
    ],
    ids=["trigger-on-insert", "trigger-on-update", "view"],
)
@pytest.mark.parametrize("read_only", [True, False])
def test_file_carrying_code_is_refused_and_the_code_never_runs(valid_file: Path, code: str, read_only: bool) -> None:
    conn = sqlite3.connect(valid_file)
    conn.execute(code)
    conn.commit()
    conn.close()
    before = valid_file.read_bytes()
    with pytest.raises(FileNotInspection, match=r"carries (trigger|view) .*never creates"):
        InspectionFile.open(valid_file, read_only=read_only)
    assert valid_file.read_bytes() == before


def test_names_with_uri_characters_open_the_right_file(mini_instrument: Instrument, tmp_path: Path) -> None:
    for name in ("a#b.hmip", "c?d.hmip", "e%41.hmip"):
        path = tmp_path / name
        InspectionFile.create(
            path, inspection_id="K-1", area="Kent", assessor="Ann Smith", instrument=mini_instrument
        ).close()
        with InspectionFile.open(path, read_only=True) as inspection:
            assert inspection.path == path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a#b.hmip", "c?d.hmip", "e%41.hmip"]  # no stray files


@pytest.mark.parametrize(
    "content", [b"", b"SQLite format 3\x00", b"x" * 5000, b"SQLite format 3\x00" + bytes(84) + b"\xff" * 4000]
)
def test_not_a_database_is_refused(tmp_path: Path, content: bytes) -> None:
    target = tmp_path / "x.hmip"
    target.write_bytes(content)
    with pytest.raises(FileNotInspection):
        InspectionFile.open(target)


def test_folder_and_missing_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotInspection, match="not a file"):
        InspectionFile.open(tmp_path)
    with pytest.raises(FileNotInspection, match="does not exist"):
        InspectionFile.open(tmp_path / "missing.hmip")


# -- packages -------------------------------------------------------------------------------


@pytest.fixture
def made(valid_file: Path, tmp_path: Path) -> Path:
    out = tmp_path / "ann.hmipx"
    package.write_package(valid_file, out, PASSPHRASE, kdf=FAST)
    return out


@pytest.mark.parametrize(
    ("damage", "passphrase", "error"),
    [
        (lambda d: d, "not the passphrase", package.WrongPassphrase),
        (lambda d: d[:-200] if len(d) > 300 else d[:-1], PASSPHRASE, package.PackageDamaged),
        (lambda d: d[:200] + bytes([d[200] ^ 0x10]) + d[201:], PASSPHRASE, package.PackageTampered),
    ],
    ids=["wrong-passphrase", "truncated-body", "flipped-bit"],
)
def test_untrusted_package_is_refused_and_nothing_written(
    made: Path, tmp_path: Path, damage, passphrase, error
) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.hmipx"
    bad.write_bytes(damage(made.read_bytes()))
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(error):
        package.open_package(bad, passphrase, dest)
    assert list(dest.iterdir()) == []
