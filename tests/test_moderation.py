"""The moderation sample: how many, from whom, to whom, the blind CSVs, and the same plan from the same seed."""

from __future__ import annotations

import csv
import json
import math
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from merge_support import FULL_CASE, new_file, team_file

from hmip_desktop.cli.main import main
from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.model.merge.files import merge_files
from hmip_desktop.model.moderation import parse_share, plan_for_file, plan_moderation, write_plan

NAMES = ("Ann Smith", "Bob Jones", "Cy Patel", "Di Evans", "Ed Moore")


def sample(counts: dict[str, int]) -> list[tuple[str, str]]:
    return [(f"{name[:2].upper()}-{n:03d}", name) for name, count in counts.items() for n in range(count)]


# -- the plan, as a pure function -------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    counts=st.dictionaries(st.sampled_from(NAMES), st.integers(1, 40), min_size=1),
    share=st.fractions(min_value=Fraction(1, 100), max_value=1, max_denominator=100),
    seed=st.integers(0, 2**31),
    extra=st.lists(st.sampled_from(("Lee Quality", "Jo Lead")), unique=True),
)
def test_the_plan_is_proportional_blind_to_nobody_and_repeatable(
    counts: dict[str, int], share: Fraction, seed: int, extra: list[str]
) -> None:
    markers = [*counts, *extra]
    if len(markers) < 2:
        return  # one person alone cannot be second-marked (a separate test)
    cases = sample(counts)
    plan = plan_moderation(cases, share=share, seed=seed, second_markers=markers)
    assert plan.chosen == math.ceil(share * len(cases)) == len({a.case_ref for a in plan.assignments})
    total = sum(counts.values())
    for first in plan.first_markers:
        exact = Fraction(plan.chosen * counts[first.name], total)
        assert first.quota == exact and abs(first.chosen - exact) < 1  # within one case of the exact share
        assert first.chosen == sum(1 for a in plan.assignments if a.first == first.name) <= first.eligible
    owner = dict(cases)
    for assignment in plan.assignments:
        assert owner[assignment.case_ref] == assignment.first != assignment.second
        assert assignment.second in markers
    assert plan_moderation(list(reversed(cases)), share=share, seed=seed, second_markers=markers) == plan


def test_shares_are_exact() -> None:
    """ceil(0.1 x 30) is 3: with floats it would be ceil(3.0000000000000004) = 4."""
    assert parse_share("0.1") == parse_share("10%") == parse_share("1/10") == Fraction(1, 10)
    plan = plan_moderation(
        sample({"Ann Smith": 15, "Bob Jones": 15}), share=parse_share("0.1"), seed=1, second_markers=NAMES
    )
    assert plan.chosen == 3
    for bad in ("0", "1.5", "-0.1", "ten", "150%", ""):
        with pytest.raises(UserError, match="--share"):
            parse_share(bad)


def test_cases_go_to_the_least_loaded_second_marker() -> None:
    plan = plan_moderation(
        sample({"Ann Smith": 20, "Bob Jones": 20}),
        share=Fraction(1, 2),
        seed=4,
        second_markers=["Lee Quality", "Jo Lead"],
    )
    loads = [len(plan.cases_for(name)) for name in ("Jo Lead", "Lee Quality")]
    assert loads == [10, 10] and plan.second_markers == ("Jo Lead", "Lee Quality")


def test_another_seed_draws_another_sample() -> None:
    cases = sample({"Ann Smith": 40, "Bob Jones": 40})
    plans = {
        tuple(plan_moderation(cases, share=Fraction(1, 10), seed=seed, second_markers=NAMES).assignments)
        for seed in range(5)
    }
    assert len(plans) > 1


def test_nobody_to_second_mark_is_an_error() -> None:
    with pytest.raises(UserError, match="nobody can second-mark Ann Smith's cases"):
        plan_moderation(sample({"Ann Smith": 10}), share=Fraction(1, 2), seed=1, second_markers=["Ann Smith"])


# -- from the lead's file -------------------------------------------------------------------------


@pytest.fixture
def lead_file(tmp_path: Path, mini_instrument: Instrument) -> Path:
    """Ann has 12 complete cases, Bob 6 complete and 2 drafts; KT-A00 is double-marked (not eligible)."""
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {f"KT-A{n:02d}": None for n in range(12)})
    bob = team_file(tmp_path, "bob.hmip", "Bob Jones", mini_instrument, {f"KT-B{n:02d}": None for n in range(6)})
    with new_file(tmp_path, "bob-2.hmip", "Bob Jones", mini_instrument) as more:
        for ref in ("KT-B90", "KT-B91"):
            more.set_answer(ref, "cd.gender", "female", create_case=True)
        for qid, value in FULL_CASE.items():
            more.set_answer("KT-A00", qid, value, create_case=True)
        more.complete_case("KT-A00")
    with new_file(tmp_path, "lead.hmip", "Jo Lead", mini_instrument, role="lead") as lead:
        merge_files(lead, [ann, bob, tmp_path / "bob-2.hmip"])
    return tmp_path / "lead.hmip"


def test_plan_for_the_leads_file(lead_file: Path, tmp_path: Path, mini_instrument: Instrument) -> None:
    with InspectionFile.open(lead_file, read_only=True) as lead:
        plan = plan_for_file(lead, share=Fraction(1, 4), seed=11)
        assert plan.eligible == 11 + 6  # Ann's double-marked case and Bob's drafts are not eligible
        assert plan.chosen == 5
        assert {(f.name, f.eligible) for f in plan.first_markers} == {("Ann Smith", 11), ("Bob Jones", 6)}
        # No --to: the team from the import ledger, each marking the other's cases.
        assert all({a.first, a.second} == {"Ann Smith", "Bob Jones"} for a in plan.assignments)
        files = write_plan(lead, plan, tmp_path / "out")
    assert sorted(p.name for p in files.values()) == sorted(
        f"moderation-{name.lower().replace(' ', '-')}.csv" for name in plan.second_markers
    )
    for marker, path in files.items():
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        # Blind: the case reference and the case details, nothing the first marker judged.
        assert rows[0] == ["case_ref", "cd.gender", "cd.rosh", "cd.report"]
        assert [row[0] for row in rows[1:]] == plan.cases_for(marker)
        assert all(row[1:] == ["male", "medium", "written"] for row in rows[1:])

    # The second marker imports the file as a case sample.
    marker = plan.second_markers[0]
    with new_file(tmp_path, "second.hmip", marker, mini_instrument) as second:
        pass
    assert main(["cases", "import", str(tmp_path / "second.hmip"), str(files[marker])]) == 0
    with InspectionFile.open(tmp_path / "second.hmip", read_only=True) as second:
        cases = second.list_cases()
        assert [c.case_ref for c in cases] == plan.cases_for(marker)
        assert second.values_for(cases[0].uuid) == {"cd.gender": "male", "cd.rosh": "medium", "cd.report": "written"}


def test_the_cli_plan_is_the_same_for_the_same_seed(
    lead_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["moderation", "plan", str(lead_file), "--share", "30%", "--to", "Lee Quality", "--to", "Jo Lead", "--json"]
    assert main([*base, "--seed", "7", "--out", str(tmp_path / "one")]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main([*base, "--seed", "7", "--out", str(tmp_path / "two")]) == 0
    second = json.loads(capsys.readouterr().out)
    assert first["cases"] == second["cases"] and first["seed"] == 7 and first["chosen"] == math.ceil(0.3 * 17)
    assert {m["name"] for m in first["second_markers"]} == {"Lee Quality", "Jo Lead"}
    assert {case["second"] for case in first["cases"]} <= {"Lee Quality", "Jo Lead"}
    assert first["inspection"] == "KENT-2014" and first["eligible"] == 17
    for one, two in zip(sorted((tmp_path / "one").iterdir()), sorted((tmp_path / "two").iterdir())):
        assert one.read_bytes() == two.read_bytes()

    # Without --seed a seed is drawn and shown, so the plan can be drawn again.
    assert main(["moderation", "plan", str(lead_file), "--share", "0.1", "--out", str(tmp_path / "three")]) == 0
    text = capsys.readouterr().out
    assert "To draw this plan again: --seed " in text and "moderation-" in text


def test_an_existing_file_is_never_overwritten(
    lead_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = [
        "moderation",
        "plan",
        str(lead_file),
        "--share",
        "1",
        "--seed",
        "3",
        "--out",
        str(out),
        "--to",
        "Lee Quality",
    ]
    assert main(args) == 0
    written = (out / "moderation-lee-quality.csv").read_bytes()
    (out / "moderation-lee-quality.csv").write_text("the marker's own notes")
    assert main(args) == 3
    assert "already holds moderation-lee-quality.csv" in capsys.readouterr().err
    assert (out / "moderation-lee-quality.csv").read_text() == "the marker's own notes"
    assert written.startswith(b"case_ref,")


def test_the_plan_needs_a_lead_file_with_cases(
    tmp_path: Path, mini_instrument: Instrument, capsys: pytest.CaptureFixture[str]
) -> None:
    ann = team_file(tmp_path, "ann.hmip", "Ann Smith", mini_instrument, {"KT-1": None})
    assert main(["moderation", "plan", str(ann), "--share", "0.1", "--out", str(tmp_path / "o")]) == 3
    assert "lead's merged file" in capsys.readouterr().err
    with new_file(tmp_path, "lead.hmip", "Jo Lead", mini_instrument, role="lead"):
        pass
    assert (
        main(["moderation", "plan", str(tmp_path / "lead.hmip"), "--share", "0.1", "--out", str(tmp_path / "o")]) == 3
    )
    assert "nothing to second-mark" in capsys.readouterr().err
    assert main(["moderation", "plan", str(ann), "--share", "2", "--out", str(tmp_path / "o")]) == 3
    assert not (tmp_path / "o").exists()
