"""Percent bars drawn inside table cells (the dashboard's figures at a glance)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from hmip_desktop.ui.colours import colours_for

#: Models put the whole-number percent (or None) under this role for the bar delegate.
PERCENT_ROLE = Qt.ItemDataRole.UserRole + 1
#: Models put a `Figure` (what is behind a cell) under this role for drill-down.
FIGURE_ROLE = Qt.ItemDataRole.UserRole + 2
#: Models put the figure's 95 % interval (lo, hi), shares in 0..1, under this role: drawn as a whisker on the bar.
INTERVAL_ROLE = Qt.ItemDataRole.UserRole + 4


class PercentBarDelegate(QStyledItemDelegate):
    """Draws "74%" followed by a bar of that length; greyer when the figure is marked as weak evidence.

    Where the model gives an interval (INTERVAL_ROLE), a whisker across the bar's end shows how far the
    figure could move with another sample of cases (scoring.intervals).
    """

    def __init__(self, parent: QWidget | None = None, *, text_width: int | None = None) -> None:
        super().__init__(parent)
        #: Room for the figure; None: as wide as "100%" in the cell's font.
        self.text_width = text_width

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        value = index.data(PERCENT_ROLE)
        if value is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        painter.save()
        rect = option.rect.adjusted(6, 4, -6, -4)
        text_width = self.text_width or option.fontMetrics.horizontalAdvance("100%")
        text_rect = QRect(rect.left(), rect.top(), text_width, rect.height())
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setPen(option.palette.highlightedText().color() if selected else option.palette.text().color())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, text)
        track = QRect(
            text_rect.right() + 8, rect.top() + 2, max(0, rect.right() - text_rect.right() - 8), rect.height() - 4
        )
        own = colours_for(option.palette)
        painter.fillRect(track, own.track)
        muted = index.data(Qt.ItemDataRole.ForegroundRole) is not None
        filled = QRect(
            track.left(), track.top(), round(track.width() * max(0, min(100, int(value))) / 100), track.height()
        )
        painter.fillRect(filled, own.bar_muted if muted else own.bar)
        interval = index.data(INTERVAL_ROLE)
        if interval is not None and track.width() > 0:
            draw_whisker(painter, track, interval, option.palette.text().color())
        painter.restore()


def draw_whisker(painter: QPainter, track: QRect, interval: tuple[float, float], colour: QColor) -> None:
    """A line from the interval's low end to its high end across the middle of the bar, with end caps."""
    low, high = (max(0.0, min(1.0, float(end))) for end in interval)
    left = track.left() + round(track.width() * low)
    right = track.left() + round(track.width() * high)
    middle = track.top() + track.height() // 2
    cap = max(2, track.height() // 3)
    painter.setPen(QPen(colour, 1))
    painter.drawLine(left, middle, right, middle)
    painter.drawLine(left, middle - cap, left, middle + cap)
    painter.drawLine(right, middle - cap, right, middle + cap)
