"""Making room for what a widget shows: dialogs grow to show a message whole, columns fit their headers."""

from __future__ import annotations

from PySide6.QtWidgets import QTableView, QWidget


def grow_to_fit(window: QWidget) -> None:
    """Grow `window` (a dialog) to the height its layout needs at its present width; never shrink it.

    Qt sizes a window to its layout once, as it is shown, and a word-wrapped label's height depends on
    its width: a message shown later (a refusal and the rule it broke) would be cut off, first and last
    lines missing, in a window left at its first height."""
    layout = window.layout()
    if layout is None:
        return
    width = window.width()
    needed = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else layout.totalSizeHint().height()
    if needed > window.height():
        window.resize(width, needed)


def text_column_width(view: QTableView, text: str) -> int:
    """Room for a value such as "12 of 14", with the cell's padding."""
    return view.fontMetrics().horizontalAdvance(text) + 24


def fit_column(view: QTableView, column: int, width: int = 0) -> None:
    """`width`, or the header's own text if that is wider (a header never cut)."""
    view.setColumnWidth(column, max(width, view.horizontalHeader().sectionSizeHint(column)))
