"""Opening an inspection file that came from another laptop (for the merge and imports)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hmip_desktop.model.file.connection import open_error
from hmip_desktop.model.file.integrity import check_sound
from hmip_desktop.model.file.store import InspectionFile


def open_untrusted(path: Path | str) -> InspectionFile:
    """Open read-only, then check the whole file: integrity_check and every row readable.

    A plain open checks enough to work on one's own file; a file from elsewhere
    is read through completely by the merge, so a damaged byte anywhere in it
    is found here, as a UserError, rather than half-way through the merge.
    """
    inspection = InspectionFile.open(path, read_only=True)
    try:
        check_sound(inspection.conn, inspection.path, full=True)
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        inspection.close()
        raise open_error(exc, inspection.path) from exc
    except BaseException:
        inspection.close()
        raise
    return inspection
