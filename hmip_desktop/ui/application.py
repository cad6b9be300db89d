"""The process's one QApplication, named so that settings and logs land in the app's own place.

Shared by the app's start (ui/app.py) and the installation self-test (ui/self_test.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from hmip_desktop import __version__
from hmip_desktop.ui.colours import is_dark
from hmip_desktop.ui.main_window import APP_NAME

if TYPE_CHECKING:
    from PySide6.QtGui import QPalette

ORGANISATION = "HMIP"


def application(argv: Sequence[str]) -> QApplication:
    existing = QApplication.instance()
    if existing is not None:
        assert isinstance(existing, QApplication)
        return existing
    app = QApplication([sys.argv[0] if sys.argv else "hmip-desktop", *argv])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    follow_dark_palette(app)
    return app


def follow_dark_palette(app: QApplication) -> Callable[[QPalette], None]:
    """On Fusion, the choice indicators drawn readable (`ui.style`) while the palette is dark, and
    Fusion as it is while it is light, followed as the palette changes (the desktop going dark);
    another style is left as it is. Returns the slot connected to the palette's changes.

    The redrawing puts Python in every paint and costs ~15 ms of a start (PySide6 builds QStyle's
    enums as the first primitive reaches it), which a light palette does without; even asking the
    style's name makes QStyle's Python class (~4 ms), so a light start does not ask."""
    redrawn = False

    def follow(palette: QPalette) -> None:
        nonlocal redrawn
        dark = is_dark(palette)
        if dark == redrawn or (dark and app.style().name().lower() != "fusion"):
            return
        redrawn = dark
        from PySide6.QtWidgets import QStyleFactory

        from hmip_desktop.ui.style import ReadableIndicators

        fusion = QStyleFactory.create("Fusion")
        app.setStyle(ReadableIndicators(fusion) if redrawn else fusion)

    follow(app.palette())
    # Deprecated in Qt 6 in favour of the ApplicationPaletteChange event, but an event filter would put
    # Python in every event the app gets; the signal costs nothing until the palette changes.
    app.paletteChanged.connect(follow)
    return follow
