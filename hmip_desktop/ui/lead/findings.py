"""The findings editor: the lead's narrative and the practice illustrations for the report.

Every text is saved to the lead's file through the session
(`InspectionSession.set_finding`; the store audits each change) shortly after
typing stops, when another section is chosen, and when the editor loses
focus; no Save button is needed, and the window's "Saved" label follows each
save. Texts written elsewhere (an import) come back through the session's
changes. The field names are the report's (`report.findings_fields`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.report import findings_fields as ff
from hmip_desktop.ui.colours import tint
from hmip_desktop.ui.errors import show_user_error
from hmip_desktop.ui.lead.findings_models import (
    FindingsFieldsModel,
    IllustrationRow,
    IllustrationsModel,
    field_label,
    illustration_rows,
    illustrations_json,
)
from hmip_desktop.ui.session import Changes, InspectionSession

#: Typing pauses this long before a text is saved (and audited) — one entry per pause, not per key.
AUTOSAVE_MS = 700


def team_text(inspection: InspectionFile) -> str:
    """'Role: Name' lines from the file's assessors (the merge adds each assessor it imports)."""
    from hmip_desktop.report.sentences import ROLE_TITLES

    order = {role: n for n, role in enumerate(ROLE_TITLES)}
    people = sorted(inspection.assessors(), key=lambda a: (order.get(a.role, len(order)), a.name))
    singular = {"lead": "Lead inspector", "inspector": "Inspector", "local-assessor": "Local assessor"}
    return "\n".join(f"{singular.get(a.role, a.role)}: {a.name}" for a in people)


class _Autosaver:
    """Debounces saves of one text; `flush()` saves now if anything is pending."""

    def __init__(self, parent: QWidget, save: Callable[[], None]) -> None:
        self.timer = QTimer(parent)
        self.timer.setSingleShot(True)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(save)
        self._save = save

    def touch(self) -> None:
        self.timer.start()

    def flush(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self._save()

    def discard(self) -> None:
        self.timer.stop()


class NarrativeEditor(QWidget):
    saved = Signal(str)  # field name

    def __init__(self, session: InspectionSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.inspection = inspection = session.inspection
        self.model = FindingsFieldsModel(inspection.instrument, inspection.findings(), self)
        self.current: str | None = None
        self._loading = False
        self.autosave = _Autosaver(self, self.save_current)

        self.fields_view = QTableView()
        self.fields_view.setObjectName("findingsFields")
        self.fields_view.setAccessibleName("Findings to write")
        self.fields_view.setModel(self.model)
        self.fields_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.fields_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.fields_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.fields_view.verticalHeader().hide()
        self.fields_view.verticalHeader().setDefaultSectionSize(24)
        self.fields_view.setShowGrid(False)
        self.fields_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.fields_view.setColumnWidth(1, 64)
        self.fields_view.selectionModel().currentRowChanged.connect(self._field_chosen)

        self.title = QLabel()
        self.title.setObjectName("findingTitle")
        self.description = QLabel()
        self.description.setWordWrap(True)
        tint(self.description, "muted")
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("findingEditor")
        self.editor.setAccessibleName("Text of the finding")
        self.editor.textChanged.connect(self._edited)
        self.editor.installEventFilter(self)
        self.fill_team = QPushButton("Fill from the &team's files")
        self.fill_team.setObjectName("fillTeam")
        self.fill_team.setToolTip("One 'Role: Name' line per assessor whose file was imported")
        self.fill_team.clicked.connect(self._fill_team)
        self.status = QLabel("")
        self.status.setObjectName("findingsStatus")
        hint = QLabel("Paragraphs separated by a blank line; '- ' bullets; '1. ' numbered items; **bold**.")
        hint.setWordWrap(True)
        tint(hint, "muted")

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 0, 0, 0)
        right_layout.addWidget(self.title)
        right_layout.addWidget(self.description)
        right_layout.addWidget(self.editor, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(hint, 1)
        bottom.addWidget(self.fill_team)
        bottom.addWidget(self.status)
        right_layout.addLayout(bottom)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.fields_view)
        split.addWidget(right)
        split.setSizes([380, 800])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.fields_view.selectRow(0)

    def select_field(self, name: str) -> None:
        self.fields_view.selectRow(self.model.row_of(name))

    def _field_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.autosave.flush()
        if not current.isValid():
            return
        field = self.model.field(current.row())
        self.current = field.name
        self._loading = True
        try:
            self.editor.setPlainText(self.model.texts.get(field.name, ""))
        finally:
            self._loading = False
        self.title.setText(f"<b>{field_label(self.inspection.instrument, field.name).strip()}</b>")
        self.description.setText(field.description[:1].upper() + field.description[1:])
        self.fill_team.setVisible(field.name == ff.TEAM)

    def _edited(self) -> None:
        if self._loading or self.current is None:
            return
        self.status.setText("Editing…")
        self.autosave.touch()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.editor and event.type() == QEvent.Type.FocusOut:
            self.autosave.flush()
        return super().eventFilter(watched, event)

    def save_current(self) -> None:
        if self.current is None:
            return
        name, text = self.current, self.editor.toPlainText()
        if self.model.texts.get(name, "") == text:
            self.status.setText("")
            return
        try:
            self.session.set_finding(name, text)  # its changes update the word count
        except UserError as exc:
            self.status.setText("Not saved")
            show_user_error(self, exc)
            return
        self.status.setText(f"Saved {datetime.now():%H:%M:%S}")
        self.saved.emit(name)

    def _fill_team(self) -> None:
        self.editor.setPlainText(team_text(self.inspection))
        self.autosave.flush()

    def reload(self) -> None:
        """Re-read the texts (after an import); anything typed is saved first."""
        self.autosave.flush()
        self.model.set_texts(self.inspection.findings())
        self._show_stored()

    def apply(self, changes: Changes) -> None:
        """Follow texts written through the session (this editor's own saves included)."""
        if changes.everything:
            self.reload()
            return
        for name in changes.findings:
            if any(field.name == name for field in self.model.rows):  # not the illustrations' choice
                self.model.set_text(name, self.inspection.finding(name))
        if self.current in changes.findings:
            self._show_stored()

    def _show_stored(self) -> None:
        """Put the stored text of the current field in the editor, unless the lead is typing in it."""
        if self.current is None or self.autosave.timer.isActive():
            return
        stored = self.model.texts.get(self.current, "")
        if self.editor.toPlainText() != stored:
            self._loading = True
            try:
                self.editor.setPlainText(stored)
            finally:
                self._loading = False


class IllustrationsEditor(QWidget):
    """Choose which flagged cases appear in which chapter, and edit their text."""

    saved = Signal()

    def __init__(self, session: InspectionSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.inspection = inspection = session.inspection
        instrument = inspection.instrument
        self.model = IllustrationsModel(instrument, self)
        self.model.changed.connect(self._changed)
        self.autosave = _Autosaver(self, self.save)
        self._loading = False
        self.read_only = False

        self.table = QTableView()
        self.table.setObjectName("illustrationsTable")
        self.table.setAccessibleName("Practice illustrations flagged")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setColumnWidth(0, 70)
        self.table.setColumnWidth(1, 90)
        self.table.setColumnWidth(2, 250)
        self.table.selectionModel().currentRowChanged.connect(self._row_chosen)

        self.empty = QLabel(
            "No case is flagged as a practice illustration yet. Assessors flag them on the case form; "
            "they appear here after their files are imported."
        )
        self.empty.setWordWrap(True)
        self.chapter = QComboBox()
        self.chapter.setObjectName("illustrationChapter")
        for outcome in instrument.outcomes:
            self.chapter.addItem(f"Outcome {outcome.number}: {outcome.title}", outcome.key)
        # As narrow as the window needs (a chapter's name is ~70 characters: the box made the window
        # 955 pixels wide at least); the list that opens shows each name whole.
        self.chapter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.chapter.setMinimumContentsLength(24)
        self.chapter.view().setMinimumWidth(self.chapter.view().sizeHintForColumn(0) + 24)
        self.chapter.setToolTip("The chapter of the report the illustration is printed in")
        self.chapter.currentIndexChanged.connect(self._detail_edited)
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("illustrationTitle")
        self.title_edit.setPlaceholderText("e.g. Good practice: working with children's services")
        self.title_edit.textEdited.connect(self._detail_edited)
        self.assessor_text = QPlainTextEdit()
        self.assessor_text.setReadOnly(True)
        self.assessor_text.setObjectName("assessorIllustration")
        self.assessor_text.setMaximumHeight(140)
        self.text_edit = QPlainTextEdit()
        self.text_edit.setObjectName("illustrationText")
        self.text_edit.setPlaceholderText("Leave empty to print the assessor's text. Names must not appear.")
        self.text_edit.textChanged.connect(self._detail_edited)
        self.copy_text = QPushButton("Start from the assessor's &text")
        self.copy_text.clicked.connect(lambda: self.text_edit.setPlainText(self.assessor_text.toPlainText()))
        self.status = QLabel("")

        form = QFormLayout()
        form.addRow("&Chapter:", self.chapter)
        form.addRow("T&itle:", self.title_edit)
        form.addRow("Assessor's text:", self.assessor_text)
        form.addRow("Text in the &report:", self.text_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_text)
        buttons.addStretch(1)
        buttons.addWidget(self.status)
        form.addRow(buttons)
        self.detail = QWidget()
        self.detail.setLayout(form)
        self.detail.setEnabled(False)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        tick = QLabel("Tick a case to print its illustration in the chosen chapter.")
        tick.setWordWrap(True)
        left_layout.addWidget(tick)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.empty)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.detail)
        split.setSizes([560, 620])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.reload()

    def _stored_rows(self) -> list[IllustrationRow]:
        return illustration_rows(
            self.inspection.instrument, self.inspection.list_cases(), self.inspection.finding(ff.ILLUSTRATIONS)
        )

    def reload(self) -> None:
        self.autosave.flush()
        rows = self._stored_rows()
        chosen = self.current_row
        chosen_ref = self.model.rows[chosen].case_ref if chosen is not None and chosen < len(self.model.rows) else None
        self.model.set_rows(rows)
        self.empty.setVisible(not rows)
        self.detail.setEnabled(False)
        if rows:
            refs = [row.case_ref for row in rows]
            self.table.selectRow(refs.index(chosen_ref) if chosen_ref in refs else 0)

    def apply(self, changes: Changes) -> None:
        """Read again when a case's flag or the stored choice changed in a way this editor does not show."""
        if not (changes.everything or changes.cases or changes.touches_finding(ff.ILLUSTRATIONS)):
            return
        if self.autosave.timer.isActive():
            self.autosave.flush()  # the lead's edits first; their own save comes back here
            return
        rows = self._stored_rows()

        def key(row: IllustrationRow) -> str:
            return row.case_ref

        if sorted(rows, key=key) != sorted(self.model.rows, key=key):
            self.reload()

    @property
    def current_row(self) -> int | None:
        index = self.table.selectionModel().currentIndex()
        return index.row() if index.isValid() else None

    def _row_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.autosave.flush()
        if not current.isValid():
            self.detail.setEnabled(False)
            return
        row = self.model.rows[current.row()]
        self._loading = True
        try:
            self.chapter.setCurrentIndex(max(0, self.chapter.findData(row.chapter)))
            self.title_edit.setText(row.title)
            self.assessor_text.setPlainText(row.assessor_text)
            self.text_edit.setPlainText(row.text)
        finally:
            self._loading = False
        self.detail.setEnabled(not self.read_only)

    def _detail_edited(self) -> None:
        row = self.current_row
        if self._loading or row is None:
            return
        self.model.update_row(
            row,
            chapter=str(self.chapter.currentData()),
            title=self.title_edit.text(),
            text=self.text_edit.toPlainText(),
        )

    def _changed(self) -> None:
        self.status.setText("Editing…")
        self.autosave.touch()

    def save(self) -> None:
        text = illustrations_json(self.model.rows)
        try:
            ff.check_text(self.inspection.instrument, ff.ILLUSTRATIONS, text)
            self.session.set_finding(ff.ILLUSTRATIONS, text)
        except UserError as exc:
            self.status.setText("Not saved")
            show_user_error(self, exc)
            return
        self.status.setText(f"Saved {datetime.now():%H:%M:%S}")
        self.saved.emit()


class FindingsPanel(QTabWidget):
    """The two editors as tabs; `saved` after any text is stored."""

    saved = Signal()

    def __init__(self, session: InspectionSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leadFindings")
        self.setAccessibleName("Findings")
        self.narrative = NarrativeEditor(session)
        self.illustrations = IllustrationsEditor(session)
        self.addTab(self.narrative, "&Narrative")
        self.addTab(self.illustrations, "Practice &illustrations")
        self.narrative.saved.connect(lambda _name: self.saved.emit())
        self.illustrations.saved.connect(self.saved)
        session.changed.connect(self._changed)

    def _changed(self, changes: Changes) -> None:
        self.narrative.apply(changes)
        self.illustrations.apply(changes)

    def flush(self) -> bool:
        """Save what is waiting for its autosave (the file is about to close)."""
        self.narrative.autosave.flush()
        self.illustrations.autosave.flush()
        return True

    def set_read_only(self, reason: str) -> None:
        """Texts can be read but not changed (the file is open read-only here)."""
        self.narrative.editor.setReadOnly(True)
        self.narrative.fill_team.setEnabled(False)
        self.narrative.status.setText(reason[:1].upper() + reason[1:])
        self.illustrations.read_only = True
        self.illustrations.detail.setEnabled(False)
        self.illustrations.table.setEnabled(False)
        self.illustrations.status.setText(reason[:1].upper() + reason[1:])

    def discard_pending(self) -> None:
        """The file has closed: a pending autosave can no longer run."""
        self.narrative.autosave.discard()
        self.illustrations.autosave.discard()

    def reload(self) -> None:
        self.narrative.reload()
        self.illustrations.reload()
