"""The platform's style, with the one thing the app draws on top: Fusion's choice indicators kept visible
on a dark palette.

Fusion (the style on Linux without a desktop theme, and the one Qt uses for a dark palette where the
native style has none) outlines a radio button and a check box in the window colour made darker. On a
dark palette (window #202020) that is #171717, 1.1:1 against the window: each question's unchosen
options showed as labels with no circle beside them, and an unticked box was not there at all
(seen in screenshots in the reference dark palette, the user guide's picture of the form included).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleOption, QWidget

from hmip_desktop.ui.colours import colours_for

_INDICATORS = (QStyle.PrimitiveElement.PE_IndicatorRadioButton, QStyle.PrimitiveElement.PE_IndicatorCheckBox)


class ReadableIndicators(QProxyStyle):
    """Fusion, whose radio buttons and check boxes are outlined again on a dark palette in its secondary
    text colour (4.5:1 on every surface, `ui.colours`), over the style's own drawing. A light palette,
    and an indicator with the keyboard's focus (outlined in the highlight), are left as Fusion draws them."""

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        super().drawPrimitive(element, option, painter, widget)
        if element not in _INDICATORS:
            return
        own = colours_for(option.palette)
        focused = QStyle.StateFlag.State_HasFocus | QStyle.StateFlag.State_KeyboardFocusChange
        if not own.dark or (option.state & focused) == focused:
            return
        rect = option.rect
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(own.muted, 1))
        if element == QStyle.PrimitiveElement.PE_IndicatorRadioButton:
            # Fusion's own circle: centred one pixel down and right, as wide as the indicator.
            radius = (rect.width() + (rect.width() + 1) % 2) / 2.0 - 1
            painter.drawEllipse(QPointF(rect.center()) + QPointF(1, 1), radius, radius)
        else:
            painter.translate(0.5, 0.5)
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.restore()
