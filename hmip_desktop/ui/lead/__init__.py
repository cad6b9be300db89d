"""The lead inspector's workspace: import the team's files, settle conflicts, watch the scores,
write the findings and preview the report. Shown only when the open file's role is "lead"."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hmip_desktop.ui.lead.hook import LeadHook
    from hmip_desktop.ui.main_window import MainWindow


def install(window: MainWindow) -> LeadHook:
    """Called by the app for each main window (`ui.app.WORKSPACE_MODULES`).

    No submodule may be named `install`: importing it would replace this function on the package.
    """
    from hmip_desktop.ui.lead.hook import install as install_hook

    return install_hook(window)
