"""The area's context figures: checked in full, kept as an audited findings field, printed with their sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from hmip_desktop.cli.main import main
from hmip_desktop.model.errors import ImportRejected, UserError
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.report import area, sentences
from hmip_desktop.report import findings_fields as ff
from hmip_desktop.report.builder import build_report

KENT_CSV = """table,row,column,value,source,row_heading
Demographic data,Ashford,Unemployment,6.2%,Labour market indicators 2012,Local authority
Demographic data,Ashford,Population,"118,000",Census 2011,
Demographic data,Ashford,Minority ethnic population,6.4%,Census 2011,
Demographic data,Ynys Môn,Unemployment,7.4%,,
Demographic data,Ynys Môn,Population,"69,700",,
Demographic data,Ynys Môn,Minority ethnic population,n/a,,
Probation caseload,Total caseload,Area,"5,993",Caseload statistics 2012,Supervised in the community
Probation caseload,Total caseload,National average,n/a,Caseload statistics 2012,
Probation caseload,% Female,Area,9.9%,,
Probation caseload,% Female,National average,10.0%,,
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def lead(tmp_path: Path) -> Path:
    path = tmp_path / "lead.hmip"
    InspectionFile.create(
        path, inspection_id="GWY-2014", area="Gwynedd", assessor="Jane Whitfield", role="lead"
    ).close()
    return path


def test_a_csv_becomes_tables_in_the_order_written(tmp_path: Path) -> None:
    data = area.read_area_csv(write(tmp_path / "area.csv", KENT_CSV))
    demographic, caseload = data.tables
    assert demographic.title == "Demographic data" and demographic.label == "Local authority"
    assert [c.name for c in demographic.columns] == ["Unemployment", "Population", "Minority ethnic population"]
    assert [r.label for r in demographic.rows] == ["Ashford", "Ynys Môn"]
    assert demographic.rows[1].values == ("7.4%", "69,700", "n/a")
    assert [c.source for c in caseload.columns] == ["Caseload statistics 2012", "Caseload statistics 2012"]
    assert data.sources() == ["Labour market indicators 2012", "Census 2011", "Caseload statistics 2012"]


def test_the_csv_form_reads_back_to_the_same_data(tmp_path: Path) -> None:
    data = area.read_area_csv(write(tmp_path / "area.csv", KENT_CSV))
    again = area.read_area_csv(write(tmp_path / "again.csv", area.csv_text(area.to_lines(data))))
    assert again == data
    assert area.parse_area_json(data.to_json()) == data


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("table,row,column,value\nT,a,b,six\n", "line 2: 'six' is not a number, a percentage or n/a"),
        ("table,row,column,value\nT,a,b,6.2 %\n", "'6.2 %' is not a number"),
        ("table,row,column,value\nT,a,b,1\nT,a,b,2\n", "line 3: a second value for 'T', row 'a', column 'b'"),
        ("table,row,column,value\nT,a,b,1\nT,c,d,2\n", "table 'T', row 'a': no value for 'd'"),
        ("table,row,column,value\nT,,b,1\n", "line 2: row is empty"),
        ("table,row,column,value,source\nT,a,b,1,ONS\nT,c,b,2,Census\n", "already has the source 'ONS' (line 2)"),
        ("table,row,column,value,row_heading\nT,a,b,1,Areas\nT,c,b,2,Places\n", "already headed 'Areas'"),
    ],
)
def test_a_bad_figure_is_refused_naming_its_line(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(ImportRejected) as caught:
        area.read_area_csv(write(tmp_path / "area.csv", text))
    assert any(problem in line for line in caught.value.details), caught.value.details


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("table,row,value\nT,a,1\n", "no column column"),
        ("table,row,column,value,colour\nT,a,b,1,red\n", "unknown column colour"),
        ("table,row,column,value\n", "has a header but no figures"),
        ("table,row,column,value\nT,a,b\n", "does not match the header"),
    ],
)
def test_a_csv_of_the_wrong_shape_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ImportRejected, match=message.replace("(", r"\(").replace(")", r"\)")):
        area.read_area_csv(write(tmp_path / "area.csv", text))


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="0123456789,.%-na/ x", max_size=12))
def test_a_figure_is_accepted_exactly_when_it_reads_as_a_number(value: str) -> None:
    accepted = area.check_figure(value) is None
    plain = value.removesuffix("%").replace(",", "")
    looks_numeric = value == "n/a" or (plain.lstrip("-").replace(".", "", 1).isdigit() and not plain.startswith("."))
    if accepted:
        assert looks_numeric, value
    if "," in value and accepted:
        whole = value.lstrip("-").split(".")[0].removesuffix("%")
        assert all(len(group) == 3 for group in whole.split(",")[1:]), value


def test_the_import_command_saves_the_figures_as_an_audited_finding(
    lead: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["area", "import", str(lead), str(write(tmp_path / "area.csv", KENT_CSV))]) == 0
    assert "2 tables, 10 figures, 3 sources" in capsys.readouterr().out
    with InspectionFile.open(lead, read_only=True) as inspection:
        stored = inspection.finding(area.FIELD)
        audit = [row[0] for row in inspection.conn.execute("SELECT detail FROM audit WHERE action = 'finding'")]
    assert json.loads(stored)["tables"][0]["rows"][1]["label"] == "Ynys Môn"
    assert any(detail.startswith(f"{area.FIELD}:") for detail in audit)
    assert main(["area", "show", str(lead)]) == 0
    shown = capsys.readouterr().out
    assert "Unemployment [1]" in shown and "[3] Caseload statistics 2012" in shown
    assert main(["area", "show", str(lead), "--csv"]) == 0
    assert area.read_area_csv(write(tmp_path / "shown.csv", capsys.readouterr().out)) == area.parse_area_json(stored)


def test_a_refused_import_changes_nothing(lead: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["area", "import", str(lead), str(write(tmp_path / "good.csv", KENT_CSV))]) == 0
    before = lead.read_bytes()
    bad = write(tmp_path / "bad.csv", "table,row,column,value\nT,a,b,lots\n")
    assert main(["area", "import", str(lead), str(bad)]) == 3
    err = capsys.readouterr().err
    assert "bad.csv: 1 problem; nothing was saved" in err and "'lots' is not a number" in err
    assert lead.read_bytes() == before


def test_findings_set_checks_area_data_too(lead: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = write(
        tmp_path / "area.json",
        json.dumps(
            {"tables": [{"title": "T", "columns": [{"name": "x"}], "rows": [{"label": "a", "values": ["many"]}]}]}
        ),
    )
    assert main(["findings", "set", str(lead), area.FIELD, "--file", str(broken)]) == 3
    assert "not valid area data" in capsys.readouterr().err
    with pytest.raises(UserError):
        ff.check_text(InspectionFile.open(lead, read_only=True).instrument, area.FIELD, "{not json")


def report_text(path: Path) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(str(path)).pages)


def test_the_report_prints_the_tables_with_their_sources_as_footnotes(
    lead: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["area", "import", str(lead), str(write(tmp_path / "area.csv", KENT_CSV))]) == 0
    out = tmp_path / "report.pdf"
    with InspectionFile.open(lead, read_only=True) as inspection:
        info = build_report(inspection, out)
    assert area.FIELD not in info.missing_texts
    text = report_text(out)
    appendix = text[text.index("Appendix 1: Contextual information about the area inspected Demographic data") :]
    assert "Local authority Unemployment¹ Population² Minority ethnic population²" in appendix
    assert "Ynys Môn 7.4% 69,700 n/a" in appendix
    assert "¹ Source: Labour market indicators 2012 ² Source: Census 2011" in appendix
    assert "Area³ National average³" in appendix
    assert "³ Source: Caseload statistics 2012" in appendix


def test_without_figures_the_appendix_says_what_is_missing(lead: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    with InspectionFile.open(lead, read_only=True) as inspection:
        info = build_report(inspection, out)
    assert area.FIELD in info.missing_texts
    text = report_text(out)
    assert " ".join(sentences.AREA_MISSING.split()[:12]) in text
