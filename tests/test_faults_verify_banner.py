"""The app checks a lead's file as `hmip verify` does when it opens it, off the GUI thread, and says so
in a banner when the check fails. The check starts once the file is on screen, not while it opens."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from merge_support import FULL_CASE, add_case, new_file
from pytestqt.qtbot import QtBot
from ui_support import QT_STRICT

from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.ui.main_window import MainWindow

pytestmark = QT_STRICT


def lead_file(folder: Path, instrument: Instrument) -> Path:
    with new_file(folder, "lead.hmip", "Lee Lead", instrument, role="lead") as lead:
        add_case(lead, "KT-001", FULL_CASE, complete=True)
        add_case(lead, "KT-002", {"cd.gender": "female"})
    return folder / "lead.hmip"


def open_and_wait(qtbot: QtBot, window: MainWindow, path: Path) -> None:
    assert window.open_file(path)
    qtbot.waitUntil(lambda: window.verification is not None and window.verification.is_done, timeout=30_000)


def test_the_check_waits_until_the_file_is_on_screen(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, mini_instrument: Instrument
) -> None:
    """Opening paints the case list first; the check's worker would share the processor with it."""
    assert window.open_file(lead_file(tmp_path, mini_instrument))
    assert window.verification is None and window.verification_due
    qtbot.waitUntil(lambda: window.verification is not None, timeout=30_000)
    assert not window.verification_due


def test_a_file_closed_before_its_check_is_due_is_not_checked(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, mini_instrument: Instrument
) -> None:
    assert window.open_file(lead_file(tmp_path, mini_instrument))
    assert window.verification_due
    window.close_file()
    assert not window.verification_due
    window._verify()  # as if the timer had fired all the same
    assert window.verification is None


def test_a_lead_file_that_fails_the_check_shows_a_banner(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, mini_instrument: Instrument
) -> None:
    path = lead_file(tmp_path, mini_instrument)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE cases SET status = 'complete' WHERE case_ref = 'KT-002'")  # a database browser's edit
    conn.commit()
    conn.close()
    open_and_wait(qtbot, window, path)
    qtbot.waitUntil(window.verification_banner.isVisible)
    text = window.verification_banner.text()
    assert "Check failed." in text and "lead.hmip failed verification" in text and "case KT-002" in text
    window.close_file()
    assert not window.verification_banner.isVisible()


def test_a_sound_lead_file_shows_no_banner(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, mini_instrument: Instrument
) -> None:
    open_and_wait(qtbot, window, lead_file(tmp_path, mini_instrument))
    assert window.verification is not None and window.verification.result[1] is None
    assert not window.verification_banner.isVisible()


def test_an_assessor_s_file_is_not_checked_on_opening(
    window: MainWindow, tmp_path: Path, mini_instrument: Instrument
) -> None:
    with new_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument) as ann:
        add_case(ann, "KT-001", FULL_CASE)
    assert window.open_file(tmp_path / "ann.hmip")
    assert window.verification is None and not window.verification_due


@pytest.mark.parametrize("which", ["same file closed", "another file opened"])
def test_a_late_verdict_about_a_file_no_longer_open_is_dropped(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, mini_instrument: Instrument, which: str
) -> None:
    path = lead_file(tmp_path, mini_instrument)
    assert window.open_file(path)
    qtbot.waitUntil(lambda: window.verification is not None, timeout=30_000)
    job = window.verification
    assert job is not None
    window.close_file()
    if which == "another file opened":
        with new_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument) as ann:
            add_case(ann, "KT-009", FULL_CASE)
        assert window.open_file(tmp_path / "ann.hmip")
    qtbot.waitUntil(lambda: job.is_done, timeout=30_000)
    window._verified((path, "lead.hmip failed verification: made up"))
    assert not window.verification_banner.isVisible()


def test_a_bug_in_the_check_reaches_the_error_dialog(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, mini_instrument: Instrument, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file's problems become the banner; a bug in the check itself is reported, never passed silently."""
    from hmip_desktop.model.file import verify
    from hmip_desktop.ui.errors import ExceptionReporter

    def broken(_path: Path) -> str | None:
        raise ZeroDivisionError("a bug in the check")

    monkeypatch.setattr(verify, "verification_warning", broken)
    path = lead_file(tmp_path, mini_instrument)
    reporter = ExceptionReporter(lambda: window)
    reporter.install()
    try:
        assert window.open_file(path)
        qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible(), timeout=30_000)
        assert reporter.dialog is not None
        assert "ZeroDivisionError: a bug in the check" in reporter.dialog.details.toPlainText()
        assert not window.verification_banner.isVisible()
        reporter.dialog.close()
    finally:
        reporter.uninstall()
