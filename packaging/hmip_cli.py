"""Entry point of the bundle's console `hmip` (PyInstaller runs this file as __main__).

`multiprocessing.freeze_support()` comes before anything else: `hmip merge` reads large merges in
reader processes started by running this same executable again (see hmip_desktop_gui.py).
"""

import multiprocessing

if __name__ == "__main__":
    multiprocessing.freeze_support()

    import sys

    from hmip_desktop.cli.main import main

    sys.exit(main())
