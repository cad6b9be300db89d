"""What the app tells screen readers beyond what Qt's widgets say by themselves.

Qt raises its own events when a widget's accessible name or description changes (setAccessibleName,
setAccessibleDescription) and when a radio button is checked. Two things it cannot know: that a
key pressed on a question changed the answer of *that* question (the radio buttons never take the
focus, the question row does), and that a message in the status bar explains why a key did
nothing. Both are said with an announcement event, which screen readers speak without moving the
focus (Windows UI Automation notifications, AT-SPI announcements, macOS).
"""

from __future__ import annotations

from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QWidget


def announce(widget: QWidget, text: str, *, assertive: bool = False) -> None:
    """Have a screen reader say `text` (polite: after what it is saying now; assertive: at once)."""
    event = QAccessibleAnnouncementEvent(widget, text)
    event.setPoliteness(
        QAccessible.AnnouncementPoliteness.Assertive if assertive else QAccessible.AnnouncementPoliteness.Polite
    )
    QAccessible.updateAccessibility(event)


def set_description(widget: QWidget, description: str) -> bool:
    """Set the accessible description if it changed (Qt then raises DescriptionChanged); True if it did."""
    if widget.accessibleDescription() == description:
        return False
    widget.setAccessibleDescription(description)
    return True
