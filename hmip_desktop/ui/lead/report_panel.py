"""Previewing and exporting the report: built off the GUI thread, shown in an embedded PDF viewer.

The preview is written to a private temporary folder (it holds the
inspection's findings) that is removed when the panel closes. "Export PDF…"
copies the preview when it is up to date, and builds straight to the chosen
file otherwise. "Export HTML…" writes the accessible web edition into a folder.

Builds run on the panel's own one-thread pool, never queued behind other
background work (a merge, the agreement figures) on the shared pool. When the
panel is first shown, that thread loads the report tools (reportlab, the
fonts, a first small layout: ~1 s of a first build, measured) so the first
preview costs what later ones do; a preview asked for meanwhile waits for it
and says so. Progress follows the build: scoring, then each layout pass
flowable by flowable, then writing.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QThreadPool, Signal
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.wording import plural
from hmip_desktop.ui.colours import colours_for
from hmip_desktop.ui.errors import show_user_error
from hmip_desktop.ui.workers import Job, Progress, run_in_thread, run_on_file

if TYPE_CHECKING:
    from hmip_desktop.report.builder import ReportInfo

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.25, 4.0


def _build_work(
    out_path: Path | None, include_incomplete: bool, html_dir: Path | None = None
) -> Callable[[InspectionFile, Progress], object]:
    def work(inspection: InspectionFile, progress: Progress) -> ReportInfo:
        # Imported on the worker (reportlab is slow to load); the warm-up has usually done it already.
        from hmip_desktop.report.builder import build_report

        return build_report(
            inspection,
            out_path,
            html_dir=html_dir,
            include_incomplete=include_incomplete,
            progress=lambda fraction, text: progress(round(fraction * 100), 100, text),
        )

    return work


def _warm_up(progress: Progress) -> None:
    from hmip_desktop.report.pdf.render import warm_up

    warm_up()


class ReportPanel(QWidget):
    built = Signal(object)  # ReportInfo of a preview
    exported = Signal(object)  # Path

    def __init__(self, path: Path, inspection_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leadReport")
        self.path = path
        self.inspection_id = inspection_id
        self.job: Job | None = None
        self.info: ReportInfo | None = None
        self.stale = False
        self.preview_included_drafts = False
        self._tmp = tempfile.TemporaryDirectory(prefix="hmip-report-")
        self._builds = 0
        #: The report's own thread: builds never wait behind other background work.
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.warm_up: Job = run_in_thread(_warm_up, self.pool)

        self.preview_button = QPushButton("&Preview report")
        self.preview_button.setObjectName("previewReport")
        self.preview_button.clicked.connect(self.preview)
        self.export_button = QPushButton("&Export PDF…")
        self.export_button.setObjectName("exportReport")
        self.export_button.clicked.connect(self.choose_export)
        self.export_html_button = QPushButton("Export &HTML…")
        self.export_html_button.setObjectName("exportReportHtml")
        self.export_html_button.setToolTip(
            "Save the accessible web edition of the report (one self-contained index.html) in a folder"
        )
        self.export_html_button.clicked.connect(self.choose_html_export)
        self.include_drafts = QCheckBox("Include &draft cases")
        self.include_drafts.setToolTip("Count cases not yet marked complete; the report is then marked as a draft")
        self.progress = QProgressBar()
        self.progress.setObjectName("reportProgress")
        self.progress.setRange(0, 100)
        self.progress.setVisible(False)
        self.progress.setMaximumWidth(220)
        self.status = QLabel("Preview the report to see it here. Nothing is written beside your file until you export.")
        self.status.setObjectName("reportStatus")
        self.status.setWordWrap(True)

        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setObjectName("reportView")
        self.view.setAccessibleName("Report preview")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        # 100 %: a page reads as on paper; "Fit width" and "Whole page" are a click away.
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(1.0)
        self.view.setPageSpacing(12)
        navigator = self.view.pageNavigator()
        navigator.currentPageChanged.connect(self._page_changed)

        self.previous_page = QPushButton("◀")
        self.previous_page.setAccessibleName("Previous page")
        self.previous_page.setToolTip("Previous page (Page Up)")
        self.previous_page.setShortcut("PgUp")
        self.previous_page.clicked.connect(lambda: self.go_to_page(self.current_page - 1))
        self.next_page = QPushButton("▶")
        self.next_page.setAccessibleName("Next page")
        self.next_page.setToolTip("Next page (Page Down)")
        self.next_page.setShortcut("PgDown")
        self.next_page.clicked.connect(lambda: self.go_to_page(self.current_page + 1))
        self.page_box = QSpinBox()
        self.page_box.setObjectName("reportPage")
        self.page_box.setAccessibleName("Page number")
        self.page_box.setRange(0, 0)
        self.page_box.setKeyboardTracking(False)
        self.page_box.valueChanged.connect(lambda number: self.go_to_page(number - 1))
        self.page_count = QLabel("of 0")
        self.fit_width = QPushButton("Fit &width")
        self.fit_width.clicked.connect(lambda: self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth))
        self.actual_size = QPushButton("&100%")
        self.actual_size.clicked.connect(self.actual_zoom)
        self.fit_page = QPushButton("Whole pa&ge")
        self.fit_page.clicked.connect(lambda: self.view.setZoomMode(QPdfView.ZoomMode.FitInView))
        self.zoom_out = QPushButton("−")
        self.zoom_out.setAccessibleName("Zoom out")
        self.zoom_out.setToolTip("Zoom out (Ctrl+-)")
        self.zoom_out.setShortcut("Ctrl+-")
        self.zoom_out.clicked.connect(lambda: self.zoom_by(1 / ZOOM_STEP))
        self.zoom_in = QPushButton("+")
        self.zoom_in.setAccessibleName("Zoom in")
        self.zoom_in.setToolTip("Zoom in (Ctrl++)")
        self.zoom_in.setShortcut("Ctrl++")
        self.zoom_in.clicked.connect(lambda: self.zoom_by(ZOOM_STEP))
        for button in (self.previous_page, self.next_page, self.zoom_out, self.zoom_in):
            button.setFixedWidth(36)

        top = QHBoxLayout()
        top.addWidget(self.preview_button)
        top.addWidget(self.export_button)
        top.addWidget(self.export_html_button)
        top.addWidget(self.include_drafts)
        top.addWidget(self.progress)
        top.addWidget(self.status, 1)
        navigation = QHBoxLayout()
        navigation.addWidget(self.previous_page)
        navigation.addWidget(QLabel("Page"))
        navigation.addWidget(self.page_box)
        navigation.addWidget(self.page_count)
        navigation.addWidget(self.next_page)
        navigation.addStretch(1)
        navigation.addWidget(self.zoom_out)
        navigation.addWidget(self.zoom_in)
        navigation.addWidget(self.actual_size)
        navigation.addWidget(self.fit_width)
        navigation.addWidget(self.fit_page)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(navigation)
        layout.addWidget(self.view, 1)
        self._update_navigation()

    # -- building -----------------------------------------------------------------------

    @property
    def building(self) -> bool:
        return self.job is not None

    def preview(self) -> bool:
        """Build the report into the private folder and show it; False if a build is running."""
        self._builds += 1
        target = Path(self._tmp.name) / f"preview-{self._builds}.pdf"
        return self._start(target, preview=True)

    def _start(self, target: Path | None, *, preview: bool, html_dir: Path | None = None) -> bool:
        if self.building:
            return False
        for button in (self.preview_button, self.export_button, self.export_html_button):
            button.setEnabled(False)
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        if self.warm_up.is_done:
            self.status.setText("Building the report…")
        else:
            self.status.setText("Loading the report tools (the first time only)…")
        include = self.include_drafts.isChecked()
        job = run_on_file(self.path, _build_work(target, include, html_dir), read_only=True, pool=self.pool)
        self.job = job
        job.progress.connect(self._progress)
        job.finished.connect(lambda info: self._built(info, preview, include))
        job.failed.connect(self._failed)
        job.done.connect(self._done)
        return True

    def _progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.status.setText(text[:1].upper() + text[1:] + "…")

    def _built(self, info: ReportInfo, preview: bool, included_drafts: bool) -> None:
        if info.html_path is not None:
            self.status.setText(f"Saved the web edition: {info.html_path}.")
            self.exported.emit(info.html_path)
            return
        assert info.path is not None
        if not preview:
            self.status.setText(f"Saved {info.path.name} ({info.pages} pages).")
            self.exported.emit(info.path)
            return
        self.status.setText("Opening the preview…")
        previous = self.info
        self.info = info
        self.preview_included_drafts = included_drafts
        self.stale = False
        page = self.current_page
        self.document.load(str(info.path))
        if previous is not None and previous.path is not None and previous.path != info.path:
            previous.path.unlink(missing_ok=True)
        self.status.setText(self._describe(info))
        self._update_navigation()
        # Stay on the page the lead was reading (the report is rebuilt after each edit).
        self.go_to_page(min(page, max(0, self.document.pageCount() - 1)))
        self.built.emit(info)

    @staticmethod
    def _describe(info: ReportInfo) -> str:
        parts = [f"{info.pages} pages, built in {info.seconds:.1f} s."]
        if info.is_draft:
            parts.append(f"<span style='color:{colours_for().problem.name()}'><b>{info.draft_message}</b></span>.")
        if info.missing_texts:
            parts.append(
                f"{len(info.missing_texts)} findings {plural(len(info.missing_texts), 'section')} still empty (placeholders printed)."
            )
        parts += [f"<br>{warning}" for warning in info.warnings[:3]]
        return " ".join(parts)

    def _failed(self, error: BaseException) -> None:
        self.status.setText("The report could not be built.")
        if isinstance(error, UserError):
            show_user_error(self, error, "Report")
        else:
            raise error

    def _done(self) -> None:
        self.job = None
        for button in (self.preview_button, self.export_button, self.export_html_button):
            button.setEnabled(True)
        self.progress.setVisible(False)

    def mark_stale(self) -> None:
        """The file changed since the preview: say so (the lead previews again when ready)."""
        if self.info is not None and not self.stale:
            self.stale = True
            self.status.setText(
                self.status.text().split("<br>")[0]
                + f" <span style='color:{colours_for().problem.name()}'>The file has changed since: preview again to update.</span>"
            )

    # -- exporting --------------------------------------------------------------------------

    def choose_export(self) -> None:
        suggested = self.path.parent / f"{self.inspection_id}-report.pdf"
        name, _filter = QFileDialog.getSaveFileName(self, "Export the report", str(suggested), "PDF files (*.pdf)")
        if name:
            self.export_to(Path(name) if name.lower().endswith(".pdf") else Path(name + ".pdf"))

    def export_to(self, target: Path) -> bool:
        """Save the report to `target`: a copy of an up-to-date preview, or a fresh build."""
        up_to_date = self.include_drafts.isChecked() == self.preview_included_drafts
        if self.info is not None and self.info.path is not None and not self.stale and up_to_date:
            try:
                shutil.copyfile(self.info.path, target)
            except OSError as exc:
                show_user_error(self, UserError(f"cannot write {target}: {exc.strerror or exc}"), "Export")
                return False
            self.status.setText(f"Saved {target.name} ({self.info.pages} pages).")
            self.exported.emit(target)
            return True
        return self._start(target, preview=False)

    def choose_html_export(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Choose a folder for the web edition (index.html)", str(self.path.parent)
        )
        if folder:
            self.export_html_to(Path(folder))

    def export_html_to(self, folder: Path) -> bool:
        """Write the web edition into `folder` (asking first before replacing an index.html there)."""
        from hmip_desktop.report.builder import HTML_PAGE

        existing = folder / HTML_PAGE
        if existing.exists():
            answer = QMessageBox.question(
                self,
                "Export HTML",
                f"{existing} already exists. Replace it with this report's web edition?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        return self._start(None, preview=False, html_dir=folder)

    # -- navigation ----------------------------------------------------------------------------

    @property
    def current_page(self) -> int:
        return self.view.pageNavigator().currentPage()

    def go_to_page(self, page: int) -> None:
        count = self.document.pageCount()
        if count == 0:
            return
        page = max(0, min(count - 1, page))
        if page != self.current_page:
            self.view.pageNavigator().jump(page, QPointF(), self.view.pageNavigator().currentZoom())
        self._update_navigation()

    def zoom_by(self, factor: float) -> None:
        zoom = self.view.zoomFactor() if self.view.zoomMode() == QPdfView.ZoomMode.Custom else self._effective_zoom()
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(MIN_ZOOM, min(MAX_ZOOM, zoom * factor)))

    def actual_zoom(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(1.0)

    def _effective_zoom(self) -> float:
        """The zoom a fit mode shows, so +/- continue from what is on screen."""
        if self.document.pageCount() == 0:
            return 1.0
        page_points = self.document.pagePointSize(self.current_page)
        if page_points.width() <= 0:
            return 1.0
        dpi_scale = self.view.logicalDpiX() / 72.0
        return max(MIN_ZOOM, self.view.viewport().width() / (page_points.width() * dpi_scale))

    def _page_changed(self, _page: int) -> None:
        self._update_navigation()

    def _update_navigation(self) -> None:
        count = self.document.pageCount()
        page = self.current_page
        self.page_box.blockSignals(True)
        self.page_box.setRange(1 if count else 0, count)
        self.page_box.setValue(page + 1 if count else 0)
        self.page_box.blockSignals(False)
        self.page_count.setText(f"of {count}")
        for widget in (self.page_box, self.zoom_in, self.zoom_out, self.actual_size, self.fit_page, self.fit_width):
            widget.setEnabled(count > 0)
        self.previous_page.setEnabled(count > 0 and page > 0)
        self.next_page.setEnabled(count > 0 and page < count - 1)

    # -- lifecycle --------------------------------------------------------------------------------

    def shutdown(self) -> None:
        self.pool.waitForDone()  # a build still writing into the preview folder finishes first
        self.document.close()
        self._tmp.cleanup()
