"""Data shipped inside the package as `hmip_desktop.resources`: instruments, report fonts, demo texts.

This folder stays at the top of the repository; pyproject.toml maps it into the package, and the
code reads it only through `hmip_desktop.model.assets` (importlib.resources).
"""
