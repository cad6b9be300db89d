"""Errors in the app: expected ones get a plain message, bugs a report dialog and a log entry.

`UserError` (disk full, file read-only, not an inspection file, a bad CSV
row) is something the user can act on: a short message box says what to do.
Anything else is a bug: the global excepthook logs it with its traceback and
shows `DetailsDialog` with copyable details, and the app keeps running (every
acknowledged change is already committed to the file).
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import QApplication, QWidget

from hmip_desktop import __version__
from hmip_desktop.model.errors import UserError

if TYPE_CHECKING:
    from logging.handlers import RotatingFileHandler

    from hmip_desktop.ui.details_dialog import DetailsDialog

log = logging.getLogger("hmip_desktop.ui")

LOG_FILE_NAME = "hmip-desktop.log"
LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 3
BUG_MESSAGE = (
    "HMIP Desktop hit an unexpected problem. Your answers are safe: each one was saved to the file "
    "as you made it. You can carry on working.\n\n"
    "Please copy the details below into your report to the support team."
)


def default_log_dir() -> Path:
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location) if location else Path.home() / ".hmip-desktop"


class LogFile(logging.Handler):
    """The app's log: a file of at most LOG_MAX_BYTES with LOG_BACKUPS older ones beside it.

    The writing is `logging.handlers.RotatingFileHandler`'s, made with the first record: that
    module imports socket, pickle and queue (~9 ms), which the app's start does without, as
    most runs log nothing at all.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.baseFilename = str(path)  # the name logging.FileHandler gives it
        self._file: RotatingFileHandler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self._file is None:
            from logging.handlers import RotatingFileHandler

            self._file = RotatingFileHandler(
                self.baseFilename, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
            )
            self._file.setFormatter(self.formatter)
        self._file.emit(record)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


def setup_logging(log_dir: Path | None = None) -> Path:
    """Log warnings and errors to a small rotating file in the app's data folder."""
    folder = log_dir or default_log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE_NAME
    root = logging.getLogger("hmip_desktop")
    if not any(isinstance(h, LogFile) and Path(h.baseFilename) == path for h in root.handlers):
        path.touch()  # there from the start, where support looks for it (and a folder we cannot write fails now)
        handler = LogFile(path)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def quoted_commands(text: str) -> str:
    """A core message's commands (written `hmip aggregate`, as Markdown marks code) in quotation marks,
    for the app, which shows text as it is: “hmip aggregate”. Unpaired backticks are left alone."""
    parts = text.split("`")
    if len(parts) < 3 or len(parts) % 2 == 0:
        return text
    return "".join(f"“{part}”" if index % 2 else part for index, part in enumerate(parts))


def as_sentence(message: str) -> str:
    """A message from the core, written for the command line's "error: …" line (most start in lower
    case and end without a full stop), as a sentence for a dialog. The first word is capitalised only
    when it is a plain word: a file name that starts a message (notes.hmip) keeps its own case; a
    command it names is in quotation marks (`quoted_commands`)."""
    message = quoted_commands(message)
    first = message.split(" ", 1)[0]
    if first.isalpha() and first.islower():
        message = message[0].upper() + message[1:]
    if message and message[-1] not in ".!?…":
        message += "."
    return message


def show_user_error(parent: QWidget | None, exc: UserError, title: str = "HMIP Desktop") -> QWidget:
    """A plain message for an expected problem; details (bad rows) go in a copyable list."""
    from PySide6.QtWidgets import QMessageBox  # with the first message, not at start-up

    from hmip_desktop.ui.details_dialog import DetailsDialog

    log.info("user error: %s", exc.message)
    message = as_sentence(exc.message)
    if exc.details:
        dialog: QWidget = DetailsDialog(title, message, "\n".join(exc.details), parent, object_name="userError")
        dialog.show()
        return dialog
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("userError")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    # open(), not exec(): no nested event loop, so autosave timers keep running.
    box.open()
    return box


@contextmanager
def user_errors(parent: QWidget | None, title: str = "HMIP Desktop") -> Iterator[None]:
    """Show a UserError raised in the block as a plain message; let bugs reach the excepthook."""
    try:
        yield
    except UserError as exc:
        show_user_error(parent, exc, title)


def describe_exception(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    import platform  # only a bug report needs it

    lines = traceback.format_exception(exc_type, exc, tb)
    header = (
        f"HMIP Desktop {__version__}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, thread {threading.current_thread().name}\n"
    )
    return header + "".join(lines)


class ExceptionReporter(QObject):
    """The app's excepthook: log every uncaught exception, show it, keep running."""

    #: Carries reports from worker threads to the GUI thread (queued by Qt).
    reported = Signal(str)

    def __init__(self, parent_window: Callable[[], QWidget | None] = lambda: None) -> None:
        super().__init__()
        self._parent_window = parent_window
        self.dialog: DetailsDialog | None = None
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        self.reported.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        sys.excepthook = self.excepthook
        threading.excepthook = self._thread_hook

    def uninstall(self) -> None:
        sys.excepthook = self._previous_hook
        threading.excepthook = self._previous_thread_hook

    def excepthook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        if isinstance(exc, UserError):
            # An expected problem that a code path forgot to catch: still only a plain message.
            show_user_error(self._parent_window(), exc)
            return
        details = describe_exception(exc_type, exc, tb)
        log.error("unexpected error\n%s", details)
        if sys.__stderr__ is not None:
            sys.__stderr__.write(details)  # also where a developer running from a terminal looks
        self.reported.emit(details)

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self.excepthook(args.exc_type, args.exc_value, args.exc_traceback)

    def _show(self, details: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            # One dialog for a burst of errors, not a stack of windows.
            self.dialog.append(details)
            return
        from hmip_desktop.ui.details_dialog import DetailsDialog

        self.dialog = DetailsDialog(
            "Unexpected problem", BUG_MESSAGE, details, self._parent_window(), object_name="bugReport"
        )
        self.dialog.finished.connect(self._forget_dialog)
        self.dialog.show()

    def _forget_dialog(self) -> None:
        self.dialog = None
