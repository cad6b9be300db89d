"""The command line respects the app's edit lock: it does not write under an open window."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from hmip_desktop.cli.main import EXIT_BAD_INPUT, main
from hmip_desktop.model.file.lock import FileLock, lock_path_for
from hmip_desktop.model.file.store import InspectionFile


@pytest.fixture
def path(mini_file: InspectionFile) -> Path:
    mini_file.set_answer("KT-001", "cd.gender", "female", create_case=True)
    mini_file.close()
    return mini_file.path


def test_writes_are_refused_while_the_app_holds_the_lock(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app_lock = FileLock(path)  # what an open app window holds (this process is alive, so it is not stale)
    assert app_lock.acquire() is None
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    sample = tmp_path / "sample.csv"
    sample.write_text("case_ref,cd.gender\nKT-002,male\n")
    for argv in (
        ["answer", str(path), "KT-001", "cd.gender", "male"],
        ["cases", "import", str(path), str(sample)],
        ["case", "reopen", str(path), "KT-001"],
    ):
        assert main(argv) == EXIT_BAD_INPUT
        assert "open for editing in another HMIP Desktop on this computer" in capsys.readouterr().err
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    # Reading is still fine while the app has the file open.
    assert main(["cases", "list", str(path)]) == 0
    app_lock.release()
    assert main(["answer", str(path), "KT-001", "cd.gender", "male"]) == 0


def test_the_command_releases_its_own_lock(path: Path) -> None:
    assert main(["answer", str(path), "KT-001", "cd.gender", "male"]) == 0
    assert not lock_path_for(path).exists()
    assert main(["answer", str(path), "KT-001", "cd.gender", "bogus"]) == EXIT_BAD_INPUT
    assert not lock_path_for(path).exists()
