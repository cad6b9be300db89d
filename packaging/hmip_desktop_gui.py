"""Entry point of the bundle's console-less `hmip-desktop` (PyInstaller runs this file as __main__).

`multiprocessing.freeze_support()` comes before anything else: the merge's reader processes (and,
on Linux and macOS, their fork server) are started by running this same executable again, and
freeze_support is where such a start turns into a worker instead of a second app.
"""

import multiprocessing

if __name__ == "__main__":
    multiprocessing.freeze_support()

    import sys

    from hmip_desktop.ui.app import main

    sys.exit(main())
