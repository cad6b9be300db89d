"""The process's one QApplication, named so that settings and logs land in the app's own place.

Shared by the app's start (ui/app.py) and the installation self-test (ui/self_test.py).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from PySide6.QtWidgets import QApplication

from hmip_desktop import __version__
from hmip_desktop.ui.main_window import APP_NAME

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
    from hmip_desktop.ui.style import app_style

    style = app_style(app.style().name())
    if style is not None:
        app.setStyle(style)
    return app
