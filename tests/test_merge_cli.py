"""`hmip merge`, `imports`, `conflicts`, `resolve`, `export`, `aggregate`: thin layers over the core."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from merge_support import FULL_CASE, new_file, team_file

from hmip_desktop.cli.main import main
from hmip_desktop.model.file.package import ScryptParams, write_package
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument

PASSPHRASE = "correct horse battery staple"
#: A cheap key derivation: this test is about the merge reading packages, not about scrypt.
FAST_KDF = ScryptParams(n=2**10, r=8, p=1)


@pytest.fixture
def team(tmp_path: Path, mini_instrument: Instrument) -> list[Path]:
    folder = tmp_path / "team"
    folder.mkdir()
    ann = team_file(folder, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None, "KT-002": None})
    bob = team_file(folder, "bob.hmip", "Bob Jones", mini_instrument, {"KT-001": {**FULL_CASE, "p.plan": "not-done"}})
    return [ann, bob]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_merge_create_conflicts_resolve(team: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lead = tmp_path / "lead.hmip"
    code, out, err = run(capsys, "merge", str(lead), *map(str, team), "--create", "--lead", "Lee Lead")
    assert code == 0, err
    assert "created lead.hmip for inspection KENT-2014 (Lee Lead, lead)" in out
    assert "[1/2] ann.hmip" in err and "[2/2] bob.hmip" in err
    assert "ann.hmip: merged (Ann Smith): 2 cases added" in out
    assert (
        "bob.hmip: merged (Bob Jones): 0 cases added, 1 updated, 0 unchanged, 0 answers changed, 1 conflict raised"
        in out
    )

    code, out, _ = run(capsys, "conflicts", str(lead), "--json")
    [conflict] = json.loads(out)
    assert (conflict["case_ref"], conflict["question_id"]) == ("KT-001", "p.plan")
    assert [(s["value"], s["assessor"], s["note"]) for s in conflict["sides"]] == [
        ("sufficient", "Ann Smith", ""),
        ("not-done", "Bob Jones", ""),
    ]

    code, out, _ = run(capsys, "conflicts", str(lead))
    assert "KT-001  p.plan" in out and "not-done (Not done)  Bob Jones, bob.hmip rev 1" in out

    code, out, _ = run(
        capsys, "resolve", str(lead), "KT-001", "p.plan", "--take", "Bob Jones", "--note", "read the plan"
    )
    assert code == 0 and "resolved KT-001 p.plan = not-done; 0 open conflicts left" in out
    code, out, _ = run(capsys, "conflicts", str(lead))
    assert "no open conflicts" in out

    code, out, _ = run(capsys, "merge", str(lead), *map(str, team))
    assert code == 0 and out.count("unchanged: already merged") == 2 and "nothing changed" in out

    code, out, _ = run(capsys, "imports", str(lead), "--json")
    assert [row["file"] for row in json.loads(out)] == ["ann.hmip", "bob.hmip"]


def test_merge_reports_refused_files_and_exits_3(
    team: list[Path], tmp_path: Path, mini_instrument: Instrument, capsys: pytest.CaptureFixture[str]
) -> None:
    new_file(tmp_path, "lead.hmip", "Lee Lead", mini_instrument, role="lead").close()
    empty = tmp_path / "empty.hmip"
    empty.write_bytes(b"")
    code, out, _ = run(capsys, "merge", str(tmp_path / "lead.hmip"), str(empty), str(team[0]), "--json")
    assert code == 3
    summary = json.loads(out)
    assert [(f["file"], f["status"]) for f in summary["files"]] == [("empty.hmip", "refused"), ("ann.hmip", "merged")]
    assert "empty (0 bytes)" in summary["files"][0]["reason"]


def test_merge_needs_an_existing_master_or_create(
    team: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(capsys, "merge", str(tmp_path / "nope.hmip"), str(team[0]))
    assert code == 3 and "does not exist" in err and "--create" in err
    code, _out, err = run(capsys, "merge", str(tmp_path / "nope.hmip"), str(team[0]), "--create")
    assert code == 3 and "--create needs --lead NAME" in err
    assert not (tmp_path / "nope.hmip").exists()


def test_resolve_by_value(team: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lead = tmp_path / "lead.hmip"
    run(capsys, "merge", str(lead), *map(str, team), "--create", "--lead", "Lee Lead")
    code, _out, err = run(capsys, "resolve", str(lead), "KT-001", "p.plan")
    assert code == 3 and "VALUE" in err
    code, out, _ = run(capsys, "resolve", str(lead), "KT-001", "p.plan", "insufficient")
    assert code == 0 and "= insufficient" in out


def test_merge_encrypted_package(
    team: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "ann.hmipx"
    write_package(team[0], package, PASSPHRASE, kdf=FAST_KDF)
    lead = tmp_path / "lead.hmip"
    monkeypatch.setenv("HMIP_PASSPHRASE", PASSPHRASE)
    code, out, err = run(capsys, "merge", str(lead), str(package), "--create", "--lead", "Lee Lead")
    assert code == 0, err
    assert "ann.hmipx: merged (Ann Smith): 2 cases added" in out
    other = tmp_path / "bob.hmipx"
    write_package(team[1], other, PASSPHRASE, kdf=FAST_KDF)
    monkeypatch.setenv("HMIP_PASSPHRASE", "a wrong passphrase entirely")
    code, out, _ = run(capsys, "merge", str(lead), str(package), str(other))
    assert code == 3
    assert "ann.hmipx: unchanged: already merged" in out  # known by its hash: no passphrase needed
    assert "bob.hmipx: refused:" in out and "passphrase" in out


def test_export_and_aggregate(team: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lead = tmp_path / "lead.hmip"
    run(capsys, "merge", str(lead), *map(str, team), "--create", "--lead", "Lee Lead")
    code, out, err = run(
        capsys, "export", str(lead), "--csv", str(tmp_path / "csv"), "--xlsx", str(tmp_path / "all.xlsx")
    )
    assert code == 0, err
    assert "cases.csv, answers.csv, scores.csv" in out and (tmp_path / "all.xlsx").exists()
    code, _out, err = run(capsys, "export", str(lead))
    assert code == 3 and "--csv DIR, --xlsx FILE and/or --sqlite FILE" in err

    code, out, err = run(capsys, "aggregate", str(tmp_path / "national.hmip"), str(lead), "--id", "NATIONAL")
    assert code == 0, err
    assert "wrote national.hmip: 1 inspection, 2 cases" in out
    assert "KENT-2014" in out
    with InspectionFile.open(tmp_path / "national.hmip", read_only=True) as aggregate:
        assert aggregate.inspection_id == "NATIONAL"


def test_a_busy_lead_file_is_said_once_and_nothing_is_merged(
    team: list[Path], tmp_path: Path, mini_instrument: Instrument, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    new_file(tmp_path, "lead.hmip", "Lee Lead", mini_instrument, role="lead").close()
    lead = tmp_path / "lead.hmip"
    before = lead.read_bytes()
    other = sqlite3.connect(lead, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # a database browser writing to it
    try:
        code, out, err = run(capsys, "merge", str(lead), *map(str, team))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert code == 3 and out == ""
    assert err.count("busy") == 1 and "lead.hmip" in err and "Nothing was merged" in err
    assert "Traceback" not in err
    assert lead.read_bytes() == before


def test_a_lead_file_merged_as_a_team_file_is_refused_with_what_to_do(
    team: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other-lead.hmip"
    run(capsys, "merge", str(other), *map(str, team), "--create", "--lead", "Ola Other")
    lead = tmp_path / "lead.hmip"
    run(capsys, "merge", str(lead), str(team[0]), "--create", "--lead", "Lee Lead")
    code, out, _ = run(capsys, "merge", str(lead), str(other))
    assert code == 3
    assert "other-lead.hmip: refused: other-lead.hmip is a lead's merged file" in out
    assert "1 open conflict" in out and "hmip aggregate" in out
