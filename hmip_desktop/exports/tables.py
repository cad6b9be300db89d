"""Exports for the research team: CSV files or one workbook.

Tables:

- ``cases``: one row per case, one column per question (option labels, not codes).
- ``answers``: long format, one row per answer, with provenance (who, which
  file and revision each source said it in).
- ``scores``: outcomes, criteria and questions with the counts behind them;
  ``factors``: the offending-related factors table.
- ``scores_by_inspection`` (aggregates only): the outcome scores per inspection.
- ``agreement_overall``, ``agreement_assessors``, ``agreement_questions`` and
  ``agreement_pairs`` (a lead's file with double-marked cases): the tables of
  ``hmip agreement``, and every rating pair behind them.
- ``questions``: the codebook (id, section, criterion, text, options).

Cells a spreadsheet would run as a formula (text starting with = + - @, tab
or carriage return) get a leading apostrophe. Nothing in an export names a
path on anyone's machine: sources are file names only.
"""

from __future__ import annotations

import contextlib
import csv
import math
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TextIO

from hmip_desktop.model.errors import StorageError, UserError
from hmip_desktop.model.file.disk import (
    check_folder_for,
    refuse_existing,
    unwritable,
    write_error,
    write_whole,
)
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.relevance import relevant_question_ids
from hmip_desktop.model.merge.aggregate import case_inspection_ids, is_aggregate
from hmip_desktop.model.merge.conflicts import conflicted_case_uuids
from hmip_desktop.model.merge.one_file import provenance
from hmip_desktop.scoring.agreement import AgreementResult, agreement_of_file
from hmip_desktop.scoring.by_inspection import scores_by_inspection
from hmip_desktop.scoring.load import score_file
from hmip_desktop.scoring.result import ScoringResult

Cell = str | int | float | None

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Excel's limit on the characters in one cell.
MAX_CELL_CHARS = 32_767


def neutralise(value: Cell) -> Cell:
    """Make text inert in a spreadsheet: a leading apostrophe before a formula trigger."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Table:
    name: str
    headers: list[str]
    rows: list[list[Cell]]


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


def cases_table(inspection: InspectionFile) -> Table:
    instrument = inspection.instrument
    inspection_of = case_inspection_ids(inspection)
    held = conflicted_case_uuids(inspection)
    values = inspection.all_values()
    headers = ["inspection", "case_ref", "status", "held_out_by_conflict", "illustration", "illustration_text"]
    headers += [q.id for q in instrument.questions]
    rows: list[list[Cell]] = []
    for case in inspection.list_cases():
        answers = values.get(case.uuid, {})
        row: list[Cell] = [
            inspection_of[case.uuid],
            case.case_ref,
            case.status,
            _yes(case.uuid in held),
            _yes(case.illustration),
            case.illustration_text,
        ]
        row += [q.label_for(answers.get(q.id)) for q in instrument.questions]
        rows.append(row)
    return Table("cases", headers, rows)


def answers_table(inspection: InspectionFile) -> Table:
    instrument = inspection.instrument
    inspection_of = case_inspection_ids(inspection)
    sources = provenance(inspection)
    headers = [
        "inspection",
        "case_ref",
        "question_id",
        "criterion",
        "value",
        "label",
        "applies",
        "note",
        "assessor",
        "revision",
        "updated_at",
        "credited",
        "other_sources",
    ]
    order = {q.id: n for n, q in enumerate(instrument.questions)}
    rows: list[list[Cell]] = []
    all_answers = inspection.all_answers()
    for case in inspection.list_cases():
        answers = all_answers.get(case.uuid, {})
        relevant = relevant_question_ids(instrument, {qid: a.value for qid, a in answers.items()})
        for qid in sorted(answers, key=lambda q: order.get(q, len(order))):
            answer = answers[qid]
            question = instrument.by_id.get(qid)
            said = sources.get((case.uuid, qid), [])
            credited = [s for s in said if s.value == answer.value]
            others = [s for s in said if s.value != answer.value]
            rows.append(
                [
                    inspection_of[case.uuid],
                    case.case_ref,
                    qid,
                    question.criterion if question else "",
                    answer.value,
                    question.label_for(answer.value) if question else answer.value,
                    _yes(qid in relevant),
                    answer.note,
                    answer.assessor,
                    answer.revision,
                    answer.updated_at,
                    "; ".join(f"{s.assessor} ({s.file_name} rev {s.revision})" for s in credited),
                    "; ".join(f"{s.assessor} ({s.file_name} rev {s.revision}): {s.value}" for s in others),
                ]
            )
    return Table("answers", headers, rows)


def _score_cell(score: Fraction | None) -> Cell:
    return None if score is None else round(float(score), 6)


def scores_table(inspection: InspectionFile, result: ScoringResult) -> Table:
    instrument = inspection.instrument
    headers = [
        "level",
        "key",
        "title",
        "percent",
        "score",
        "above_line",
        "applicable",
        "questions",
        "interval_low",
        "interval_high",
    ]
    rows: list[list[Cell]] = [
        ["cases", "scored", "Cases in the scores", None, None, None, result.cases_scored, None, None, None],
        [
            "cases",
            "held_out",
            "Cases held out by an open conflict",
            None,
            None,
            None,
            result.cases_held_out,
            None,
            None,
            None,
        ],
        ["cases", "incomplete", "Draft cases left out", None, None, None, result.cases_incomplete, None, None, None],
    ]
    for key, outcome in result.outcomes.items():
        rows.append(
            [
                "outcome",
                key,
                outcome.title,
                outcome.percent,
                _score_cell(outcome.score),
                None,
                None,
                len(outcome.questions),
                *_interval_cells(outcome.interval),
            ]
        )
    for code, criterion in result.criteria.items():
        rows.append(
            [
                "criterion",
                code,
                criterion.title,
                criterion.percent,
                _score_cell(criterion.score),
                None,
                None,
                len(criterion.questions),
                *_interval_cells(criterion.interval),
            ]
        )
    for qid, question in result.questions.items():
        rows.append(
            [
                "question",
                qid,
                instrument.question(qid).chart_label,
                question.percent,
                _score_cell(question.score),
                question.above_line,
                question.applicable,
                None,
                *_interval_cells(question.interval),
            ]
        )
    return Table("scores", headers, rows)


def _interval_cells(interval: tuple[float, float] | None) -> list[Cell]:
    """The 95 % interval's ends, rounded outwards to 6 places so they still hold the score."""
    if interval is None:
        return [None, None]
    return [math.floor(interval[0] * 1e6) / 1e6, math.ceil(interval[1] * 1e6) / 1e6]


def factors_table(result: ScoringResult) -> Table:
    headers = [
        "factor",
        "identified",
        "identified_of",
        "interventions_sufficient_percent",
        "interventions_above",
        "interventions_applicable",
        "progress_sufficient_percent",
        "progress_above",
        "progress_applicable",
    ]
    rows: list[list[Cell]] = [
        [
            r.label,
            r.identified,
            r.identified_of,
            r.interventions_sufficient,
            r.interventions_above,
            r.interventions_applicable,
            r.progress_sufficient,
            r.progress_above,
            r.progress_applicable,
        ]
        for r in result.factors
    ]
    return Table("factors", headers, rows)


def by_inspection_table(inspection: InspectionFile, include_incomplete: bool) -> Table:
    outcomes = inspection.instrument.outcomes
    headers = ["inspection", "cases_scored", "cases_held_out"] + [f"{o.key}_percent" for o in outcomes]
    rows: list[list[Cell]] = []
    for inspection_id, result in scores_by_inspection(inspection, include_incomplete=include_incomplete).items():
        row: list[Cell] = [inspection_id, result.cases_scored, result.cases_held_out]
        rows.append(row + [result.outcomes[o.key].percent for o in outcomes])
    return Table("scores_by_inspection", headers, rows)


def _figure(value: Fraction | None) -> Cell:
    return None if value is None else round(float(value), 6)


def agreement_tables(inspection: InspectionFile, result: AgreementResult) -> list[Table]:
    """`hmip agreement`'s tables: overall, per pair of assessors, per question, and every rating pair."""
    instrument = inspection.instrument
    overall = Table(
        "agreement_overall",
        ["cases", "pairs", "agreement", "line_agreement"],
        [[result.cases, result.pairs, _figure(result.agreement), _figure(result.line_agreement)]],
    )
    assessors = Table(
        "agreement_assessors",
        ["first", "second", "cases", "pairs", "agreement", "line_agreement"],
        [
            [p.first, p.second, p.cases, p.pairs, _figure(p.agreement), _figure(p.line_agreement)]
            for p in result.assessor_pairs
        ],
    )
    question_rows: list[list[Cell]] = []
    for qid, q in result.questions.items():
        line = q.line
        question_rows.append(
            [
                qid,
                instrument.question(qid).criterion or "",
                instrument.question(qid).chart_label,
                q.values.pairs,
                _figure(q.values.agreement),
                _figure(q.values.kappa),
                _figure(q.values.ac1),
                line.pairs if line else None,
                _figure(line.agreement) if line else None,
                _figure(line.kappa) if line else None,
                _figure(line.ac1) if line else None,
            ]
        )
    questions = Table(
        "agreement_questions",
        [
            "question_id",
            "criterion",
            "label",
            "pairs",
            "agreement",
            "kappa",
            "ac1",
            "line_pairs",
            "line_agreement",
            "line_kappa",
            "line_ac1",
        ],
        question_rows,
    )
    pairs = Table(
        "agreement_pairs",
        ["case_ref", "question_id", "first", "second", "first_value", "second_value", "same"],
        [
            [p.case_ref, p.question_id, p.first, p.second, p.first_value, p.second_value, _yes(p.agree)]
            for q in result.questions.values()
            for p in q.pairs
        ],
    )
    return [overall, assessors, questions, pairs]


def questions_table(inspection: InspectionFile) -> Table:
    headers = ["question_id", "section", "criterion", "outcomes", "text", "options"]
    rows: list[list[Cell]] = [
        [
            q.id,
            q.section,
            q.criterion or "",
            " ".join(q.outcomes),
            q.text,
            "; ".join(f"{o.value} = {o.label}" for o in q.options),
        ]
        for q in inspection.instrument.questions
    ]
    return Table("questions", headers, rows)


def export_tables(inspection: InspectionFile, *, include_incomplete: bool = False) -> list[Table]:
    result = score_file(inspection, include_incomplete=include_incomplete)
    tables = [
        cases_table(inspection),
        answers_table(inspection),
        scores_table(inspection, result),
        factors_table(result),
    ]
    if is_aggregate(inspection):
        tables.append(by_inspection_table(inspection, include_incomplete))
    elif inspection.owner.role == "lead":
        agreement = agreement_of_file(inspection)
        if agreement.cases:  # only a file with double-marked cases has agreement to report
            tables += agreement_tables(inspection, agreement)
    tables.append(questions_table(inspection))
    return tables


# -- writing ----------------------------------------------------------------------------


def _cell_for_file(value: Cell) -> Cell:
    value = neutralise(value)
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        value = value[: MAX_CELL_CHARS - 20] + " [cut: too long]"
    return value


def check_targets(csv_folder: Path | None, xlsx: Path | None, sqlite: Path | None) -> None:
    """Refuse every unusable target before anything is written: a missing parent folder, a name that is
    not a folder (CSV) or is one (workbook, database), the wrong extension, an existing database."""
    if csv_folder is not None:
        check_folder_for(csv_folder)
        if csv_folder.exists() and not csv_folder.is_dir():
            raise UserError(
                f"{csv_folder} is a file, not a folder for the CSV files; choose a folder. Nothing was written."
            )
        refused = unwritable(csv_folder / "cases.csv" if csv_folder.is_dir() else csv_folder)
        if refused is not None:
            raise refused
    for target in (xlsx, sqlite):
        if target is not None:
            check_folder_for(target)
            if target.is_dir():
                raise UserError(f"{target} is a folder; give a file name. Nothing was written.")
            refused = unwritable(target)  # a read-only place, found before any work
            if refused is not None:
                raise refused
    if xlsx is not None and xlsx.suffix.lower() != ".xlsx":
        raise UserError(f"{xlsx.name}: the workbook's name must end in .xlsx")
    if sqlite is not None:
        _check_sqlite_target(sqlite)


def write_csv(tables: Sequence[Table], folder: Path | str) -> list[Path]:
    """One UTF-8 CSV per table (with a byte-order mark, so spreadsheets read accents right).

    The folder is made if it is new (its parent must exist: a mistyped path is not built).
    """
    folder = Path(folder)
    check_targets(folder, None, None)
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise write_error(exc, folder) from exc
    written = []
    for table in tables:
        target = folder / f"{table.name}.csv"
        _write_atomically(target, table, _csv_rows)
        written.append(target)
    return written


def _csv_rows(handle: TextIO, table: Table) -> None:
    writer = csv.writer(handle)
    writer.writerow([_cell_for_file(h) for h in table.headers])
    writer.writerows([[_cell_for_file(c) for c in row] for row in table.rows])


def _write_atomically(target: Path, table: Table, fill: Callable[[TextIO, Table], None]) -> None:
    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8-sig", newline="") as handle:
            fill(handle, table)

    write_whole(target, write)


def write_xlsx(tables: Sequence[Table], path: Path | str) -> Path:
    """One workbook, a sheet per table; every text cell stored as text, never as a formula."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell  # type: ignore[import-untyped]

    path = Path(path)
    check_targets(None, path, None)
    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(title=table.name[:31])
        sheet.freeze_panes = "A2"
        lines: list[Sequence[Cell]] = [table.headers, *table.rows]
        for line in lines:
            cells = []
            for value in line:
                value = _cell_for_file(value)
                if isinstance(value, str):
                    value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
                cells.append(cell)
            sheet.append(cells)
    try:
        write_whole(path, workbook.save)
    finally:
        for sheet in workbook.worksheets:  # stop the sheets' row writers, which would complain when collected
            with contextlib.suppress(Exception):
                sheet.close()
    return path


def write_sqlite(tables: Sequence[Table], path: Path | str) -> Path:
    """A plain SQLite database for analysis (SQL, Datasette): a table per export table.

    Built with sqlite-utils, which creates each table's columns and types from
    the rows. It is not an inspection file and HMIP Desktop never opens it. An
    existing file is never replaced: a database is too easily someone's other work.
    """
    import sqlite_utils

    path = Path(path)
    check_targets(None, None, path)

    def fill(tmp: Path) -> None:
        database = sqlite_utils.Database(tmp)
        try:
            for table in tables:
                records = [dict(zip(table.headers, row)) for row in table.rows]
                if records:
                    # sqlite-utils picks each column's type from the values (counts stay numbers).
                    database.table(table.name).insert_all(records, alter=True)
                else:  # an empty table still says what it would hold, as in the CSV files and the workbook
                    database.table(table.name).create(dict.fromkeys(table.headers, str))
        finally:
            database.close()

    try:
        write_whole(path, fill, never_replace="analysis database")
    except sqlite3.Error as exc:
        raise unwritable(path) or StorageError(f"cannot write {path.name}: {exc}. Nothing was written.") from exc
    return path


def _check_sqlite_target(path: Path) -> None:
    if path.suffix.lower() in {".hmip", ".hmipx"}:
        raise UserError(f"{path.name}: an analysis export must not use an inspection file's extension; use .db")
    refuse_existing(path, "analysis database")
