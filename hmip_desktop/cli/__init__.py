"""The `hmip` command: a thin layer that parses, calls the core, and reports.

Each command group lives in its own module with a ``register(subparsers)``
function; `main.py` lists the modules.
"""
