""" "Export for lead…": the open file as an encrypted hand-over package (``.hmipx``).

The assessor types the inspection's passphrase twice, chooses where the
package goes (beside the file, by default), and the package is written on a
worker thread from a consistent snapshot (hmip_desktop.model.file.package). The
passphrase lives only in the dialog's fields and the worker's call: it is
never put in settings, logs or messages. Cases not yet marked complete are named in the
dialog (the lead scores complete cases only), and the message at the end offers to show the
package in its folder.

Imported when the action is first used, so the cipher library stays off the
start-up path.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QVBoxLayout,
    QWidget,
)

from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file.package import (
    PACKAGE_SUFFIX,
    PackageInfo,
    ScryptParams,
    WeakPassphrase,
    check_new_passphrase,
    write_package,
)
from hmip_desktop.model.wording import count
from hmip_desktop.ui.colours import tint
from hmip_desktop.ui.errors import show_user_error
from hmip_desktop.ui.fit import grow_to_fit
from hmip_desktop.ui.workers import Job, Progress, run_in_thread

if TYPE_CHECKING:
    from hmip_desktop.ui.main_window import MainWindow

TITLE = "Export for lead"
MISMATCH = "The two passphrases differ. Type the same passphrase in both fields."
#: Draft cases named in the warning; more are counted.
DRAFTS_NAMED = 8


def drafts_warning(drafts: list[str], total: int) -> str:
    """What the export dialog says about cases not marked complete ("" when there are none)."""
    if not drafts:
        return ""
    named = ", ".join(drafts[:DRAFTS_NAMED])
    if len(drafts) > DRAFTS_NAMED:
        named += f" and {len(drafts) - DRAFTS_NAMED} more"
    if len(drafts) == 1:
        said = f"1 of {total} cases is a draft (not marked complete)"
    else:
        said = f"{len(drafts)} of {total} cases are drafts (not marked complete)"
    return (
        f"{said}: {named}. The lead's scores count complete cases only. You can export now and "
        "again once they are complete."
    )


def proposed_package_path(inspection_path: Path) -> Path:
    """`<file stem>.hmipx` beside the inspection file."""
    return inspection_path.with_name(inspection_path.stem + PACKAGE_SUFFIX)


def with_package_suffix(chosen: Path) -> Path:
    return chosen if chosen.suffix.lower() == PACKAGE_SUFFIX else chosen.with_name(chosen.name + PACKAGE_SUFFIX)


class PassphraseDialog(QDialog):
    """The passphrase, twice; refuses a short one or two that differ, in the dialog itself."""

    def __init__(self, file_name: str, parent: QWidget | None = None, *, drafts: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("exportPassphraseDialog")
        self.setWindowTitle(TITLE)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 64)
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"{file_name} will be written as an encrypted package for the lead inspector. Type the "
            "passphrase your team agreed for this inspection: the lead needs it to open the package."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.drafts = QLabel(drafts)
        self.drafts.setObjectName("draftsWarning")
        self.drafts.setWordWrap(True)
        self.drafts.setFrameShape(QFrame.Shape.StyledPanel)
        self.drafts.setContentsMargins(6, 4, 6, 4)
        tint(self.drafts, "attention", surface="notice")
        self.drafts.setVisible(bool(drafts))
        layout.addWidget(self.drafts)
        form = QFormLayout()
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("&Passphrase", self.passphrase)
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("&Again", self.repeat)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setObjectName("passphraseError")
        self.error.setWordWrap(True)
        tint(self.error, "problem")
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export…")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for field in (self.passphrase, self.repeat):
            field.textEdited.connect(self.error.hide)
        self.finished.connect(self._forget)
        self._accepted_passphrase = ""

    def problem(self) -> str:
        """Why the fields cannot be used, or "" when they can."""
        try:
            check_new_passphrase(self.passphrase.text())
        except WeakPassphrase as exc:
            return exc.message[:1].upper() + exc.message[1:] + "."
        if self.passphrase.text() != self.repeat.text():
            return MISMATCH
        return ""

    def accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error.setText(problem)
            self.error.show()
            grow_to_fit(self)
            self.repeat.clear()
            self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)
            self.passphrase.selectAll()
            return
        self._accepted_passphrase = self.passphrase.text()
        super().accept()

    def take_passphrase(self) -> str:
        """The accepted passphrase, handed over once: the dialog keeps no copy afterwards."""
        passphrase, self._accepted_passphrase = self._accepted_passphrase, ""
        return passphrase

    def _forget(self, _result: int) -> None:
        self.passphrase.clear()
        self.repeat.clear()


class PackageExport(QObject):
    """The action's steps for one window: passphrase, target, flush, write on a worker, report."""

    written = Signal(object)  # PackageInfo
    done = Signal()  # after success or failure

    #: Key derivation; None means the package module's default (tests use a cheap one).
    kdf: ScryptParams | None = None

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: PassphraseDialog | None = None
        self.job: Job | None = None
        self.busy: QProgressDialog | None = None

    @property
    def running(self) -> bool:
        return self.job is not None

    def ask(self) -> PassphraseDialog | None:
        session = self.window.session
        if session is None:
            return None
        if self.running:
            self.window.statusBar().showMessage("A package is already being written", 5000)
            return None
        inspection_path = session.path
        cases = session.inspection.list_cases()
        drafts = [case.case_ref for case in cases if not case.is_complete]
        dialog = PassphraseDialog(inspection_path.name, self.window, drafts=drafts_warning(drafts, len(cases)))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._passphrase_given(inspection_path, dialog.take_passphrase()))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _passphrase_given(self, inspection_path: Path, passphrase: str) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(
            self.window,
            "Save the package for the lead as",
            str(proposed_package_path(inspection_path)),
            f"HMIP packages (*{PACKAGE_SUFFIX})",
        )
        if chosen:
            self.export(inspection_path, with_package_suffix(Path(chosen)), passphrase)

    def export(self, inspection_path: Path, target: Path, passphrase: str) -> bool:
        """Write the package on a worker thread; False if it could not start."""
        if self.running:
            return False
        workspace = self.window.workspace
        if workspace is not None and not workspace.flush():
            # The package must hold everything on screen; the refused note's message was shown.
            show_user_error(
                self.window,
                UserError("the last evidence note could not be saved, so no package was written; try again once it is"),
                TITLE,
            )
            return False
        kdf = self.kdf

        def work(_progress: Progress) -> PackageInfo:
            return write_package(inspection_path, target, passphrase, kdf=kdf)

        self.busy = self._busy_indicator(target)
        self.job = run_in_thread(work)
        self.job.finished.connect(self._written)
        self.job.failed.connect(self._failed)
        self.job.done.connect(self._job_done)
        return True

    def _busy_indicator(self, target: Path) -> QProgressDialog:
        busy = QProgressDialog(f"Writing {target.name}…", "", 0, 0, self.window)
        busy.setObjectName("exportBusy")
        busy.setWindowTitle(TITLE)
        busy.setCancelButton(None)  # the write is one short step; stopping half-way gains nothing
        busy.setWindowModality(Qt.WindowModality.WindowModal)
        busy.setMinimumDuration(0)
        busy.show()
        return busy

    def _written(self, info: object) -> None:
        assert isinstance(info, PackageInfo)
        box = QMessageBox(
            QMessageBox.Icon.Information,
            TITLE,
            f"{info.path.name} is written in {info.path.parent} ({count(info.cases, 'case')}, encrypted).\n\n"
            "Hand it to the lead inspector. Tell them the passphrase separately: never in the same "
            "email, and never on the same memory stick.",
            QMessageBox.StandardButton.Ok,
            self.window,
        )
        box.setObjectName("packageWritten")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        show = box.addButton("Show in folder", QMessageBox.ButtonRole.ActionRole)
        show.setObjectName("showInFolder")
        show.clicked.connect(lambda: self.show_folder(info.path))
        box.setDefaultButton(QMessageBox.StandardButton.Ok)
        box.open()
        self.window.statusBar().showMessage(f"Package written: {info.path.name}", 8000)
        self.written.emit(info)

    def show_folder(self, path: Path) -> bool:
        """Open the package's folder in the system's file manager; a message if that fails."""
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent))):
            return True
        self.window.show_message(f"The folder could not be opened; the package is {path}")
        return False

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, UserError):  # a wrong or weak passphrase, a damaged file, a full disk …
            show_user_error(self.window, error, TITLE)
        else:
            raise error  # a bug: the app's excepthook reports it

    def _job_done(self) -> None:
        self.job = None
        busy, self.busy = self.busy, None
        if busy is not None:
            busy.close()
            busy.deleteLater()
        self.done.emit()
