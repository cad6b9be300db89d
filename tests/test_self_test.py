"""`hmip-desktop --self-test`: a whole inspection headless; a failing step is named and exits 1."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from reportlab.pdfgen.canvas import Canvas

from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file.integrity import check_sound
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.report.pdf.fonts import FAMILY, register_fonts
from hmip_desktop.ui import app as app_module
from hmip_desktop.ui import errors as errors_module
from hmip_desktop.ui import self_test
from hmip_desktop.ui.self_test import STEPS, Files, pdf_characters, run_self_test

STEP_NAMES = [name for name, _step in STEPS]


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The app's log folder, in the test's folder; the handler the run adds is removed after it."""
    folder = tmp_path / "logs"
    monkeypatch.setattr(errors_module, "default_log_dir", lambda: folder)
    root = logging.getLogger("hmip_desktop")
    before = list(root.handlers)
    yield folder
    for handler in [h for h in root.handlers if h not in before]:
        root.removeHandler(handler)
        handler.close()


def test_the_self_test_walks_an_inspection_and_passes(
    qtbot: QtBot, log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert app_module.main(["--self-test"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("HMIP Desktop ") and "self-test in" in lines[0]
    # One line per step, in the order an inspection goes, then the verdict.
    assert [line.split(":")[0] for line in lines[1:-1]] == STEP_NAMES
    assert all(": ok: " in line for line in lines[1:-1])
    assert lines[-1] == "self-test passed"
    by_step = {line.split(":")[0]: line for line in lines[1:-1]}
    assert "platform offscreen" in by_step["qt"]
    assert "one read in a reader process" in by_step["merge"]
    assert "2 cases scored" in by_step["scores"]
    assert "ŵ ŷ" in by_step["report"]
    # The same lines are in the app's log, for a console-less app.
    logged = (log_dir / errors_module.LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "self-test: self-test passed" in logged
    assert "self-test: merge: ok:" in logged
    # It ran in a temporary folder, removed afterwards.
    folder = Path(lines[0].split(" self-test in ", 1)[1])
    assert folder.name.startswith("hmip-self-test-") and not folder.exists()


def test_a_failing_step_is_named_and_exits_1(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def merge_refused(*_args: object, **_kwargs: object) -> None:
        raise UserError("the lead's disk is full")

    monkeypatch.setattr(self_test, "merge_files", merge_refused)
    lines: list[str] = []
    assert run_self_test(lines.append, tmp_path) == 1
    assert lines[-2] == "merge: FAILED: the lead's disk is full"
    assert lines[-1] == "self-test failed at the step 'merge'"
    assert not any(line.startswith(("scores:", "report:", "verify:")) for line in lines)
    assert "self-test passed" not in lines


def test_a_bug_in_a_step_is_named_too(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("outcomes")

    monkeypatch.setattr(self_test, "score_file", broken)
    lines: list[str] = []
    assert run_self_test(lines.append, tmp_path) == 1
    assert lines[-2] == "scores: FAILED: 'outcomes'"
    assert lines[-1] == "self-test failed at the step 'scores'"


def test_verify_catches_a_file_changed_outside_the_app(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The verify step is a real check: an answer edited with sqlite3 after the report fails it."""

    def tamper(files: Files) -> str:
        with sqlite3.connect(files.assessor_files[1]) as conn:
            changed = conn.execute(
                "UPDATE answers SET value = 'no' WHERE rowid = (SELECT min(rowid) FROM answers WHERE value = 'yes')"
            ).rowcount
        conn.close()
        assert changed == 1
        return "one answer changed behind the app's back"

    steps = list(STEPS)
    steps.insert(STEP_NAMES.index("verify"), ("tamper", tamper))
    monkeypatch.setattr(self_test, "STEPS", tuple(steps))
    lines: list[str] = []
    assert run_self_test(lines.append, tmp_path) == 1
    assert lines[-1] == "self-test failed at the step 'verify'"
    assert lines[-2].startswith("verify: FAILED: assessor-2.hmip failed verification: "), lines[-2]
    assert "ST-0002" in lines[-2]
    # The tampered file is still a sound SQLite file: only the checks of its content could tell.
    with InspectionFile.open(tmp_path / "assessor-2.hmip", read_only=True) as changed:
        check_sound(changed.conn, changed.path, full=True)


def test_pdf_characters_tell_an_embedded_font_from_a_base_font(tmp_path: Path) -> None:
    register_fonts()
    embedded, base = tmp_path / "embedded.pdf", tmp_path / "base.pdf"
    for path, font in ((embedded, FAMILY), (base, "Helvetica")):
        canvas = Canvas(str(path))
        canvas.setFont(font, 12)
        canvas.drawString(72, 720, "Llŷn a Thŵr")
        canvas.save()
    assert {"ŷ", "ŵ", "L", "T"} <= pdf_characters(embedded.read_bytes())
    assert not {"ŷ", "ŵ"} & pdf_characters(base.read_bytes())


def test_the_report_step_fails_when_the_welsh_letters_are_missing(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(self_test, "WELSH_TEXT", "Plain text only")
    monkeypatch.setattr(self_test, "AREA", "Kent")
    lines: list[str] = []
    assert run_self_test(lines.append, tmp_path) == 1
    assert lines[-1] == "self-test failed at the step 'report'"
    assert "does not carry" in lines[-2] and "ŵ" in lines[-2]
