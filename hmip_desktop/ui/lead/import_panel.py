"""Importing the team's files into the lead's file, and who has sent what.

The merge (`model.merge.merge_files`, the same core as `hmip merge`) runs on
a worker thread with its own connection; the panel shows its progress and
refuses a second start until it ends. Encrypted packages ask for the
inspection passphrase on the GUI thread first; it lives only as long as the
job and is never stored. After the worker's commit the session tells every
view (`InspectionSession.changed_elsewhere`): the case list, the conflicts,
the scores and this panel's team table read the file again.

The team table (who has sent a file, who has not) gets the panel's height;
the last import's table takes only the rows it has.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hmip_desktop.model.file.package import PACKAGE_SUFFIX
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.merge.summary import FileResult, MergeSummary
from hmip_desktop.ui.colours import tint
from hmip_desktop.ui.lead.drops import dropped_team_files
from hmip_desktop.ui.lead.import_model import ImportSummaryModel, summary_sentence
from hmip_desktop.ui.lead.team_model import TeamModel
from hmip_desktop.ui.session import Changes, InspectionSession
from hmip_desktop.ui.workers import Job, Progress, run_on_file

#: Asks for one package's passphrase; None when the user cancels.
AskPassphrase = Callable[[QWidget, Path], "str | None"]


def ask_passphrase(parent: QWidget, path: Path) -> str | None:
    text, ok = QInputDialog.getText(
        parent,
        "Passphrase",
        f"{path.name} is encrypted. Type the inspection's passphrase to import it\n(it is used once and not kept):",
        QLineEdit.EchoMode.Password,
    )
    return text if ok and text else None


def _merge_work(paths: Sequence[Path], passphrases: dict[str, str]) -> Callable[[InspectionFile, Progress], object]:
    def work(master: InspectionFile, progress: Progress) -> MergeSummary:
        def passphrase_for(path: Path) -> str:
            return passphrases.get(str(path), "")

        def report(position: int, total: int, name: str) -> None:
            progress(position - 1, total, f"Merging {position} of {total}: {name}")

        from hmip_desktop.model.merge.files import merge_files  # on the worker: the merge is slow to load

        try:
            return merge_files(master, list(paths), progress=report, passphrase_for=passphrase_for)
        finally:
            passphrases.clear()

    return work


class _MessageLabel(QLabel):
    """A label that takes no room while it has nothing to say."""

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setVisible(bool(text))


class ImportPanel(QWidget):
    """Buttons, drop target, progress, the last import's summary and the team's state."""

    merged = Signal(object)  # MergeSummary, after the worker's commit
    running_changed = Signal(bool)

    def __init__(self, session: InspectionSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leadImport")
        self.setAcceptDrops(True)
        self.session = session
        self.inspection = session.inspection
        self.job: Job | None = None
        self.last_summary: MergeSummary | None = None
        #: Why imports are refused (the file is open read-only here); empty when they are allowed.
        self.read_only_reason = ""
        #: Replaced in tests; the default asks with a password dialog.
        self.ask_passphrase: AskPassphrase = ask_passphrase

        self.import_button = QPushButton("&Import team files…")
        self.import_button.setObjectName("importButton")
        self.import_button.clicked.connect(self.choose_files)
        hint = QLabel(
            "Choose the assessors' files (.hmip, or encrypted .hmipx packages), or drop them on this window. "
            "Importing a file again is harmless: what it already brought is not changed twice."
        )
        hint.setWordWrap(True)
        tint(hint, "muted")
        self.progress = QProgressBar()
        self.progress.setObjectName("importProgress")
        self.progress.setTextVisible(True)
        self.progress.setVisible(False)
        self.progress_text = _MessageLabel()
        self.progress_text.setObjectName("importProgressText")

        self.summary_text = QLabel("No files imported in this session yet.")
        self.summary_text.setObjectName("importSummaryText")
        self.summary_text.setWordWrap(True)
        self.summary_model = ImportSummaryModel(self)
        self.summary_view = QTableView()
        self.summary_view.setObjectName("importSummary")
        self.summary_view.setModel(self.summary_model)
        self.summary_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.summary_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.summary_view.verticalHeader().hide()
        row_height = self.fontMetrics().height() + 8
        # Reasons are the point of a refused row: wrap them rather than cut them off.
        self.summary_view.setWordWrap(True)
        self.summary_view.verticalHeader().setMinimumSectionSize(row_height)
        self.summary_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.summary_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(ImportSummaryModel.headers) - 1, QHeaderView.ResizeMode.Stretch)
        # As tall as its rows (a few files a day), so the team table below keeps the height.
        self.summary_view.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.summary_view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.summary_view.setVisible(False)
        self.backup_text = _MessageLabel()
        tint(self.backup_text, "muted")

        self.team_model = TeamModel(self)
        self.team_view = QTableView()
        self.team_view.setObjectName("teamTable")
        self.team_view.setModel(self.team_model)
        self.team_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.team_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.team_view.verticalHeader().hide()
        self.team_view.verticalHeader().setDefaultSectionSize(row_height)
        team_header = self.team_view.horizontalHeader()
        team_header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # one row per assessor
        team_header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

        top = QHBoxLayout()
        top.addWidget(self.import_button)
        top.addWidget(hint, 1)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.progress_text, 2)
        summary_box = QGroupBox("Last import")
        summary_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        summary_layout = QVBoxLayout(summary_box)
        summary_layout.addWidget(self.summary_text)
        summary_layout.addWidget(self.summary_view)
        summary_layout.addWidget(self.backup_text)
        team_box = QGroupBox("Team")
        team_layout = QVBoxLayout(team_box)
        team_layout.addWidget(self.team_view)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(progress_row)
        layout.addWidget(summary_box)
        layout.addWidget(team_box, 1)
        session.changed.connect(self._changed)
        self.reload_team()

    # -- starting ----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.job is not None

    def choose_files(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(
            self,
            "Import team files",
            str(self.inspection.path.parent),
            "Team files (*.hmip *.hmipx);;Inspection files (*.hmip);;Encrypted packages (*.hmipx)",
        )
        if names:
            self.import_files([Path(name) for name in names])

    def import_files(self, paths: Sequence[Path]) -> bool:
        """Start merging `paths`; False (and a message) if an import is already running."""
        if self.read_only_reason:
            self.progress_text.setText(f"Nothing imported: {self.read_only_reason}.")
            return False
        if self.running:
            self.progress_text.setText("An import is already running; wait for it to finish, then import again.")
            return False
        lead = self.inspection.path.resolve()
        wanted = list(dict.fromkeys(Path(p) for p in paths if Path(p).resolve() != lead))
        if not wanted:
            self.progress_text.setText("Nothing to import: choose the assessors' files, not the lead file.")
            return False
        passphrases: dict[str, str] = {}
        skipped: list[FileResult] = []
        for path in wanted:
            if path.suffix.lower() == PACKAGE_SUFFIX:
                passphrase = self.ask_passphrase(self, path)
                if passphrase is None:
                    skipped.append(
                        FileResult(name=path.name, status="refused", reason="not imported: no passphrase given")
                    )
                    continue
                passphrases[str(path)] = passphrase
        to_merge = [p for p in wanted if p.suffix.lower() != PACKAGE_SUFFIX or str(p) in passphrases]
        if not to_merge:
            self._show_summary(MergeSummary(files=skipped))
            return False
        self._set_running(True, len(to_merge))
        job = run_on_file(self.inspection.path, _merge_work(to_merge, passphrases))
        self.job = job
        job.progress.connect(self._progress)
        job.finished.connect(lambda summary: self._finished(summary, skipped))
        job.failed.connect(self._failed)
        job.done.connect(self._job_done)
        return True

    def set_read_only(self, reason: str) -> None:
        """The lead file is open read-only here (another window has it): no imports from this one."""
        self.read_only_reason = reason
        self.import_button.setEnabled(not reason)
        self.import_button.setToolTip(reason)

    def _set_running(self, running: bool, total: int = 0) -> None:
        self.import_button.setEnabled(not running and not self.read_only_reason)
        self.progress.setVisible(running)
        if running:
            self.progress.setRange(0, total)
            self.progress.setValue(0)
            self.progress_text.setText(f"Checking {total} file{'s' if total != 1 else ''}…")
        self.running_changed.emit(running)

    def _progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress_text.setText(text)

    # -- ending ---------------------------------------------------------------------------

    def _finished(self, summary: MergeSummary, skipped: list[FileResult]) -> None:
        summary.files.extend(skipped)
        self._show_summary(summary)
        self.progress_text.setText("")
        # The worker committed through its own connection: every view reads the file again.
        self.session.changed_elsewhere()
        self.merged.emit(summary)

    def _show_summary(self, summary: MergeSummary) -> None:
        self.last_summary = summary
        self.summary_model.set_summary(summary)
        self.summary_view.setVisible(bool(summary.files))
        self.summary_text.setText(summary_sentence(summary))
        self.backup_text.setText(
            f"A copy of the lead file as it was before this import: {summary.backup}" if summary.backup else ""
        )

    def _failed(self, error: BaseException) -> None:
        from hmip_desktop.model.errors import UserError
        from hmip_desktop.ui.errors import show_user_error

        self.progress_text.setText("The import stopped; the lead file is as it was before the file that failed.")
        if isinstance(error, UserError):
            show_user_error(self, error, "Import")
        else:
            raise error  # a bug: the app's excepthook reports it

    def _job_done(self) -> None:
        self.job = None
        self._set_running(False)

    def _changed(self, changes: Changes) -> None:
        if changes.team or changes.everything:
            self.reload_team()

    def reload_team(self) -> None:
        self.team_model.reload(self.inspection)

    # -- drops on the panel itself --------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_team_files(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_team_files(event)
        if paths:
            event.acceptProposedAction()
            self.import_files(paths)
