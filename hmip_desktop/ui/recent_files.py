"""Recently opened inspection files: paths only, kept in QSettings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, QSettings, Qt
from PySide6.QtGui import QBrush

from hmip_desktop.ui.colours import colours_for

RECENT_KEY = "recentFiles"
MAX_RECENT = 10
PATH_ROLE = Qt.ItemDataRole.UserRole + 1

ModelIndex = QModelIndex | QPersistentModelIndex


class RecentFiles:
    """The list in the settings, most recent first. No names of cases or people: paths only."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def paths(self) -> list[Path]:
        raw = self.settings.value(RECENT_KEY, [])
        if isinstance(raw, str):  # QSettings gives a single-item list back as a string
            raw = [raw]
        if not isinstance(raw, list):
            return []
        return [Path(str(p)) for p in raw if str(p)][:MAX_RECENT]

    def remember(self, path: Path) -> list[Path]:
        path = path.resolve()
        paths = [path, *(p for p in self.paths() if p != path)][:MAX_RECENT]
        self._store(paths)
        return paths

    def forget(self, path: Path) -> list[Path]:
        paths = [p for p in self.paths() if p != path]
        self._store(paths)
        return paths

    def _store(self, paths: list[Path]) -> None:
        self.settings.setValue(RECENT_KEY, [str(p) for p in paths])
        self.settings.sync()


class RecentFilesModel(QAbstractListModel):
    def __init__(self, recent: RecentFiles, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.recent = recent
        self._paths: list[Path] = []
        self._exists: list[bool] = []
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._paths = self.recent.paths()
        self._exists = [p.exists() for p in self._paths]
        self.endResetModel()

    def path_at(self, row: int) -> Path:
        return self._paths[row]

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._paths)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._paths):
            return None
        path, exists = self._paths[index.row()], self._exists[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            where = str(path.parent)
            return f"{path.name}    {where}" if exists else f"{path.name}    {where}  (not found)"
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(path) if exists else f"{path} cannot be found (moved, renamed, or on a drive not connected)"
        if role == Qt.ItemDataRole.ForegroundRole and not exists:
            return QBrush(colours_for().muted)
        if role == PATH_ROLE:
            return str(path)
        return None
