"""The main window: start page or the open file's workspace, menus, shortcuts, status bar.

The open file is an `InspectionSession` (`window.session`, and the
`file_opened` signal); there is no global. Its tabs are the workspace's
(`ui.workspace`: the case list, the form, and the lead's tabs for a lead's
file). Slow work belongs on a worker thread: see hmip_desktop.ui.workers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from hmip_desktop import __version__
from hmip_desktop.model.errors import UserError
from hmip_desktop.ui.colours import tint
from hmip_desktop.ui.commands import CaseUndoStacks
from hmip_desktop.ui.errors import show_user_error, user_errors
from hmip_desktop.ui.recent_files import RecentFiles, RecentFilesModel
from hmip_desktop.ui.roles import ROLE_LABELS

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent
    from PySide6.QtWidgets import QMessageBox, QPlainTextEdit

    from hmip_desktop.ui.export_package import PackageExport, PassphraseDialog
    from hmip_desktop.ui.new_file_dialog import NewFileDialog
    from hmip_desktop.ui.session import InspectionSession
    from hmip_desktop.ui.start_page import StartPage
    from hmip_desktop.ui.workers import Job
    from hmip_desktop.ui.workspace import Workspace

# What the window shows first loads first: dialogs (open, new file, messages), the start page when
# a file is named on the command line, the note's undo history and the screen-reader announcement
# are imported where they are first used (tests/test_ui_startup_cost.py keeps them off the start).

FILE_SUFFIX = ".hmip"
APP_NAME = "HMIP Desktop"
#: How long after a lead's file opens its check (`_verify`) starts, in ms. The case list is painted
#: and taking keys by then (~0.1 s for an 86-case lead file), and the check's 0.1-0.3 s of reading
#: on a worker thread would otherwise share the processor, and Python's lock, with that first paint.
VERIFY_AFTER_MS = 300
#: The checks that read a file just opened whole (`InspectionFile.finish_checks`: its pages, every answer
#: value) wait this long: the list is painted first, and nobody has acted on it yet (the store runs them
#: before any write that comes sooner, and the case list asks for them at once if it meets a damaged value).
CHECK_LATER_MS = 50
#: A file just opened goes to the top of the recent files this long after (`remember_opened`): writing
#: the settings file (~1.5 ms) waits until the list is painted. Closing the file first writes it then.
REMEMBER_AFTER_MS = 50

KEYBOARD_HELP = """\
On a question
  1 … 9, 0        choose that option
  Left / Right    move among the options (choosing, once there is an answer)
  Space           choose the option marked
  Down / Up       next / previous question
  Enter           next question without an answer (also Ctrl+Down)
  Delete          clear the answer
  Tab             to the evidence note (Esc returns to the question)
  F1              show or hide the question's guidance

In an evidence note
  Ctrl+Z  Ctrl+Shift+Z      undo / redo typing, a word at a time

Anywhere
  Ctrl+]  Ctrl+[            next / previous criterion
  Alt+Page Down / Page Up   next / previous case (the whole sample, whatever the search shows)
  Ctrl+1  Ctrl+2            case list / case form
  Ctrl+F                    find a case (Esc clears the search)
  Ctrl+Z  Ctrl+Shift+Z      undo / redo an answer (Ctrl+Y also redoes)
  Ctrl+Shift+Enter          mark the case complete
  Ctrl+Shift+R              reopen a complete case
"""


def _text_history_has(field: QLineEdit | QPlainTextEdit, what: str) -> bool:
    """Whether a text field can undo (or redo) its typing; ours always answer, saying why not."""
    from hmip_desktop.ui.form.text_history import UndoableTextEdit

    if isinstance(field, UndoableTextEdit):
        return True
    if isinstance(field, QLineEdit):
        return field.isUndoAvailable() if what == "undo" else field.isRedoAvailable()
    document = field.document()
    return document.isUndoAvailable() if what == "undo" else document.isRedoAvailable()


class ReadOnlyBanner(QFrame):
    take_over = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("readOnlyBanner")
        tint(self, surface="notice")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        layout.addWidget(self.label, 1)
        self.take_over_button = QPushButton("Edit here instead…")
        self.take_over_button.setToolTip("Only if that copy is really closed (for example, that laptop crashed)")
        self.take_over_button.clicked.connect(self.take_over)
        layout.addWidget(self.take_over_button)
        self.hide()

    def show_reason(self, reason: str, can_take_over: bool) -> None:
        """`reason` as the session words it ("you opened it read-only", "ann.hmip is being edited by …"):
        after a colon, so it reads on from the heading whichever way it starts."""
        import html  # a read-only file only

        self.label.setText(
            f"<b>Read-only:</b> {html.escape(reason)}. You can read everything; changes are not possible."
        )
        self.take_over_button.setVisible(can_take_over)
        self.show()


class MainWindow(QMainWindow):
    file_opened = Signal(object)  # InspectionSession
    file_closed = Signal()

    def __init__(
        self, settings: QSettings, parent: QWidget | None = None, *, opening: Path | str | None = None
    ) -> None:
        """`opening`: the file about to be opened (named on the command line): the window says so
        instead of showing the start page, which is then built only if it is needed."""
        super().__init__(parent)
        self.settings = settings
        self.session: InspectionSession | None = None
        self.workspace: Workspace | None = None
        self.undo = CaseUndoStacks(self)
        self.recent = RecentFiles(settings)
        self.recent_model = RecentFilesModel(self.recent, self)
        self.new_file_dialog: NewFileDialog | None = None
        self.take_over_box: QMessageBox | None = None  # "Edit here instead?", while it is asked
        self.package_export: PackageExport | None = None  # made on first use (it loads the cipher)
        self._start_page: StartPage | None = None

        self.banner = ReadOnlyBanner()
        self.banner.take_over.connect(self.take_over)
        # A lead's file that fails `hmip verify` (model/file/verify.py) says so while it is open.
        self.verification_banner = QLabel()
        self.verification_banner.setObjectName("verificationBanner")
        self.verification_banner.setWordWrap(True)
        self.verification_banner.setContentsMargins(12, 6, 12, 6)
        tint(self.verification_banner, surface="notice")
        self.verification_banner.hide()
        self._verifying: Path | None = None
        self.verification: Job | None = None  # the latest check, for tests to wait on
        self._verify_timer = QTimer(self)
        self._verify_timer.setSingleShot(True)
        self._verify_timer.setInterval(VERIFY_AFTER_MS)
        self._verify_timer.timeout.connect(self._verify)
        self._unremembered: Path | None = None  # opened, not yet among the recent files
        self._remember_timer = QTimer(self)
        self._remember_timer.setSingleShot(True)
        self._remember_timer.setInterval(REMEMBER_AFTER_MS)
        self._remember_timer.timeout.connect(self.remember_opened)
        self.pages = QStackedWidget()
        self.opening_label = QLabel()
        self.opening_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages.addWidget(self.opening_label)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.banner)
        column.addWidget(self.verification_banner)
        column.addWidget(self.pages, 1)
        self.setCentralWidget(central)

        self.saved_label = QLabel()
        self.saved_label.setObjectName("savedLabel")
        self.statusBar().addPermanentWidget(self.saved_label)
        self._build_actions()
        self._update_title()
        self._update_actions()
        self.resize(1280, 800)
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if opening is not None:
            self.show_opening(opening)
        else:
            self.pages.setCurrentWidget(self.start_page)

    @property
    def start_page(self) -> StartPage:
        """The page with no file open (recent files, Open…, New…), built when first needed."""
        if self._start_page is None:
            from hmip_desktop.ui.start_page import StartPage

            page = StartPage(self.recent_model)
            page.open_requested.connect(self.ask_open)
            page.new_requested.connect(self.ask_new_file)
            page.recent_chosen.connect(self.open_file)
            self.pages.addWidget(page)
            self._start_page = page
        return self._start_page

    # -- menus and shortcuts ------------------------------------------------------------

    def _action(
        self,
        menu: QMenu,
        text: str,
        slot: Callable[[], object],
        shortcuts: list[QKeySequence] | QKeySequence.StandardKey | str | None = None,
        *,
        needs_file: bool = False,
        needs_edit: bool = False,
    ) -> QAction:
        # Not QAction(text, self): telling that from QAction(icon, text, self) makes PySide6 build QIcon's
        # Python class and enums (~1.3 ms), which nothing on the first screen uses.
        action = QAction(self)
        action.setText(text)
        if isinstance(shortcuts, list):
            action.setShortcuts(shortcuts)
        elif shortcuts is not None:
            action.setShortcut(QKeySequence(shortcuts))
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        if needs_edit:
            self._edit_actions.append(action)
        elif needs_file:
            self._file_actions.append(action)
        return action

    def _build_actions(self) -> None:
        self._file_actions: list[QAction] = []
        self._edit_actions: list[QAction] = []
        bar = self.menuBar()

        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&New inspection file…", self.ask_new_file, QKeySequence.StandardKey.New)
        self._action(file_menu, "&Open…", self.ask_open, QKeySequence.StandardKey.Open)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        self.import_action = self._action(
            file_menu, "&Import case sample…", self._ask_import, "Ctrl+I", needs_edit=True
        )
        self.export_action = self._action(file_menu, "&Export for lead…", self.ask_export, needs_file=True)
        self._action(
            file_menu,
            "&Close file",
            self.close_file,
            [QKeySequence("Ctrl+W"), QKeySequence("Ctrl+F4")],
            needs_file=True,
        )
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, "Ctrl+Q")

        edit_menu = bar.addMenu("&Edit")
        # Undo and Redo act on what has the focus: the text of a note being typed, else the answers
        # of the case on screen. Always enabled, so that the key says why when nothing can be undone.
        self.undo_action = self._action(edit_menu, "&Undo", self.undo_now, QKeySequence.StandardKey.Undo)
        self.redo_action = self._action(
            edit_menu, "&Redo", self.redo_now, [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")]
        )
        self.undo.group.indexChanged.connect(self._update_undo_texts)
        self.undo.group.activeStackChanged.connect(self._update_undo_texts)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._update_undo_texts)
        edit_menu.addSeparator()
        self._action(edit_menu, "&Add case…", self._ask_new_case, "Ctrl+Shift+N", needs_edit=True)
        self._action(edit_menu, "&Find case", self._find_case, QKeySequence.StandardKey.Find, needs_file=True)
        edit_menu.addSeparator()
        self._action(
            edit_menu,
            "&Mark case complete",
            self._mark_complete,
            [QKeySequence("Ctrl+Shift+Return"), QKeySequence("Ctrl+Shift+Enter")],
            needs_edit=True,
        )
        self._action(edit_menu, "&Reopen case", self._reopen, "Ctrl+Shift+R", needs_edit=True)

        view_menu = bar.addMenu("&View")
        self._action(view_menu, "Case &list", self._show_case_list, "Ctrl+1", needs_file=True)
        self._action(view_menu, "Case &form", self._show_form, "Ctrl+2", needs_file=True)
        view_menu.addSeparator()
        self._action(view_menu, "&Next case", lambda: self._step_case(1), "Alt+PgDown", needs_file=True)
        self._action(view_menu, "&Previous case", lambda: self._step_case(-1), "Alt+PgUp", needs_file=True)
        self._action(view_menu, "Next &criterion", lambda: self._step_group(1), "Ctrl+]", needs_file=True)
        self._action(view_menu, "Previous c&riterion", lambda: self._step_group(-1), "Ctrl+[", needs_file=True)
        self._action(view_menu, "Next &unanswered question", self._next_unanswered, "Ctrl+Down", needs_file=True)
        view_menu.addSeparator()
        self.show_inapplicable_action = self._action(
            view_menu, "&Show questions that do not apply", self._toggle_inapplicable, "Ctrl+Shift+H", needs_file=True
        )
        self.show_inapplicable_action.setCheckable(True)
        self.show_inapplicable_action.setChecked(bool(self.settings.value("form/showInapplicable", False, type=bool)))
        self._action(view_menu, "Re&load from disk", self.reload, QKeySequence.StandardKey.Refresh, needs_file=True)

        help_menu = bar.addMenu("&Help")
        self.guidance_action = self._action(
            help_menu, "&Guidance for this question", self.toggle_guidance, QKeySequence.StandardKey.HelpContents
        )
        self._action(help_menu, "&Keyboard shortcuts", self.show_keyboard_help, "Ctrl+/")
        self._action(help_menu, "&About HMIP Desktop", self.show_about)

    def _update_actions(self) -> None:
        has_file = self.session is not None
        editable = has_file and not self.session.read_only  # type: ignore[union-attr]
        for action in self._file_actions:
            action.setEnabled(has_file)
        for action in self._edit_actions:
            action.setEnabled(editable)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        paths = self.recent.paths()
        if not paths:
            self.recent_menu.addAction("No recent files").setEnabled(False)
        for path in paths:
            action = self.recent_menu.addAction(f"{path.name}  —  {path.parent}")
            action.triggered.connect(lambda _checked=False, p=path: self.open_file(p))

    # -- files ----------------------------------------------------------------------------

    def ask_open(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        folder = str(self.session.path.parent) if self.session else str(Path.home())
        path, _filter = QFileDialog.getOpenFileName(
            self, "Open an inspection file", folder, f"Inspection files (*{FILE_SUFFIX});;All files (*)"
        )
        if path:
            self.open_file(Path(path))

    def show_opening(self, path: Path | str) -> None:
        """Say which file is being opened (the window shows before the file is read)."""
        self.opening_label.setText(f"Opening {Path(path).name}…")
        self.pages.setCurrentWidget(self.opening_label)

    def open_or_start(self, path: Path | str, *, read_only: bool = False) -> bool:
        """Open the file; on failure (after saying why) show the start page."""
        if self.open_file(path, read_only=read_only):
            return True
        self.pages.setCurrentWidget(self.start_page)
        self.start_page.focus_default()
        return False

    def open_file(self, path: Path | str, *, read_only: bool = False) -> bool:
        """Open an inspection file in this window (read-only if someone else is editing it)."""
        # The session (with the rest of the model it needs) loads here, not at start-up: the window shows first.
        from hmip_desktop.ui.session import InspectionSession

        path = Path(path)
        if not self.close_file():
            return False
        try:
            session = InspectionSession.open(path, read_only=read_only)
        except UserError as exc:
            show_user_error(self, exc, "Open an inspection file")
            self.recent_model.reload()
            return False
        try:
            self._install_session(session)
        except UserError as exc:  # a damaged value first read by the workspace (the case list): closed again
            self.close_file()
            show_user_error(self, exc, "Open an inspection file")
            return False
        self._unremembered = session.path
        self._remember_timer.start()  # once the list is painted (REMEMBER_AFTER_MS)
        self.statusBar().showMessage(f"Opened {session.path.name}", 5000)
        return True

    def remember_opened(self) -> None:
        """Put the file opened last at the top of the recent files, if that is still to do."""
        self._remember_timer.stop()
        if self._unremembered is not None:
            path, self._unremembered = self._unremembered, None
            self.recent.remember(path)
            self.recent_model.reload()

    def _install_session(self, session: InspectionSession) -> None:
        from hmip_desktop.ui.workspace import Workspace

        self.session = session
        session.saved.connect(self._saved)
        self.workspace = Workspace(session, self.undo)
        self.workspace.setAccessibleName(f"{session.path.name}: cases and case form")
        self.workspace.message.connect(self.show_message)
        self.workspace.cases.model.unreadable.connect(lambda: self._finish_checks_soon(session))
        self.workspace.currentChanged.connect(self._restore_form_layout)
        self.workspace.cases.restore_layout(self.settings)
        self.workspace.set_show_inapplicable(self.show_inapplicable_action.isChecked())
        self.pages.addWidget(self.workspace)
        self.pages.setCurrentWidget(self.workspace)
        if session.read_only:
            self.banner.show_reason(session.read_only_reason, can_take_over=session.lock_holder is not None)
        else:
            self.banner.hide()
        self.saved_label.setText("Every change is saved as you make it" if not session.read_only else "Read-only")
        self._update_title()
        self._update_actions()
        self.workspace.cases.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if session.is_lead:
            self._verifying = session.path
            self._verify_timer.start()  # once the file is on screen (VERIFY_AFTER_MS)
        QTimer.singleShot(CHECK_LATER_MS, self, lambda: self._finish_checks(session))
        self.file_opened.emit(session)

    def _finish_checks_soon(self, session: InspectionSession) -> None:
        """The case list met a value that does not read, in a paint or a sort: check now, but from the
        event loop, as closing the file inside a paint would pull the table from under it."""
        QTimer.singleShot(0, self, lambda: self._finish_checks(session))

    def _finish_checks(self, session: InspectionSession) -> None:
        """The checks left from opening so the list shows first (its pages, every answer value): a
        damaged file is closed again with one plain message (no write reaches it first: the store
        runs them before one)."""
        if self.session is not session or not session.inspection.checks_pending:
            return  # closed (or another file opened) meanwhile, or checked already
        try:
            session.inspection.finish_checks()
        except UserError as exc:
            self.close_file()
            show_user_error(self, exc, "Open an inspection file")

    @property
    def verification_due(self) -> bool:
        """A check of the open lead's file is waiting to start (see VERIFY_AFTER_MS)."""
        return self._verify_timer.isActive()

    def _verify(self) -> None:
        """Check the lead's file as `hmip verify` does, on a worker thread (0.1-0.3 s for the demo's)."""
        path = self._verifying
        if path is None or self.session is None or self.session.path != path:
            return
        from hmip_desktop.model.file.verify import verification_warning
        from hmip_desktop.ui.workers import run_in_thread

        self.verification = run_in_thread(lambda _progress: (path, verification_warning(path)))
        self.verification.finished.connect(self._verified)
        self.verification.failed.connect(self._verification_failed)

    def _verification_failed(self, error: BaseException) -> None:
        """verification_warning turns a file's problems into a warning: anything else is a bug, for the
        app's exception hook (a dialog with details and a log entry) rather than a silent pass."""
        raise error

    def _verified(self, outcome: tuple[Path, str | None]) -> None:
        path, warning = outcome
        if warning is None or self.session is None or path != self._verifying:
            return  # passed, or another file is open by now
        import html

        self.verification_banner.setText(
            f"<b>Check failed.</b> {html.escape(warning)}. The file may have been changed outside HMIP Desktop; "
            "the command <code>hmip verify</code> lists every problem. Reports built from it say so."
        )
        self.verification_banner.show()

    def close_file(self, *, show_start_page: bool = True) -> bool:
        """Write what is pending, release the file; False if the user chose to stay.

        `show_start_page`: False when the window itself is closing (nothing is shown any more)."""
        self.remember_opened()
        if self.session is None:
            return True
        if self.workspace is not None and not self.workspace.flush() and not self._confirm_discard():
            return False
        self.save_layout()
        workspace, session = self.workspace, self.session
        self.workspace, self.session = None, None
        self.undo.clear()
        if workspace is not None:
            workspace.discard_pending()
            self.pages.removeWidget(workspace)
            workspace.deleteLater()
        session.close()
        self.banner.hide()
        self.verification_banner.hide()
        self._verify_timer.stop()
        self._verifying = None
        if show_start_page:
            self.pages.setCurrentWidget(self.start_page)
        self.saved_label.clear()
        self._update_title()
        self._update_actions()
        if show_start_page:
            self.recent_model.reload()
        self.file_closed.emit()
        return True

    def _confirm_discard(self) -> bool:
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(
            self,
            "A note was not saved",
            "The last evidence note could not be saved (see the message). Close anyway and lose it?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def ask_new_file(self) -> NewFileDialog:
        from hmip_desktop.ui.new_file_dialog import NewFileDialog

        folder = self.session.path.parent if self.session else Path.home()
        dialog = NewFileDialog(folder, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.create_file(dialog.target_path(), dialog.values()))
        self.new_file_dialog = dialog
        dialog.open()
        return dialog

    def create_file(self, path: Path, values: dict[str, str]) -> bool:
        from hmip_desktop.model.file.store import InspectionFile

        with user_errors(self, "New inspection file"):
            if not path.parent.is_dir():
                raise UserError(f"the folder {path.parent} does not exist; choose another with Browse…")
            InspectionFile.create(
                path,
                inspection_id=values["inspection_id"],
                area=values["area"],
                assessor=values["assessor"],
                role=values["role"],  # type: ignore[arg-type]
            ).close()
            return self.open_file(path)
        return False

    def reload(self) -> None:
        if self.session is not None:
            self.open_file(self.session.path, read_only=self.session.requested_read_only)

    def take_over(self) -> None:
        session = self.session
        if session is None or session.lock_holder is None:
            return
        from PySide6.QtWidgets import QMessageBox

        # The question is in the message and on the button: a message box's title is not shown on
        # every system (macOS), and "Yes" alone did not say to what.
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Edit here instead?",
            f"{session.read_only_reason}.\n\nEdit it here instead? Only do so if that copy is closed, for "
            "example because that computer crashed. Editing in two places at once can lose work.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("takeOver")
        edit_here = box.addButton("&Edit here", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: self._take_over(session) if button == edit_here else None)
        box.finished.connect(lambda _result: setattr(self, "take_over_box", None))
        self.take_over_box = box
        # open(), not exec(): no nested event loop, so autosave timers keep running.
        box.open()

    def _take_over(self, session: InspectionSession) -> None:
        if self.session is not session:
            return  # another file was opened meanwhile
        with user_errors(self):
            new_session = session.take_over()
            self.close_file()
            self._install_session(new_session)

    # -- actions ------------------------------------------------------------------------------

    def _saved(self, when: object) -> None:
        assert isinstance(when, datetime)
        self.saved_label.setText(f"Saved {when:%H:%M:%S}")

    def _ask_import(self) -> None:
        if self.workspace is not None:
            self.workspace.setCurrentWidget(self.workspace.cases)
            self.workspace.cases.ask_import()

    def ask_export(self) -> PassphraseDialog | None:
        """ "Export for lead…": the open file as an encrypted package (asks the passphrase first)."""
        from hmip_desktop.ui.export_package import PackageExport

        if self.package_export is None:
            self.package_export = PackageExport(self)
        return self.package_export.ask()

    def _ask_new_case(self) -> None:
        if self.workspace is not None:
            self.workspace.setCurrentWidget(self.workspace.cases)
            self.workspace.cases.ask_new_case()

    def _find_case(self) -> None:
        if self.workspace is not None:
            self.workspace.setCurrentWidget(self.workspace.cases)
            self.workspace.cases.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.workspace.cases.search.selectAll()

    def _mark_complete(self) -> None:
        form = self.workspace.form_built if self.workspace is not None else None
        if self.workspace is not None and form is not None and form.case_uuid is not None:
            self.workspace.setCurrentWidget(self.workspace.form_page)
            form.mark_complete()
        else:
            self.show_message("Open a case first: Enter on a case in the list opens it")

    def _reopen(self) -> None:
        form = self.workspace.form_built if self.workspace is not None else None
        if form is not None:
            form.reopen()
        else:
            self.show_message("Open a case first: Enter on a case in the list opens it")

    # -- undo and redo --------------------------------------------------------------------------

    def _focused_text(self) -> QLineEdit | QPlainTextEdit | None:
        """The editable text field with the focus, if any: undo then means its typing."""
        widget = QApplication.focusWidget()
        # Asked of Qt (`inherits`): naming QPlainTextEdit here would make its Python class at the first
        # change of focus, as the list shows, for the form's notes.
        if widget is None or not (isinstance(widget, QLineEdit) or widget.inherits("QPlainTextEdit")):
            return None
        field = cast("QLineEdit | QPlainTextEdit", widget)
        return None if field.isReadOnly() else field

    def undo_now(self) -> None:
        """Edit ▸ Undo and Ctrl+Z: the focused note's typing, else the last answer of this case."""
        field = self._focused_text()
        if field is not None:
            if _text_history_has(field, "undo"):
                field.undo()
            else:
                self.show_message("Nothing to undo in this field")
            return
        stack = self.undo.group.activeStack()
        if stack is not None and stack.canUndo():
            stack.undo()
        else:
            self.show_message(self._why_no_history("undo"))

    def redo_now(self) -> None:
        field = self._focused_text()
        if field is not None:
            if _text_history_has(field, "redo"):
                field.redo()
            else:
                self.show_message("Nothing to redo in this field")
            return
        stack = self.undo.group.activeStack()
        if stack is not None and stack.canRedo():
            stack.redo()
        else:
            self.show_message(self._why_no_history("redo"))

    def _why_no_history(self, verb: str) -> str:
        form = self.workspace.form_built if self.workspace is not None else None
        if self.session is None:
            return f"Nothing to {verb}: no file is open"
        if form is None or form.state is None:
            return f"Nothing to {verb}: undo works on the answers of the case on the form"
        reason = form.locked_reason()
        if reason:
            return f"Nothing to {verb}: {reason[0].lower()}{reason[1:]}"
        return f"Nothing to {verb} in case {form.state.case.case_ref}"

    def _update_undo_texts(self, *_args: object) -> None:
        field = self._focused_text()
        if field is not None:
            self.undo_action.setText("&Undo typing")
            self.redo_action.setText("&Redo typing")
            return
        stack = self.undo.group.activeStack()
        undo_text = stack.undoText() if stack is not None and stack.canUndo() else ""
        redo_text = stack.redoText() if stack is not None and stack.canRedo() else ""
        self.undo_action.setText(f"&Undo {undo_text}" if undo_text else "&Undo")
        self.redo_action.setText(f"&Redo {redo_text}" if redo_text else "&Redo")

    # -- layout remembered between sessions -----------------------------------------------------

    def _restore_form_layout(self, _index: int) -> None:
        """The form is built when first shown: give it the splitter the user left, once."""
        workspace = self.workspace
        form = workspace.form_built if workspace is not None else None
        if workspace is not None and form is not None:
            workspace.currentChanged.disconnect(self._restore_form_layout)
            form.restore_layout(self.settings)

    def save_layout(self) -> None:
        """The case list's columns and the form's splitter, for the next time."""
        workspace = self.workspace
        if workspace is None:
            return
        workspace.cases.save_layout(self.settings)
        form = workspace.form_built
        if form is not None:
            form.save_layout(self.settings)

    def show_message(self, text: str) -> None:
        """A short message in the status bar, also said by a screen reader."""
        from hmip_desktop.ui.accessibility import announce

        self.statusBar().showMessage(text, 8000)
        announce(self, text)

    def _show_case_list(self) -> None:
        if self.workspace is not None:
            self.workspace.show_case_list()

    def _show_form(self) -> None:
        if self.workspace is not None:
            self.workspace.show_form()

    def _step_case(self, step: int) -> None:
        if self.workspace is not None:
            self.workspace.step_case(step)

    def _step_group(self, step: int) -> None:
        if self.workspace is not None:
            self.workspace.show_form()
            self.workspace.form.step_group(step)

    def _next_unanswered(self) -> None:
        if self.workspace is not None:
            self.workspace.show_form()
            self.workspace.form.next_unanswered(self.workspace.form.current_question)

    def _toggle_inapplicable(self) -> None:
        show = self.show_inapplicable_action.isChecked()
        self.settings.setValue("form/showInapplicable", show)
        if self.workspace is not None:
            self.workspace.set_show_inapplicable(show)

    def toggle_guidance(self) -> None:
        if self.workspace is None or not self.workspace.showing_form():
            self.show_keyboard_help()
            return
        if not self.workspace.form.toggle_guidance():
            self.show_message("This question has no guidance")

    def show_keyboard_help(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts", "", QMessageBox.StandardButton.Close, self)
        box.setObjectName("keyboardHelp")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(f"<pre>{KEYBOARD_HELP}</pre>")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def show_about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(
            self,
            "About HMIP Desktop",
            f"HMIP Desktop {__version__}\n\nOffline case assessment for probation inspection fieldwork. "
            "Files stay on this computer; nothing is sent anywhere.",
        )

    # -- window ---------------------------------------------------------------------------

    def _update_title(self) -> None:
        session = self.session
        if session is None:
            self.setWindowTitle(APP_NAME)
            return
        owner = session.inspection.owner
        role = ROLE_LABELS.get(owner.role, owner.role)
        suffix = " [read-only]" if session.read_only else ""
        self.setWindowTitle(f"{session.path.name} — {owner.name} ({role}){suffix} — {APP_NAME}")

    def closeEvent(self, event: QCloseEvent) -> None:
        from hmip_desktop.ui.workers import wait_for_workers

        wait_for_workers()  # an import in progress finishes its one transaction first
        if not self.close_file(show_start_page=False):
            event.ignore()
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.sync()
        event.accept()
