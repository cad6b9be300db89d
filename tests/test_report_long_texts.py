"""Texts too long for one page: the report flows them over pages, and what cannot be placed is a plain error.

A practice illustration is laid out as a box (a one-column table); reportlab never splits a table
row, so an illustration longer than a page (a long text, or one unbroken run of characters) stopped
`hmip report` with a LayoutError traceback and the app's preview with a bug report.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from reportlab.graphics.shapes import Drawing
from test_report import make_inspection, page_texts

from hmip_desktop.cli.main import EXIT_BAD_INPUT, main
from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file.rules import MAX_NOTE_CHARS
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.report import findings_fields as ff
from hmip_desktop.report.builder import build_report
from hmip_desktop.report.pdf.layout import Layout, ReportTable
from hmip_desktop.ui.lead.report_panel import ReportPanel

BUILD_TIMEOUT = 60_000
#: As long as an illustration may be (the store's limit on a note), in words: about five pages.
LONG_WORDS = " ".join(f"w{n:04d}" for n in range(MAX_NOTE_CHARS // 6))
#: One run of characters with no break at all, longer than a page holds.
UNBROKEN = "Z" * MAX_NOTE_CHARS


def with_illustrations(path: Path, texts: dict[str, str], *, title: str = "a long story") -> Path:
    """A lead's file whose chosen practice illustrations (one per case) carry `texts`, set through the store."""
    with make_inspection(path, cases=6) as inspection:
        choices = {}
        for case_ref, text in texts.items():
            inspection.set_illustration(case_ref, True, text)
            choices[case_ref] = {"chapter": "sentence", "title": title}
        inspection.set_finding(ff.ILLUSTRATIONS, json.dumps(choices))
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".partial")


def test_an_illustration_longer_than_a_page_flows_over_pages(tmp_path: Path) -> None:
    path = with_illustrations(tmp_path / "lead.hmip", {"GW-0001": LONG_WORDS})
    out = tmp_path / "report.pdf"
    with InspectionFile.open(path, read_only=True) as inspection:
        info = build_report(inspection, out)
    texts = page_texts(out)
    holding = [n for n, text in enumerate(texts) if re.search(r"\bw\d{4}\b", text)]
    assert len(holding) >= 2, "the illustration continues on the next page"
    assert holding == list(range(holding[0], holding[0] + len(holding))), "on pages that follow each other"
    words = " ".join(texts).split()
    assert all(f"w{n:04d}" in words for n in range(0, MAX_NOTE_CHARS // 6, 97)), "every word printed"
    assert "Practice illustration – a long story" in texts[holding[0]]  # the title opens it, with its text
    assert info.pages == len(texts)


def test_an_unbroken_run_of_characters_and_a_huge_title_are_broken_over_lines_and_pages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_illustrations(tmp_path / "lead.hmip", {"GW-0002": UNBROKEN}, title="T" * 5_000)
    out = tmp_path / "report.pdf"
    assert main(["report", str(path), "--out", str(out), "--html", str(tmp_path / "web")]) == 0
    assert "wrote" in capsys.readouterr().out
    printed = "".join("".join(text.split()) for text in page_texts(out))
    assert printed.count("Z") == MAX_NOTE_CHARS and printed.count("T") >= 5_000
    assert (tmp_path / "web" / "index.html").exists()
    assert leftovers(tmp_path) == []


def tall_chart(self: Layout, block: object) -> Drawing:
    """A chart taller than any page: something that cannot be split."""
    return Drawing(200, 2_000)


def test_what_still_fits_no_page_is_a_plain_error_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "lead.hmip"
    make_inspection(path, cases=6).close()
    monkeypatch.setattr(Layout, "chart", tall_chart)
    out, web = tmp_path / "report.pdf", tmp_path / "web"
    with InspectionFile.open(path, read_only=True) as inspection, pytest.raises(UserError) as raised:
        build_report(inspection, out, html_dir=web)
    message = str(raised.value)
    assert "too large to fit on a page" in message and "Shorten" in message and "Nothing was written" in message
    assert not out.exists() and not web.exists() and leftovers(tmp_path) == []

    capsys.readouterr()
    assert main(["report", str(path), "--out", str(out)]) == EXIT_BAD_INPUT
    error = capsys.readouterr().err
    assert "too large to fit on a page" in error and "Traceback" not in error
    assert not out.exists() and leftovers(tmp_path) == []


def test_a_table_cell_too_long_for_a_page_is_quoted_if_it_cannot_be_placed() -> None:
    from reportlab.platypus import Paragraph
    from reportlab.platypus.tables import Table

    from hmip_desktop.report.pdf.render import too_large

    cell = Paragraph("The lead's <b>very</b> long " + "text " * 40)
    message = str(too_large(Table([[cell]]), 12))
    assert "the part beginning “The lead's very long text text" in message and "(page 12)" in message
    assert len(message.split("“")[1].split("”")[0]) <= 60
    assert "a table or chart" in str(too_large(Drawing(10, 10), 3))


# -- the app's preview ----------------------------------------------------------------------------------


@pytest.fixture
def panel_on(qtbot: QtBot) -> Iterator[list[ReportPanel]]:
    made: list[ReportPanel] = []
    yield made
    for panel in made:
        panel.shutdown()


def open_panel(qtbot: QtBot, path: Path, made: list[ReportPanel]) -> ReportPanel:
    panel = ReportPanel(path, "GWY-2014")
    qtbot.addWidget(panel)
    made.append(panel)
    panel.resize(1000, 700)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_the_preview_shows_a_report_with_an_illustration_longer_than_a_page(
    qtbot: QtBot, tmp_path: Path, panel_on: list[ReportPanel]
) -> None:
    path = with_illustrations(tmp_path / "lead.hmip", {"GW-0001": LONG_WORDS, "GW-0002": UNBROKEN})
    panel = open_panel(qtbot, path, panel_on)
    with qtbot.waitSignal(panel.built, timeout=BUILD_TIMEOUT) as built:
        qtbot.mouseClick(panel.preview_button, Qt.MouseButton.LeftButton)
    assert panel.document.pageCount() == built.args[0].pages
    assert panel.findChild(QMessageBox, "userError") is None


def test_the_preview_of_what_fits_no_page_says_so_in_a_message(
    qtbot: QtBot, tmp_path: Path, panel_on: list[ReportPanel], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "lead.hmip"
    make_inspection(path, cases=6).close()
    monkeypatch.setattr(Layout, "chart", tall_chart)
    panel = open_panel(qtbot, path, panel_on)
    qtbot.mouseClick(panel.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.findChild(QMessageBox, "userError") is not None, timeout=BUILD_TIMEOUT)
    box = panel.findChild(QMessageBox, "userError")
    assert "too large to fit on a page" in box.text()
    assert panel.status.text() == "The report could not be built." and panel.preview_button.isEnabled()
    box.close()


# -- how a table splits -------------------------------------------------------------------------------

ROW = 20.0
#: A frame 15 rows of `ROW` points high.
FRAME_HEIGHT = 15 * ROW


def split_in_frame(table: ReportTable, *, used: float = 0.0) -> list[list[list[object]]]:
    """Split `table` in a fresh frame with `used` points of it taken already; the parts' rows."""
    from io import BytesIO

    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Frame, Spacer

    frame = Frame(0, 0, 400, FRAME_HEIGHT, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    canvas = Canvas(BytesIO())
    if used:
        assert frame.add(Spacer(400, used), canvas)
    table.wrap(400, FRAME_HEIGHT)
    return [part._cellvalues for part in frame.split(table, canvas)]


def rows_table(heights: list[float], *, header: bool = True) -> ReportTable:
    from reportlab.platypus import Paragraph

    data = [[Paragraph(f"row {n}")] for n in range(len(heights))]
    return ReportTable(data, colWidths=[400], rowHeights=heights, repeatRows=1 if header else 0)


def test_a_table_at_the_top_of_a_page_still_leaves_no_row_alone_on_the_next() -> None:
    parts = split_in_frame(rows_table([ROW] * 17))  # a header and 16 rows: 14 fit
    assert [len(part) - 1 for part in parts] == [13, 3]  # a row moved on to the last two, under the header


def test_a_table_that_would_start_with_a_row_or_two_at_the_foot_of_a_page_moves_on() -> None:
    assert split_in_frame(rows_table([ROW] * 17), used=FRAME_HEIGHT - 3 * ROW) == []


def test_a_small_table_at_the_top_of_a_page_is_split_rather_than_moved_on() -> None:
    """Too few rows to keep three together on each side: lower on a page it moves on, at the top it splits."""
    heights = [ROW, 4 * ROW, 4 * ROW, 4 * ROW, 4 * ROW]
    assert split_in_frame(rows_table(heights), used=ROW) == []
    parts = split_in_frame(rows_table(heights))
    assert [len(part) for part in parts] == [4, 2]


def test_a_row_taller_than_a_page_is_split_inside_where_the_page_ends() -> None:
    from reportlab.platypus import Paragraph

    long_text = Paragraph(" ".join(["word"] * 3_000))
    box = ReportTable([[Paragraph("Practice illustration – a title")], [long_text]], colWidths=[400])
    parts = split_in_frame(box, used=5 * ROW)  # lower on the page: the title stays with the start of the text
    assert len(parts) == 2 and len(parts[0]) == 2


# -- two builds to one name -----------------------------------------------------------------------------


def test_two_builds_to_one_name_at_once_each_write_their_own_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two builds in one process (the app, a script) once shared a temporary name made from the process id."""
    import threading

    from hmip_desktop.report import builder
    from hmip_desktop.report.model import ReportModel

    meet = threading.Barrier(2, timeout=20)

    def render(model: object, out_path: Path, *, progress: object = None) -> int:
        with Path(out_path).open("w", encoding="utf-8") as handle:
            handle.write(f"{model} begins\n")
            handle.flush()
            meet.wait()  # both are half-way through their file
            handle.write(f"{model} ends\n")
        return 1

    monkeypatch.setattr(builder, "render_report", render)
    target = tmp_path / "report.pdf"
    errors: list[BaseException] = []

    def build(name: str) -> None:
        try:
            builder.write_atomically(cast(ReportModel, name), target)
        except BaseException as exc:  # the test looks at what each build ended in
            errors.append(exc)

    threads = [threading.Thread(target=build, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert target.read_text(encoding="utf-8") in {"first begins\nfirst ends\n", "second begins\nsecond ends\n"}
    assert leftovers(tmp_path) == []


# -- the web edition ------------------------------------------------------------------------------------

MEASURE = """
<script>
document.documentElement.setAttribute("data-widths", JSON.stringify(
  {page: document.documentElement.scrollWidth, window: window.innerWidth}));
</script>
"""


def test_the_web_edition_wraps_an_unbroken_run_of_characters_within_the_page(tmp_path: Path) -> None:
    """No sideways scrolling for a text (WCAG 1.4.10 reflow): the run is broken where the line ends."""
    from test_html_report import CHROMIUM_FLAGS, chromium

    browser = chromium()
    if browser is None:
        pytest.skip("chromium not installed here (.ci/run installs it)")
    path = with_illustrations(tmp_path / "lead.hmip", {"GW-0002": UNBROKEN}, title="T" * 2_000)
    assert main(["report", str(path), "--html", str(tmp_path / "web")]) == 0
    page = tmp_path / "web" / "index.html"
    source = page.read_text(encoding="utf-8")
    measured = page.with_name("measured.html")
    end = source.rindex("</body>")
    measured.write_text(source[:end] + MEASURE + source[end:], encoding="utf-8")
    completed = subprocess.run(
        [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1024,768",
            "--dump-dom",
            measured.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    found = re.search(r'data-widths="([^"]*)"', completed.stdout)
    assert found, completed.stderr[-2000:]
    widths = json.loads(html.unescape(found.group(1)))
    assert widths["page"] <= widths["window"], widths
