"""Dialogs that show a message after they open grow to show all of it."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


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
