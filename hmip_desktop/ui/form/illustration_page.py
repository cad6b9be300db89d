"""The practice illustration of a case: a flag and a short narrative for the lead's report."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from hmip_desktop.model.file.records import CaseRecord
from hmip_desktop.ui.form.text_history import UndoableTextEdit

EXPLANATION = (
    "Flag this case when its work is worth describing in the report, as good practice or as a "
    "lesson. Write a few sentences the lead inspector can use: what was done and why it mattered. "
    "Use the case reference only; never names."
)


class IllustrationPage(QWidget):
    changed = Signal(bool, str)  # flagged, narrative (after each edit)
    toggled = Signal(bool, str)  # the flag changed: write at once
    explained = Signal(str)  # why typing did nothing, or what an undo did

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("section:illustration")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 20)
        layout.setSpacing(10)
        title = QLabel("Practice illustration")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.45)
        font.setWeight(QFont.Weight.DemiBold)
        title.setFont(font)
        layout.addWidget(title)
        explanation = QLabel(EXPLANATION)
        explanation.setWordWrap(True)
        layout.addWidget(explanation)
        self.flag = QCheckBox("Use this case as a practice illustration")
        self.flag.toggled.connect(self._flag_toggled)
        layout.addWidget(self.flag)
        self.narrative = UndoableTextEdit()
        self.narrative.noun = "narrative"
        self.narrative.setAccessibleName("Practice illustration narrative")
        self.narrative.setPlaceholderText("What was done, and why it is worth describing")
        self.narrative.setTabChangesFocus(True)
        self.narrative.textChanged.connect(self._edited)
        self.narrative.refused.connect(self.explained)
        self.narrative.undone.connect(self.explained)
        layout.addWidget(self.narrative, 1)
        self._case: str | None = None

    def bind(self, case: CaseRecord, read_only: bool, locked_reason: str = "") -> None:
        self.flag.blockSignals(True)
        self.flag.setChecked(case.illustration)
        self.flag.blockSignals(False)
        if self._case != case.uuid or self.narrative.toPlainText() != case.illustration_text:
            self.narrative.set_text(case.illustration_text)
        self._case = case.uuid
        self.flag.setEnabled(not read_only)
        self.narrative.setReadOnly(read_only)
        self.narrative.read_only_reason = locked_reason

    def focus_first(self) -> None:
        self.flag.setFocus(Qt.FocusReason.OtherFocusReason)

    def _flag_toggled(self, flagged: bool) -> None:
        self.toggled.emit(flagged, self.narrative.toPlainText())

    def _edited(self) -> None:
        self.changed.emit(self.flag.isChecked(), self.narrative.toPlainText())
