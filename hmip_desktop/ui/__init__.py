"""The desktop app (PySide6). Widgets only: every read and write goes through hmip_desktop.model."""
