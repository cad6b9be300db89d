"""A report built from a file that fails `hmip verify` says so on every page; a sound file's does not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from merge_support import FULL_CASE, add_case, new_file
from pypdf import PdfReader

from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.report.builder import build_report

MARK = "built from a file that failed verification"


def lead_file(folder: Path, instrument: Instrument) -> Path:
    with new_file(folder, "lead.hmip", "Lee Lead", instrument, role="lead") as lead:
        add_case(lead, "KT-001", FULL_CASE, complete=True)
        add_case(lead, "KT-002", FULL_CASE, complete=True)
    return folder / "lead.hmip"


def pages(path: Path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]


def test_a_report_from_a_file_edited_outside_the_app_is_marked(tmp_path: Path, mini_instrument: Instrument) -> None:
    path = lead_file(tmp_path, mini_instrument)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE answers SET value = 'insufficient' WHERE question_id = 'p.plan'")  # flatters no one
    conn.commit()
    conn.close()
    with InspectionFile.open(path, read_only=True) as lead:
        info = build_report(lead, tmp_path / "report.pdf")
    assert info.is_draft and info.draft_message.endswith(MARK)
    assert any(w.startswith("lead.hmip failed verification: ") and "p.plan" in w for w in info.warnings)
    text = pages(tmp_path / "report.pdf")
    assert MARK in text[0] and MARK in text[-1]


def test_a_report_from_a_sound_file_is_not(tmp_path: Path, mini_instrument: Instrument) -> None:
    with InspectionFile.open(lead_file(tmp_path, mini_instrument), read_only=True) as lead:
        info = build_report(lead, tmp_path / "report.pdf")
    assert not info.is_draft and info.warnings == ()
    assert not any("verification" in page for page in pages(tmp_path / "report.pdf"))
