"""Entry point of the `hmip-desktop` GUI script (and `python -m hmip_desktop`)."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

# The Qt-free part of the model that opening a file needs (SQLite, the instrument), imported before
# PySide6: PySide6 reads the source file of every module imported after it (to see whether it asks
# for `__feature__`), ~40 files a start that an installed app would otherwise never open.
import hmip_desktop.model.file.store
import hmip_desktop.model.instrument.relevance  # noqa: F401

# isort: split
from PySide6.QtCore import QSettings, QTimer

from hmip_desktop import __version__

if TYPE_CHECKING:
    from PySide6.QtCore import QSocketNotifier
    from PySide6.QtWidgets import QApplication

    from hmip_desktop.ui.errors import ExceptionReporter
    from hmip_desktop.ui.main_window import MainWindow

#: How long after the file opens (or the start page shows) what starting made is handed back to
#: Python's cycle collector, in ms (see `launch`): the first screen is painted by then.
COLLECT_AFTER_MS = 50

#: The wake-up pipe of close_on_signals (its ends stay open while the app runs).
_signal_pipe: list[int] = []


#: The options `parse_args` reads without argparse (each a flag stored as True).
PLAIN_FLAGS = {"--read-only": "read_only", "--self-test": "self_test"}


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line: [FILE] [--read-only] [--self-test] [--version] [-h], Qt's own options passed by.

    The usual lines (a file, those two flags) are read directly: the first use of argparse looks its
    texts up for translation (gettext, locale: ~3 ms of every start). Anything else (help, version,
    an abbreviation, Qt's options, a mistake) goes to argparse, which reads the usual lines the same.
    """
    if all(arg in PLAIN_FLAGS or not arg.startswith("-") for arg in argv):
        files = [arg for arg in argv if arg not in PLAIN_FLAGS]
        if len(files) <= 1:
            flags = {name: name_flag in argv for name_flag, name in PLAIN_FLAGS.items()}
            return argparse.Namespace(file=Path(files[0]) if files else None, **flags)
    return argparse_args(argv)


def argparse_args(argv: Sequence[str]) -> argparse.Namespace:
    """`parse_args` by argparse, for every command line."""
    parser = argparse.ArgumentParser(prog="hmip-desktop", description="HMIP Desktop: case assessment.")
    parser.add_argument("file", nargs="?", type=Path, help="an inspection file (.hmip) to open")
    parser.add_argument("--read-only", action="store_true", help="open the file without changing it")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation headless (a whole inspection in a temporary folder)",
    )
    parser.add_argument("--version", action="version", version=f"hmip-desktop {__version__}")
    # Qt's own options (-platform, -style …) are left for QApplication.
    args, _qt_options = parser.parse_known_args(list(argv))
    return args


def launch(
    argv: Sequence[str] | None = None,
    *,
    settings: QSettings | None = None,
    log_dir: Path | None = None,
) -> tuple[QApplication, MainWindow, ExceptionReporter]:
    """Create the app, show its window, and open the file named on the command line.

    The window is painted first; the file (its instrument, its cases) follows from the event loop.

    Python's cycle collector is off while the app starts: starting makes some 15,000 objects that
    live as long as the app, and the collector would walk them again and again on the way (~30
    passes, ~5 ms of a start). Once the file is open (or the start page shown) they are frozen
    (`gc.freeze`, so the collector's frequent passes skip them) and the collector is on again;
    COLLECT_AFTER_MS later they join its oldest generation, as if collected all along.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(arguments)
    collecting = gc.isenabled()
    gc.disable()
    try:
        # Imported here, so that the collector is off while they load as well.
        from hmip_desktop.ui.application import application
        from hmip_desktop.ui.errors import ExceptionReporter, setup_logging
        from hmip_desktop.ui.main_window import MainWindow

        app = application(arguments)
        setup_logging(log_dir)
        window = MainWindow(settings if settings is not None else QSettings(), opening=args.file)
        reporter = ExceptionReporter(lambda: window)
        reporter.install()
        window.show()
        app.processEvents()  # paint the window before the file is read
    except BaseException:
        if collecting:
            gc.enable()
        raise

    def finish_starting() -> None:
        try:
            if args.file is not None:
                window.open_or_start(args.file, read_only=args.read_only)
            else:
                window.start_page.focus_default()
        finally:
            if collecting:  # whatever happened
                gc.freeze()
                gc.enable()
                QTimer.singleShot(COLLECT_AFTER_MS, gc.unfreeze)
                app.aboutToQuit.connect(gc.unfreeze)  # quitting sooner: the exit collects them as before

    QTimer.singleShot(0, finish_starting)
    return app, window, reporter


def close_on_signals(app: QApplication, window: MainWindow) -> QSocketNotifier | None:
    """SIGTERM and Ctrl+C close the window the normal way, so a pending note is written first.

    Python writes a byte to a pipe when a signal comes (a pipe: socket costs ~3 ms to import), and
    Qt's event loop wakes up to read it."""
    import signal

    from PySide6.QtCore import QSocketNotifier

    if not hasattr(signal, "SIGTERM") or sys.platform == "win32":
        return None
    reader, writer = os.pipe()
    os.set_blocking(reader, False)
    os.set_blocking(writer, False)
    signal.set_wakeup_fd(writer)
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_args: None)  # the wake-up byte does the work
    notifier = QSocketNotifier(reader, QSocketNotifier.Type.Read, app)

    def woken() -> None:
        try:
            os.read(reader, 64)
        except BlockingIOError:
            return
        window.close()
        app.quit()

    notifier.activated.connect(woken)
    _signal_pipe.extend((reader, writer))
    return notifier


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if parse_args(arguments).self_test:
        from hmip_desktop.ui import self_test  # only when asked: it loads the whole model

        return self_test.main([a for a in arguments if a != "--self-test"])
    app, window, _reporter = launch(arguments)
    _notifier = close_on_signals(app, window)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
