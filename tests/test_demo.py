"""The demo inspection: realistic, reproducible, and scored near a real inspection."""

from __future__ import annotations

from pathlib import Path

import pytest
from audit_support import verify_audit_chain

from hmip_desktop.model.demo import generate_demo
from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file.store import InspectionFile


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    generate_demo(folder, cases=86, assessors=8, seed=7, merge=False)
    return folder


def test_one_file_per_assessor_plus_lead(demo_dir: Path) -> None:
    names = sorted(p.name for p in demo_dir.glob("*.hmip"))
    # Eight assessors, the quality lead who second-marks the moderation sample, and the lead.
    assert len(names) == 10 and "lead.hmip" in names and "claire-benson.hmip" in names
    roles = set()
    refs: set[str] = set()
    drafts = illustrations = notes = 0
    for path in demo_dir.glob("*.hmip"):
        with InspectionFile.open(path, read_only=True) as inspection:
            roles.add(inspection.owner.role)
            for case in inspection.list_cases():
                refs.add(case.case_ref)
                drafts += case.status == "draft"
                illustrations += case.illustration
                notes += sum(1 for a in inspection.answers_for(case.uuid).values() if a.note)
            assert verify_audit_chain(inspection) is None
    assert roles == {"inspector", "local-assessor", "lead"}
    assert len(refs) == 86
    assert 1 <= drafts <= 8 and illustrations >= 3 and notes > 100


def test_same_seed_same_files(tmp_path: Path, demo_dir: Path) -> None:
    generate_demo(tmp_path / "again", cases=86, assessors=8, seed=7, merge=False)
    for path in demo_dir.glob("*.hmip"):
        assert (tmp_path / "again" / path.name).read_bytes() == path.read_bytes(), path.name


def test_other_seed_other_answers(tmp_path: Path, demo_dir: Path) -> None:
    generate_demo(tmp_path / "other", cases=86, assessors=8, seed=8, merge=False)
    first = next(demo_dir.glob("helen-*.hmip"))
    assert (tmp_path / "other" / first.name).read_bytes() != first.read_bytes()


def test_refuses_a_folder_with_inspection_files(demo_dir: Path) -> None:
    with pytest.raises(UserError, match="already holds"):
        generate_demo(demo_dir)


def test_scores_land_near_a_real_inspection(demo_dir: Path) -> None:
    from hmip_desktop.model.demo import OUTCOME_TARGETS
    from hmip_desktop.scoring.engine import score_cases
    from hmip_desktop.scoring.load import inputs_from_file

    inputs, seen = [], set()
    for path in sorted(demo_dir.glob("*.hmip")):
        with InspectionFile.open(path, read_only=True) as inspection:
            instrument = inspection.instrument
            for case in inputs_from_file(inspection):
                if case.case_ref not in seen:  # double-marked cases once
                    seen.add(case.case_ref)
                    inputs.append(case)
    result = score_cases(instrument, inputs)
    for key, target in OUTCOME_TARGETS.items():
        assert abs(result.outcomes[key].percent - round(target * 100)) <= 7, key
