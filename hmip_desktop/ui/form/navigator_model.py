"""The form's navigator: sections, and in each the criteria with "answered of relevant" counts."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QFont

from hmip_desktop.ui.colours import colours_for
from hmip_desktop.ui.form.layout import ILLUSTRATION_KEY, ILLUSTRATION_TITLE, FormGroup, FormLayout

KEY_ROLE = Qt.ItemDataRole.UserRole + 1

TITLE, COUNT = 0, 1
_TOP = 0  # internal id of top-level rows; children carry their section row + 1

ModelIndex = QModelIndex | QPersistentModelIndex


class NavigatorModel(QAbstractItemModel):
    def __init__(self, layout: FormLayout, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.layout = layout
        self._section_groups: dict[str, tuple[FormGroup, ...]] = {}
        #: Sections, then the practice-illustration page (no groups, no count). A section that is
        #: one group of its own name (case details) shows no child row; its group maps to it.
        self._sections: list[tuple[str, str, tuple[FormGroup, ...]]] = []
        self._alias: dict[str, str] = {}
        for section in layout.sections:
            groups = section.groups
            if len(groups) == 1 and groups[0].title == section.title:
                self._alias[groups[0].key] = section.key
                self._sections.append((section.key, section.title, ()))
                self._section_groups[section.key] = groups
            else:
                self._sections.append((section.key, section.title, groups))
                self._section_groups[section.key] = groups
        self._sections.append((ILLUSTRATION_KEY, ILLUSTRATION_TITLE, ()))
        self._counts: dict[str, tuple[int, int]] = {}
        self._section_counts: dict[str, tuple[int, int]] = {}
        self._bold = QFont()
        self._bold.setBold(True)

    # -- counts ------------------------------------------------------------------------

    def set_counts(self, counts: dict[str, tuple[int, int]]) -> None:
        """New (answered, relevant) per group; only changed rows are signalled."""
        old_counts, self._counts = self._counts, dict(counts)
        old_sections = self._section_counts
        self._section_counts = {}
        for key, groups in self._section_groups.items():
            pairs = [self._counts.get(g.key, (0, 0)) for g in groups]
            self._section_counts[key] = (sum(a for a, _ in pairs), sum(r for _, r in pairs))
        roles = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole]
        for section_row, (key, _title, groups) in enumerate(self._sections):
            if self._section_counts.get(key) != old_sections.get(key):
                self.dataChanged.emit(self.index(section_row, TITLE), self.index(section_row, COUNT), roles)
            changed = [i for i, g in enumerate(groups) if self._counts.get(g.key) != old_counts.get(g.key)]
            if changed:
                # One signal per section: the view repaints a block instead of row by row.
                parent = self.index(section_row, TITLE)
                self.dataChanged.emit(
                    self.index(min(changed), TITLE, parent), self.index(max(changed), COUNT, parent), roles
                )

    def count(self, key: str) -> tuple[int, int] | None:
        return self._counts.get(key) or self._section_counts.get(key)

    # -- look-ups ---------------------------------------------------------------------

    def index_of(self, key: str) -> QModelIndex:
        key = self._alias.get(key, key)
        for section_row, (section_key, _title, groups) in enumerate(self._sections):
            if section_key == key:
                return self.index(section_row, TITLE)
            for group_row, group in enumerate(groups):
                if group.key == key:
                    return self.index(group_row, TITLE, self.index(section_row, TITLE))
        return QModelIndex()

    # -- Qt model interface -----------------------------------------------------------

    def index(self, row: int, column: int, parent: ModelIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, _TOP)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: ModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == _TOP:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, TITLE, _TOP)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._sections)
        if parent.internalId() == _TOP and parent.column() == TITLE:
            return len(self._sections[parent.row()][2])
        return 0

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 2

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == _TOP:
            key, title, _groups = self._sections[index.row()]
            count = self._section_counts.get(key)
            is_section = True
        else:
            group = self._sections[index.internalId() - 1][2][index.row()]
            key, title, count, is_section = group.key, group.title, self._counts.get(group.key), False
        column = index.column()
        if role == KEY_ROLE:
            return key
        if role == Qt.ItemDataRole.DisplayRole:
            if column == TITLE:
                return title
            if count is None:
                return ""
            answered, applying = count
            return f"{answered}/{applying}" if applying else "–"
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            if count is None:
                return title
            answered, applying = count
            if not applying:
                return f"{title}: no question here applies to this case"
            return f"{title}: {answered} of the {applying} questions that apply are answered"
        if role == Qt.ItemDataRole.ForegroundRole and count is not None:
            answered, applying = count
            if not applying:
                return QBrush(colours_for().muted)
            if answered == applying and column == COUNT:
                return QBrush(colours_for().done)
        if role == Qt.ItemDataRole.FontRole and is_section:
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and column == COUNT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
