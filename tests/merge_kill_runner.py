"""Merging process for tests/test_merge_kill.py: merges the team into the lead file with reading workers.

Usage: python tests/merge_kill_runner.py LEAD PASSPHRASE TEAM_FILE...

Prints ``FILE <n>`` as file n starts (flushed), so the parent can kill it at
a chosen moment, and ``DONE`` when the merge has finished; then waits on its
standard input, so that a kill always finds it alive (the parent counts a kill
after ``DONE`` as one outside a merge).
"""

from __future__ import annotations

import sys
from pathlib import Path

from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.merge.files import merge_files


def main() -> None:
    lead, passphrase, *team = sys.argv[1:]

    def progress(position: int, _total: int, _name: str) -> None:
        print(f"FILE {position}", flush=True)

    with InspectionFile.open(Path(lead)) as master:
        merge_files(master, team, readers=2, progress=progress, passphrase_for=lambda _path: passphrase)
    print("DONE", flush=True)
    sys.stdin.readline()


if __name__ == "__main__":
    main()
