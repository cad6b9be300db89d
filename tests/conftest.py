"""Shared fixtures. The Qt platform is set before any QApplication exists."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
FIXTURE_INSTRUMENTS = Path(__file__).parent / "fixtures" / "instruments"
os.environ["HMIP_INSTRUMENT_PATH"] = str(FIXTURE_INSTRUMENTS)
#: The record of instruments pydantic has validated (model/instrument/validated_cache.py) goes to a folder of
#: this session's own, never the user's cache; the app and commands the tests start inherit it.
os.environ["HMIP_CACHE_DIR"] = tempfile.mkdtemp(prefix="hmip-test-cache-")
atexit.register(shutil.rmtree, os.environ["HMIP_CACHE_DIR"], ignore_errors=True)

import pytest  # noqa: E402

#: The UI fixtures (settings, window, opened; the lead's demo team and workspace) live in plugin
#: modules beside the helpers they use.
pytest_plugins = ("ui_support", "lead_support")

from hmip_desktop.model.file.store import InspectionFile  # noqa: E402
from hmip_desktop.model.instrument.definition import Instrument, available_instruments  # noqa: E402


@pytest.fixture
def mini_instrument() -> Instrument:
    """A small hand-made instrument whose scores are easy to compute by hand."""
    return next(i for i in available_instruments() if i.id == "mini-test")


@pytest.fixture
def mini_file(tmp_path: Path, mini_instrument: Instrument) -> InspectionFile:
    inspection = InspectionFile.create(
        tmp_path / "ann.hmip", inspection_id="KENT-2014", area="Kent", assessor="Ann Smith", instrument=mini_instrument
    )
    yield inspection
    inspection.close()
