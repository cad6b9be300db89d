""" "New inspection file…": where to save it, the inspection, and who the assessor is."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hmip_desktop.ui.roles import ROLE_LABELS

FILE_SUFFIX = ".hmip"


class NewFileDialog(QDialog):
    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newFileDialog")
        self.setWindowTitle("New inspection file")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "One file per assessor. It holds your judgements for this inspection; the lead inspector "
            "merges the team's files at the end of fieldwork."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.inspection_id = QLineEdit()
        self.inspection_id.setPlaceholderText("e.g. KENT-2014")
        form.addRow("&Inspection id", self.inspection_id)
        self.area = QLineEdit()
        self.area.setPlaceholderText("e.g. Kent")
        form.addRow("&Area", self.area)
        self.assessor = QLineEdit()
        self.assessor.setPlaceholderText("Your name, as the team knows you")
        form.addRow("Assessor &name", self.assessor)
        self.role = QComboBox()
        for role, label in ROLE_LABELS.items():
            self.role.addItem(label, role)
        form.addRow("&Role", self.role)
        where = QHBoxLayout()
        self.path = QLineEdit(str(folder))
        self.path.setAccessibleName("Save in (a folder, or a file ending .hmip)")
        where.addWidget(self.path, 1)
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self._browse)
        where.addWidget(browse)
        # A layout as the field: the label needs its buddy named, or "&" shows as written. Alt+V,
        # as Alt+I already goes to the inspection id.
        where_label = QLabel("Sa&ve in")
        where_label.setBuddy(self.path)
        form.addRow(where_label, where)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for field in (self.inspection_id, self.area, self.assessor, self.path):
            field.textChanged.connect(self._update_ok)
        self._update_ok()

    def _update_ok(self) -> None:
        filled = all(f.text().strip() for f in (self.inspection_id, self.area, self.assessor, self.path))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(filled)

    def _browse(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(
            self, "Save the inspection file as", str(self.target_path()), f"Inspection files (*{FILE_SUFFIX})"
        )
        if chosen:
            self.path.setText(chosen)

    def target_path(self) -> Path:
        """The file to create: a folder gets a name made from the inspection id and assessor."""
        raw = Path(self.path.text().strip()).expanduser()
        if raw.suffix == FILE_SUFFIX:
            return raw
        stem = "-".join(part for part in (self.inspection_id.text().strip(), self.assessor.text().strip()) if part)
        safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in stem).strip("-") or "inspection"
        return raw / f"{safe.lower()}{FILE_SUFFIX}"

    def values(self) -> dict[str, str]:
        return {
            "inspection_id": self.inspection_id.text().strip(),
            "area": self.area.text().strip(),
            "assessor": self.assessor.text().strip(),
            "role": str(self.role.currentData()),
        }
