"""What the window shows with no file open: recent files, Open…, New inspection file…"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QListView, QPushButton, QVBoxLayout, QWidget

from hmip_desktop.ui.colours import tint
from hmip_desktop.ui.recent_files import RecentFilesModel


class StartPage(QWidget):
    open_requested = Signal()
    new_requested = Signal()
    recent_chosen = Signal(object)  # Path

    def __init__(self, recent_model: RecentFilesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startPage")
        self.recent_model = recent_model
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        column = QVBoxLayout()
        column.setSpacing(12)
        column.addStretch(1)

        title = QLabel("HMIP Desktop")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 2.2)
        font.setWeight(QFont.Weight.DemiBold)
        title.setFont(font)
        column.addWidget(title)
        subtitle = QLabel(
            "Case assessment for the Inspection of Adult Offending Work.\n"
            "Everything you record is saved as you go, on this computer only."
        )
        subtitle.setWordWrap(True)
        tint(subtitle, "muted")
        column.addWidget(subtitle)

        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open inspection file…")
        self.open_button.setToolTip("Ctrl+O")
        self.open_button.clicked.connect(self.open_requested)
        self.new_button = QPushButton("New inspection file…")
        self.new_button.setToolTip("Ctrl+N")
        self.new_button.clicked.connect(self.new_requested)
        for button in (self.open_button, self.new_button):
            button.setMinimumHeight(34)
            buttons.addWidget(button)
        buttons.addStretch(1)
        column.addSpacing(8)
        column.addLayout(buttons)

        column.addSpacing(12)
        recent_title = QLabel("Recent files")
        recent_font = QFont(recent_title.font())
        recent_font.setWeight(QFont.Weight.DemiBold)
        recent_title.setFont(recent_font)
        column.addWidget(recent_title)
        self.recent = QListView()
        self.recent.setObjectName("recentFiles")
        self.recent.setAccessibleName("Recent files")
        self.recent.setModel(recent_model)
        self.recent.setFrameShape(QFrame.Shape.StyledPanel)
        self.recent.setMinimumHeight(200)
        self.recent.setSpacing(5)
        self.recent.activated.connect(self._chosen)
        column.addWidget(self.recent)
        self.no_recent = QLabel("No recent files yet. Open the file the lead inspector gave you, or make a new one.")
        self.no_recent.setWordWrap(True)
        tint(self.no_recent, "muted")
        column.addWidget(self.no_recent)
        column.addStretch(2)

        holder = QWidget()
        holder.setLayout(column)
        holder.setMinimumWidth(560)
        holder.setMaximumWidth(720)
        outer.addWidget(holder, 3)
        outer.addStretch(1)
        recent_model.modelReset.connect(self._update_empty)
        self._update_empty()

    def _update_empty(self) -> None:
        empty = self.recent_model.rowCount() == 0
        self.recent.setVisible(not empty)
        self.no_recent.setVisible(empty)

    def _chosen(self, index: QModelIndex | QPersistentModelIndex) -> None:
        if index.isValid():
            self.recent_chosen.emit(Path(self.recent_model.path_at(index.row())))

    def focus_default(self) -> None:
        if self.recent_model.rowCount():
            self.recent.setCurrentIndex(self.recent_model.index(0))
            self.recent.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.open_button.setFocus(Qt.FocusReason.OtherFocusReason)
