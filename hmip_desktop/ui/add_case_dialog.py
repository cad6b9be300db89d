"""The Add case dialog: one case reference, checked against the rule as it is typed.

Loaded when first asked for (Edit ▸ Add case…), not with the case list it belongs to.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from hmip_desktop.model.file.rules import CASE_REF_PATTERN
from hmip_desktop.ui.colours import tint
from hmip_desktop.ui.fit import grow_to_fit

CASE_REF_RULE = (
    "A case reference is 1 to 40 letters, digits and - _ . / (no spaces), starting with a letter or "
    "digit, as on the case record. Never a name."
)


def case_ref_problem(text: str) -> str:
    """What is wrong with a case reference as typed, with the rule ("" when it is a valid one)."""
    ref = text.strip()
    if not ref:
        return "Type the case reference. " + CASE_REF_RULE
    if CASE_REF_PATTERN.match(ref):
        return ""
    refused = [c for c in dict.fromkeys(ref) if not (c.isascii() and (c.isalnum() or c in "-_./"))]
    if any(c.isspace() for c in refused):
        what = "has a space"
        refused = [c for c in refused if not c.isspace()]
        if refused:
            what += " and " + ", ".join(f"“{c}”" for c in refused)
    elif refused:
        what = "has " + ", ".join(f"“{c}”" for c in refused)
    elif len(ref) > 40:
        what = f"is {len(ref)} characters long"
    else:
        what = f"starts with “{ref[0]}”"
    return f"“{ref}” {what}. {CASE_REF_RULE}"


class AddCaseDialog(QDialog):
    """Asks for a reference; one that breaks the rule is refused with the rule, never trimmed to fit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addCaseDialog")
        self.setWindowTitle("Add a case")
        layout = QVBoxLayout(self)
        label = QLabel("Case &reference (letters, digits, - _ . /). References only, never names.")
        label.setWordWrap(True)
        layout.addWidget(label)
        self.ref = QLineEdit()
        self.ref.setPlaceholderText("e.g. KT-0042")
        self.ref.setMaxLength(80)  # long enough to show what is wrong with a pasted line
        label.setBuddy(self.ref)
        layout.addWidget(self.ref)
        self.error = QLabel()
        self.error.setObjectName("caseRefError")
        self.error.setWordWrap(True)
        tint(self.error, "problem")
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.ref.textEdited.connect(self._edited)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 56)

    def _edited(self, text: str) -> None:
        # Every start of a valid reference is valid, so a problem seen while typing is real.
        self._show_problem(case_ref_problem(text) if text.strip() else "")

    def _show_problem(self, problem: str) -> None:
        self.error.setText(problem)
        self.error.setVisible(bool(problem))
        self.ref.setAccessibleDescription(problem)
        grow_to_fit(self)

    def accept(self) -> None:
        problem = case_ref_problem(self.ref.text())
        if problem:
            self._show_problem(problem)
            self.ref.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        super().accept()

    def case_ref(self) -> str:
        return self.ref.text().strip()
