"""`python -m hmip_desktop [FILE]`: the desktop app."""

from __future__ import annotations

import sys

from hmip_desktop.ui.app import main

if __name__ == "__main__":
    sys.exit(main())
