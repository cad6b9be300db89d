"""The roles of an inspection file's owner, as people say them.

The roles of hmip_desktop.model.file.store.ROLES, written out here so that the window (its title)
and the new-file dialog need neither the model nor each other; a test checks the two agree.
"""

from __future__ import annotations

ROLE_LABELS = {"inspector": "Inspector", "local-assessor": "Local assessor", "lead": "Lead inspector"}
