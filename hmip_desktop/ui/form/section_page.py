"""One section of the case form in a scroll area, built the first time it is shown."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from hmip_desktop.model.instrument import relevance
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.ui.colours import tint
from hmip_desktop.ui.form.layout import FormSection
from hmip_desktop.ui.form.question_row import QuestionRow, RowBinding

BindingFor = Callable[[str], RowBinding]


class SectionPage(QScrollArea):
    def __init__(
        self,
        section: FormSection,
        instrument: Instrument,
        connect_row: Callable[[QuestionRow], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.section = section
        self.instrument = instrument
        self._connect_row = connect_row
        self.setObjectName(f"section:{section.key}")
        self.setAccessibleName(section.title)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.rows: dict[str, QuestionRow] = {}
        self.group_headers: dict[str, QLabel] = {}
        #: What the rows show now; the form re-binds when its own key differs.
        self.bound_key: object = None

    @property
    def built(self) -> bool:
        return bool(self.rows)

    def ensure_built(self) -> None:
        if self.built:
            return
        container = QWidget()
        container.setObjectName("sectionContent")
        # Greyed questions (those that do not apply) stay readable: 4.5:1, not the style's faint grey.
        tint(container, disabled_text="muted")
        layout = QVBoxLayout(container)
        layout.setContentsMargins(20, 14, 20, 28)
        layout.setSpacing(2)
        title = QLabel(self.section.title)
        title_font = QFont(title.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.45)
        title_font.setWeight(QFont.Weight.DemiBold)
        title.setFont(title_font)
        layout.addWidget(title)
        header_font = QFont(title.font())
        header_font.setPointSizeF(title.font().pointSizeF() / 1.45 * 1.1)
        header_font.setWeight(QFont.Weight.DemiBold)
        for group in self.section.groups:
            if group.title != self.section.title:
                header = QLabel(group.title)
                header.setFont(header_font)
                header.setWordWrap(True)
                header.setContentsMargins(0, 16, 0, 0)
                tint(header, "heading")
                layout.addWidget(header)
                rule = QFrame()
                rule.setFrameShape(QFrame.Shape.HLine)
                rule.setFrameShadow(QFrame.Shadow.Sunken)
                layout.addWidget(rule)
                self.group_headers[group.key] = header
            for question_id in group.question_ids:
                question = self.instrument.question(question_id)
                reason = relevance.explain_rule(self.instrument, question.relevant_if) if question.relevant_if else ""
                row = QuestionRow(question, reason, container)
                self._connect_row(row)
                layout.addWidget(row)
                self.rows[question_id] = row
        layout.addStretch(1)
        self.setWidget(container)

    def bind(self, binding_for: BindingFor, key: object) -> None:
        self.ensure_built()
        for question_id, row in self.rows.items():
            row.bind(binding_for(question_id))
        self.bound_key = key

    def reveal(self, widget: QWidget) -> None:
        """Scroll so the widget is in view, with some context above it."""
        content = self.widget()
        layout = content.layout() if content is not None else None
        if layout is not None:
            layout.activate()  # a page just built has no geometry until its layout runs
        self.ensureWidgetVisible(widget, 0, 80)
