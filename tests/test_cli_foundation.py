"""The `hmip` command end to end: files, cases, answers, imports, exit codes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from hmip_desktop.cli.main import EXIT_BAD_INPUT, main
from hmip_desktop.model.file.store import InspectionFile


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def mini_path(mini_file: InspectionFile) -> Path:
    path = mini_file.path
    mini_file.close()
    return path


def test_new_info_and_cases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "lead.hmip"
    assert (
        main(
            [
                "new",
                str(path),
                "--inspection",
                "KENT-2014",
                "--area",
                "Kent",
                "--assessor",
                "Lee Lead",
                "--role",
                "lead",
            ]
        )
        == 0
    )
    assert main(["info", str(path), "--json"]) == 0
    out = capsys.readouterr().out
    info = json.loads(out[out.index("{") :])
    assert info["inspection"] == {"id": "KENT-2014", "area": "Kent", "start_date": "", "end_date": ""}
    assert info["assessor"] == {"name": "Lee Lead", "role": "lead"}
    assert info["instrument"]["id"] == "iaow-2013-14" and len(info["instrument"]["sha256"]) == 64
    assert info["cases"] == {"total": 0, "complete": 0, "draft": 0}


def test_new_refuses_existing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.hmip"
    path.write_text("mine")
    code = main(["new", str(path), "--inspection", "K", "--area", "Kent", "--assessor", "A"])
    assert code == EXIT_BAD_INPUT
    assert "already exists" in capsys.readouterr().err
    assert path.read_text() == "mine"


def test_usage_error_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["answer"])
    assert exited.value.code == 2


def test_answer_creates_case_and_refuses_bad_values(mini_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["answer", str(mini_path), "KT-001", "cd.gender", "female", "--note", "record p.3"]) == 0
    assert "saved KT-001 cd.gender = female" in capsys.readouterr().out
    before = sha(mini_path)
    assert main(["answer", str(mini_path), "KT-001", "cd.gender", "maybe"]) == EXIT_BAD_INPUT
    assert "use one of" in capsys.readouterr().err
    assert main(["answer", str(mini_path), "KT-001", "s.quality", "yes"]) == EXIT_BAD_INPUT
    assert "does not apply" in capsys.readouterr().err
    assert sha(mini_path) == before


def test_answer_reports_stale_answers(mini_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["answer", str(mini_path), "KT-001", "cd.report", "written"])
    main(["answer", str(mini_path), "KT-001", "s.quality", "yes"])
    capsys.readouterr()
    assert main(["answer", str(mini_path), "KT-001", "cd.report", "none"]) == 0
    assert "answer no longer applies" in capsys.readouterr().out


def test_cases_import_and_list(mini_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sample = tmp_path / "sample.csv"
    sample.write_text("case_ref,cd.gender,cd.rosh\nKT-001,female,High\nKT-002,Male,\n", encoding="utf-8")
    assert main(["cases", "import", str(mini_path), str(sample)]) == 0
    assert "2 new cases" in capsys.readouterr().out
    assert main(["cases", "list", str(mini_path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["case_ref"], r["status"], r["answered"]) for r in rows] == [
        ("KT-001", "draft", 2),
        ("KT-002", "draft", 1),
    ]


def test_cases_import_refuses_personal_data_columns_unless_dropped(
    mini_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = tmp_path / "sample.csv"
    sample.write_text("case_ref,Full Name,DOB,cd.gender\nKT-001,Jo Bloggs,1980-01-01,female\n")
    before = sha(mini_path)
    assert main(["cases", "import", str(mini_path), str(sample)]) == EXIT_BAD_INPUT
    assert "look like personal data: Full Name, DOB" in capsys.readouterr().err
    assert sha(mini_path) == before
    code = main(["cases", "import", str(mini_path), str(sample), "--drop-column", "Full Name", "--drop-column", "DOB"])
    assert code == 0
    with InspectionFile.open(mini_path) as inspection:
        dump = "\n".join(inspection.conn.iterdump())
    assert "Bloggs" not in dump and "1980" not in dump


def test_answers_import_is_all_or_nothing(mini_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "answers.csv"
    bad.write_text(
        "case_ref,question_id,value,note\n"
        "KT-001,cd.gender,female,ok\n"
        "KT-001,nope,yes,\n"
        "KT-001,cd.rosh,purple,\n"
        "KT-002,s.quality,yes,\n"
        "bad ref,cd.gender,male,\n"
    )
    before = sha(mini_path)
    assert main(["answers", "import", str(mini_path), str(bad)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    for expected in ["line 3: unknown question", "line 4: 'purple'", "line 5: s.quality does not apply", "line 6"]:
        assert expected in err
    assert "nothing was written" in err
    assert sha(mini_path) == before

    good = tmp_path / "good.csv"
    # A gate answered on a later row than the question it opens: order within a case does not matter.
    good.write_text("case_ref,question_id,value\nKT-002,s.quality,yes\nKT-002,cd.report,written\n")
    assert main(["answers", "import", str(mini_path), str(good)]) == 0
    with InspectionFile.open(mini_path, read_only=True) as inspection:
        assert inspection.values_for(inspection.get_case("KT-002").uuid) == {"s.quality": "yes", "cd.report": "written"}


def test_answers_import_refuses_conflicting_duplicates(
    mini_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dup = tmp_path / "dup.csv"
    dup.write_text("case_ref,question_id,value\nKT-1,cd.gender,male\nKT-1,cd.gender,male\nKT-1,cd.gender,female\n")
    assert main(["answers", "import", str(mini_path), str(dup)]) == EXIT_BAD_INPUT
    assert "line 4: case KT-1, cd.gender is given again with a different answer (line 2)" in capsys.readouterr().err


def test_answers_import_reads_windows_1252(mini_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes(
        "case_ref,question_id,value,note\r\nKT-1,cd.gender,male,caf\xe9 \x96 visit\r\n".encode("latin-1")
    )
    assert main(["answers", "import", str(mini_path), str(legacy)]) == 0
    assert "windows-1252" in capsys.readouterr().out
    with InspectionFile.open(mini_path, read_only=True) as inspection:
        case = inspection.get_case("KT-1")
        assert inspection.answers_for(case.uuid)["cd.gender"].note == "café – visit"


def test_complete_and_reopen(mini_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["answer", str(mini_path), "KT-001", "cd.gender", "female"])
    assert main(["case", "complete", str(mini_path), "KT-001"]) == EXIT_BAD_INPUT
    assert "cd.rosh" in capsys.readouterr().err
    for qid, value in [
        ("cd.rosh", "low"),
        ("cd.report", "none"),
        ("f.acc.identified", "yes"),
        ("f.acc.interventions", "yes"),
        ("f.acc.progress", "good"),
        ("p.plan", "not-done"),
        ("r.rmp", "na"),
        ("v.victims", "no"),
        ("l.oversight", "yes"),
    ]:
        assert main(["answer", str(mini_path), "KT-001", qid, value]) == 0
    assert main(["case", "complete", str(mini_path), "KT-001"]) == 0
    assert main(["answer", str(mini_path), "KT-001", "cd.gender", "male"]) == EXIT_BAD_INPUT
    assert main(["case", "reopen", str(mini_path), "KT-001"]) == 0
    assert main(["answer", str(mini_path), "KT-001", "cd.gender", "male"]) == 0


def test_unknown_case_is_a_user_error(mini_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["case", "complete", str(mini_path), "KT-404"]) == EXIT_BAD_INPUT
    assert "no case 'KT-404'" in capsys.readouterr().err


def test_instrument_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["instrument", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("id", "version", "title", "outcomes", "criteria", "questions"):
        assert key in data
    assert {"key", "number", "title", "expectation"} <= set(data["outcomes"][0])
    assert {"code", "outcome", "title"} <= set(data["criteria"][0])
    question = data["questions"][0]
    assert {"id", "criterion", "text", "help", "options", "outcomes", "relevant_if", "key"} <= set(question)
    assert {"value", "label", "above_line"} <= set(question["options"][0])
    gated = next(q for q in data["questions"] if q["relevant_if"])
    assert "question" in gated["relevant_if"] or "all" in gated["relevant_if"] or "any" in gated["relevant_if"]
