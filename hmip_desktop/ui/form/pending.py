"""Text typed into notes is written after a short pause, or at once when asked (focus out, close)."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from PySide6.QtCore import QObject, QTimer, Signal

from hmip_desktop.model.errors import UserError

NOTE_PAUSE_MS = 700


class PendingWrites(QObject):
    """Writes waiting for a pause in typing; the latest write per key wins."""

    failed = Signal(object)  # the UserError of a write that was refused
    flushed = Signal()

    def __init__(self, delay_ms: int = NOTE_PAUSE_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending: dict[Hashable, Callable[[], object]] = {}
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(self.flush)

    def schedule(self, key: Hashable, write: Callable[[], object]) -> None:
        self._pending[key] = write
        self.timer.start()

    def has_pending(self) -> bool:
        return bool(self._pending)

    def flush(self) -> bool:
        """Write everything pending now; False if a write was refused (reported through `failed`)."""
        self.timer.stop()
        ok = True
        while self._pending:
            key = next(iter(self._pending))
            write = self._pending.pop(key)
            try:
                write()
            except UserError as exc:
                ok = False
                self.failed.emit(exc)
        self.flushed.emit()
        return ok

    def discard(self) -> None:
        self.timer.stop()
        self._pending.clear()
