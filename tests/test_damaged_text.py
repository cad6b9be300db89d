"""A text value that is not valid UTF-8 (a file damaged outside the app) is a plain message, never a bug.

Such a value is only met when it is read, and any read may meet it: the
connections `model/file/connection.connect` makes decode text themselves and
turn it into a FileNotInspection naming the file and the table (the CLI's exit
3, the app's plain dialog), with nothing changed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from ui_support import QT_STRICT

from hmip_desktop.cli.main import main
from hmip_desktop.model.errors import FileNotInspection
from hmip_desktop.model.file.lock import lock_path_for
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.ui.errors import ExceptionReporter
from hmip_desktop.ui.main_window import MainWindow

pytestmark = QT_STRICT


@pytest.fixture
def ann(tmp_path: Path, mini_instrument: Instrument) -> Path:
    """An assessor's file with two cases, notes, an illustration, a findings text and a few audit entries."""
    path = tmp_path / "ann.hmip"
    with InspectionFile.create(
        path, inspection_id="KENT-2014", area="Kent", assessor="Ann Smith", instrument=mini_instrument
    ) as inspection:
        inspection.set_answer("KT-001", "cd.gender", "female", "a note", create_case=True)
        inspection.set_answer("KT-002", "cd.report", "written", create_case=True)
        inspection.set_answer("KT-002", "s.quality", "yes", "quality of the report")
        inspection.set_illustration("KT-002", True, "joint work with the police")
        inspection.set_finding("summary.public", "Public protection was sound.")
    return path


def damage(path: Path, table: str, column: str, where: str) -> None:
    """Make the text value of `column` in the one row `where` selects invalid UTF-8, as a flipped bit would.

    Its second byte becomes 0xFF, which is never UTF-8. Through a plain SQLite connection,
    as a program other than ours would, CHECK constraints off (a damaged byte does not ask them).
    """
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA ignore_check_constraints = ON")
    blob = f'CAST("{column}" AS BLOB)'
    changed = conn.execute(
        f'UPDATE "{table}" SET "{column}" = substr({blob}, 1, 1) || X\'FF\' || substr({blob}, 3) WHERE {where}'
    ).rowcount
    conn.commit()
    conn.close()
    assert changed == 1, f"{where} selects {changed} rows of {table}"


def plain_message(path: Path, table: str) -> str:
    return (
        f"{path.name} is damaged (a text value in its {table} table is not valid UTF-8); restore it from a backup "
        "copy or ask for a fresh copy. Nothing was changed."
    )


def read_everything(inspection: InspectionFile) -> None:
    """The store's reads, then every row of every table through the file's own connection."""
    inspection.info()
    inspection.assessors()
    for case in inspection.list_cases():
        inspection.find_case(case.case_ref)
        inspection.answers_for(case.uuid)
        inspection.progress(case.uuid)
    inspection.all_values()
    inspection.all_answers()
    inspection.audit_entries()
    inspection.findings()
    tables = [row[0] for row in inspection.conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")]
    for table in tables:
        inspection.conn.execute(f'SELECT * FROM "{table}"').fetchall()


# -- the store ---------------------------------------------------------------------------------


@pytest.mark.parametrize("read_only", [True, False], ids=["read-only", "for editing"])
@pytest.mark.parametrize(
    ("table", "column", "where", "read"),
    [
        ("cases", "case_ref", "case_ref = 'KT-001'", lambda f: f.list_cases()),
        ("cases", "illustration_text", "illustration = 1", lambda f: f.get_case("KT-002")),
        ("answers", "note", "note = 'a note'", lambda f: f.answers_for(f.get_case("KT-001").uuid)),
        ("answers", "value", "value = 'female'", lambda f: f.all_values()),
        ("answers", "value", "value = 'female'", lambda f: f.check_values()),
        ("answers", "value", "value = 'female'", lambda f: f.values_for(f.get_case("KT-001").uuid)),
        ("audit", "prev_hash", "seq = 1", lambda f: f.audit_entries()),  # where fuzzing found it
        ("audit", "detail", "seq = 1", lambda f: [e.detail for e in f.audit_entries()]),
        ("findings", "text", "1", lambda f: f.findings()),
    ],
)
def test_a_read_meeting_damaged_text_says_which_file_and_table(
    ann: Path, table: str, column: str, where: str, read: object, read_only: bool
) -> None:
    damage(ann, table, column, where)
    with InspectionFile.open(ann, read_only=read_only) as inspection:
        assert callable(read)
        with pytest.raises(FileNotInspection) as refused:
            read(inspection)
        assert refused.value.message == plain_message(ann, table)
        # The connection is still usable after the refusal: what is not damaged still reads.
        assert inspection.info().cases_total == 2


@pytest.mark.parametrize(
    ("table", "column", "where"), [("meta", "value", "key = 'area'"), ("assessors", "name", "is_owner = 1")]
)
@pytest.mark.parametrize("read_only", [True, False], ids=["read-only", "for editing"])
def test_damaged_text_read_on_opening_refuses_the_file(
    ann: Path, table: str, column: str, where: str, read_only: bool
) -> None:
    damage(ann, table, column, where)
    before = ann.read_bytes()
    with pytest.raises(FileNotInspection) as refused:
        InspectionFile.open(ann, read_only=read_only)
    assert refused.value.message == plain_message(ann, table)
    assert ann.read_bytes() == before


def test_a_change_that_reads_damaged_text_changes_nothing(ann: Path) -> None:
    """The read inside the save's transaction refuses it; the transaction is rolled back."""
    damage(ann, "answers", "note", "note = 'a note'")  # KT-001's on cd.gender, read back to compare
    before = ann.read_bytes()
    with InspectionFile.open(ann) as inspection:
        with pytest.raises(FileNotInspection, match="answers table is not valid UTF-8"):
            inspection.set_answer("KT-001", "cd.gender", "male")
        assert not inspection.conn.in_transaction
        # What does not read the damaged value still saves.
        inspection.set_answer("KT-002", "cd.gender", "male")
    with InspectionFile.open(ann, read_only=True) as inspection:
        assert inspection.values_for(inspection.get_case("KT-002").uuid)["cd.gender"] == "male"
    assert ann.read_bytes() != before


def test_every_table_holding_damaged_text_is_named(ann: Path) -> None:
    damage(ann, "audit", "detail", "seq = 1")
    damage(ann, "cases", "case_ref", "case_ref = 'KT-002'")
    with InspectionFile.open(ann, read_only=True) as inspection, pytest.raises(FileNotInspection) as refused:
        read_everything(inspection)
    assert "in its cases and audit tables is not valid UTF-8" in refused.value.message


def test_the_bulk_read_of_answer_values_leaves_the_connection_checking_text(ann: Path) -> None:
    """all_values decodes with sqlite3's own (faster) decoding; the file's other reads are checked as before."""
    damage(ann, "audit", "detail", "seq = 1")
    with InspectionFile.open(ann, read_only=True) as inspection:
        assert inspection.all_values()
        with pytest.raises(FileNotInspection) as refused:
            inspection.audit_entries()
        assert refused.value.message == plain_message(ann, "audit")


#: Bytes the check must not be fooled by: half a character at either end, the separator, an encoded
#: surrogate, overlong forms of ASCII ("a", "/"), a byte no UTF-8 has, a zero byte (C strings end there).
AWKWARD_BYTES = [
    b"\xc3",
    b"\xa9",
    b"\x1f",
    b"\xed\xa0\x80",
    b"\xc1\xa1",
    b"\xe0\x80\xaf",
    b"\xff",
    b"ok\x00\xff",
    b"\x00",
    b"plain",
]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.lists(
        st.one_of(
            st.text().map(str.encode),
            st.binary(),
            st.sampled_from(AWKWARD_BYTES),
            st.lists(st.sampled_from(AWKWARD_BYTES), min_size=2, max_size=4).map(b"".join),
        ),
        min_size=3,
        max_size=3,
    )
)
def test_the_check_of_every_answer_value_refuses_exactly_what_reading_them_all_refuses(
    ann: Path, tmp_path_factory: pytest.TempPathFactory, values: list[bytes]
) -> None:
    """check_values (one joined string, for the app's case list) against reading every value: any bytes,
    and the awkward ones above alone or strung together."""
    path = tmp_path_factory.mktemp("values") / "ann.hmip"
    path.write_bytes(ann.read_bytes())
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA ignore_check_constraints = ON")
    rows = conn.execute("SELECT rowid FROM answers WHERE value IS NOT NULL ORDER BY rowid").fetchall()
    assert len(rows) == len(values)
    for (rowid,), value in zip(rows, values, strict=True):
        conn.execute("UPDATE answers SET value = CAST(? AS TEXT) WHERE rowid = ?", (value, rowid))
    conn.commit()
    conn.close()
    with InspectionFile.open(path, read_only=True) as inspection:
        try:
            inspection.all_values()
            refused = False
        except FileNotInspection:
            refused = True
        assert refused == any(not _decodes(value) for value in values)
        if refused:
            with pytest.raises(FileNotInspection) as checked:
                inspection.check_values()
            assert checked.value.message == plain_message(path, "answers")
        else:
            inspection.check_values()


def _decodes(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _text_cells(path: Path) -> list[tuple[str, str, str]]:
    """(table, column, SQL condition selecting its row) of every text value in the file longer than a character."""
    conn = sqlite3.connect(path)
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")]
    cells = []
    for table in tables:
        info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
        keys = [column[1] for column in sorted(info, key=lambda c: c[5]) if column[5]] or ["rowid"]
        quoted = ", ".join(f'quote("{key}")' for key in keys)
        for column in [c[1] for c in info]:
            query = f'SELECT {quoted} FROM "{table}" WHERE typeof("{column}") = \'text\' AND length("{column}") > 1'
            for literals in conn.execute(query):
                where = " AND ".join(f'"{key}" = {literal}' for key, literal in zip(keys, literals, strict=True))
                cells.append((table, column, where))
    conn.close()
    return cells


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), read_only=st.booleans())
def test_any_damaged_text_value_is_read_or_refused_plainly(
    ann: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, read_only: bool
) -> None:
    """Any one text value damaged: opening and reading everything either works or names that table."""
    path = tmp_path_factory.mktemp("damaged") / "ann.hmip"
    path.write_bytes(ann.read_bytes())
    table, column, where = data.draw(st.sampled_from(_text_cells(path)))
    damage(path, table, column, where)
    try:
        with InspectionFile.open(path, read_only=read_only) as inspection:
            read_everything(inspection)
    except FileNotInspection as exc:
        if "not valid UTF-8" in exc.message:
            assert exc.message == plain_message(path, table)
        # otherwise refused on opening for what the value is (a meta key the file needs, its layout)
        return
    pytest.fail(f"{table}.{column} where {where} was damaged, and read without a word")


@pytest.mark.parametrize("readers", [0, 1], ids=["read here", "read in a worker process"])
def test_the_merge_refuses_a_team_file_with_damaged_text_and_merges_the_rest(
    tmp_path: Path, mini_instrument: Instrument, readers: int
) -> None:
    from hmip_desktop.model.merge.files import merge_files

    files = []
    for name in ("Ann Smith", "Bob Jones"):
        path = tmp_path / f"{name.split()[0].lower()}.hmip"
        with InspectionFile.create(
            path, inspection_id="KENT-2014", area="Kent", assessor=name, instrument=mini_instrument
        ) as team_file:
            team_file.set_answer(f"KT-00{len(files) + 1}", "cd.gender", "female", "a note", create_case=True)
        files.append(path)
    damage(files[1], "answers", "note", "note = 'a note'")
    with InspectionFile.create(
        tmp_path / "lead.hmip",
        inspection_id="KENT-2014",
        area="Kent",
        assessor="Lee Lead",
        role="lead",
        instrument=mini_instrument,
    ) as lead:
        summary = merge_files(lead, files, readers=readers)
        assert [(result.name, result.status) for result in summary.files] == [
            ("ann.hmip", "merged"),
            ("bob.hmip", "refused"),
        ]
        # In the merge's own words (model/merge/incoming.py reads team files with sqlite3's decoding).
        assert summary.files[1].reason == "bob.hmip is damaged (a text value is not valid UTF-8); ask for a fresh copy"
        assert [case.case_ref for case in lead.list_cases()] == ["KT-001"]


# -- the hmip command ----------------------------------------------------------------------------


def _commands(path: Path, out: Path) -> dict[str, list[str]]:
    return {
        "info": ["info", str(path)],
        "cases list": ["cases", "list", str(path)],
        "score": ["score", str(path)],
        "report": ["report", str(path), "--out", str(out / "report.pdf")],
        "export": ["export", str(path), "--csv", str(out / "csv")],
        "verify": ["verify", str(path)],
    }


@pytest.mark.parametrize("command", ["info", "cases list", "score", "report", "export", "verify"])
@pytest.mark.parametrize(
    ("table", "column"), [("meta", "value"), ("cases", "status")], ids=["read on opening", "read afterwards"]
)
def test_hmip_reading_a_damaged_file_exits_3_with_a_plain_message(
    ann: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, table: str, column: str
) -> None:
    damage(ann, table, column, "key = 'area'" if table == "meta" else "case_ref = 'KT-001'")
    out = tmp_path / "out"
    out.mkdir()
    before = ann.read_bytes()
    files_before = sorted(tmp_path.rglob("*"))
    assert main(_commands(ann, out)[command]) == 3
    err = capsys.readouterr().err
    assert err.startswith("hmip: ann.hmip")
    if command == "verify":  # its own report of every check: the table is named there too
        assert f"damaged in its {table} (a text value is not valid UTF-8)" in err
        assert "with text" not in err  # the value itself is never quoted: a note may hold a name
    else:
        assert err == f"hmip: {plain_message(ann, table)}\n"
    assert "Traceback" not in err
    assert ann.read_bytes() == before
    assert sorted(tmp_path.rglob("*")) == files_before  # no output, no lock left beside the file


# -- the app -------------------------------------------------------------------------------------


@pytest.fixture
def reporter(window: MainWindow) -> Iterator[ExceptionReporter]:
    """The app's excepthook, installed as `ui.app.start` does: a UserError no code path caught is a plain message."""
    hook = ExceptionReporter(lambda: window)
    hook.install()
    yield hook
    hook.uninstall()


def _messages(window: MainWindow) -> list[str]:
    return [box.text() for box in window.findChildren(QMessageBox, "userError") if box.isVisible()]


@pytest.mark.parametrize(
    ("table", "column"),
    [("meta", "value"), ("cases", "case_ref"), ("answers", "value")],
    ids=["read on opening", "the case list's read", "the case list's check of the answers"],
)
@pytest.mark.parametrize("read_only", [True, False], ids=["read-only", "for editing"])
def test_the_app_opening_a_damaged_file_says_so_plainly_and_shows_the_start_page(
    qtbot: QtBot, window: MainWindow, reporter: ExceptionReporter, ann: Path, table: str, column: str, read_only: bool
) -> None:
    damage(ann, table, column, {"meta": "key = 'area'", "cases": "case_ref = 'KT-001'"}.get(table, "value = 'yes'"))
    before = ann.read_bytes()
    QTimer.singleShot(0, lambda: window.open_or_start(ann, read_only=read_only))  # as the app starts on a file
    qtbot.waitUntil(lambda: bool(_messages(window)))
    assert _messages(window) == [plain_message(ann, table)]
    assert reporter.dialog is None
    assert window.session is None and window.workspace is None
    assert window.pages.currentWidget() is window.start_page
    assert not lock_path_for(ann).exists()  # no edit lock left behind
    assert ann.read_bytes() == before


def test_the_app_meeting_damaged_text_in_an_open_file_says_so_plainly(
    qtbot: QtBot, window: MainWindow, reporter: ExceptionReporter, ann: Path
) -> None:
    """A value first read once the file is on screen: a case's notes, read as the case opens."""
    damage(ann, "answers", "note", "note = 'a note'")  # KT-001's
    before = ann.read_bytes()
    assert window.open_file(ann)
    assert window.workspace is not None
    cases = window.workspace.cases
    case = window.session.inspection.find_case("KT-001") if window.session else None
    assert case is not None and cases.select_case(case.uuid)
    qtbot.keyClick(cases.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(_messages(window)))
    assert _messages(window) == [plain_message(ann, "answers")]  # once, not once per step of opening it
    assert reporter.dialog is None
    assert ann.read_bytes() == before
