"""Team files dropped on the window: which dropped paths the lead's import takes.

Kept apart from the import panel so the lead's window can accept drops
without loading the merge and the cipher until a file is imported.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent

#: store.FILE_SUFFIX and package.PACKAGE_SUFFIX, written out so the cipher is not loaded for them
#: (tests/test_ui_lead_models.py checks they agree).
TEAM_FILE_SUFFIXES = (".hmip", ".hmipx")


def is_team_file(path: Path) -> bool:
    return path.suffix.lower() in TEAM_FILE_SUFFIXES


def dropped_team_files(event: QDragEnterEvent | QDropEvent) -> list[Path]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [path for path in paths if is_team_file(path)]


class TeamFileDropFilter(QObject):
    """Accepts .hmip/.hmipx files dropped anywhere on a window (installed as an event filter)."""

    files_dropped = Signal(list)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.DragEnter, QEvent.Type.DragMove) and isinstance(
            event, (QDragEnterEvent, QDropEvent)
        ):
            if dropped_team_files(event):
                event.acceptProposedAction()
                return True
        elif event.type() == QEvent.Type.Drop and isinstance(event, QDropEvent):
            paths = dropped_team_files(event)
            if paths:
                event.acceptProposedAction()
                self.files_dropped.emit(paths)
                return True
        return super().eventFilter(watched, event)
