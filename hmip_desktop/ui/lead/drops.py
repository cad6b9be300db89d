"""Team files dropped on the window: which dropped paths the lead's import takes.

Kept apart from the import panel so the lead's window can accept drops
without loading the merge and the cipher until a file is imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    # Imported by `take` when the first drag comes: making QEvent's Python class makes its enums (~2 ms),
    # which the file's first paint does without.
    from PySide6.QtCore import QEvent
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


class TeamFileDrops(QObject):
    """Takes .hmip/.hmipx files dropped anywhere on the lead's workspace.

    The workspace hands it its drag and drop events (`take`) from its own handlers: Qt gives a drag
    to the innermost widget that accepts drops, and none of the workspace's children do. (An event
    filter would see every event of the workspace instead, and have PySide6 wrap each one in Python
    from the window's first paint on.)
    """

    files_dropped = Signal(list)

    def take(self, event: QEvent) -> bool:
        """Accept a drag of team files, or import a drop of them; False: not ours, for Qt to handle."""
        from PySide6.QtCore import QEvent
        from PySide6.QtGui import QDragEnterEvent, QDropEvent

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
        return False
