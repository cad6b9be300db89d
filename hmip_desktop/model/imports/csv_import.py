"""CSV imports: the case sample and bulk answers. All or nothing.

A file is read and checked completely before anything is written; any bad
row rejects the whole file with every problem listed by line number, and the
inspection file is not touched.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from hmip_desktop.model.errors import CaseError, ImportRejected, InvalidAnswer, UserError
from hmip_desktop.model.file.rules import CASE_REF_PATTERN, case_ref_key, check_note
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument import relevance
from hmip_desktop.model.instrument.definition import Question
from hmip_desktop.model.wording import count, plural

MAX_CSV_BYTES = 50 * 1024 * 1024
MAX_PROBLEMS_LISTED = 200
#: The value cell that clears a saved answer in an answers import. An empty cell is refused, so a
#: cell left blank in a spreadsheet never wipes a judgement.
CLEAR_VALUE = "(clear)"

#: Column names that suggest personal data we must not keep (names, birth dates, addresses).
PERSONAL_COLUMN = re.compile(
    r"(^|[^a-z])(name|surname|forename|first.?name|last.?name|full.?name|dob|d\.o\.b|birth|"
    r"address|postcode|post.?code|nhs|pnc|phone|email)([^a-z]|$)",
    re.IGNORECASE,
)

Row = tuple[str, str, str | None, str | None]


@dataclass
class CsvTable:
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]
    encoding: str


@dataclass
class ImportPlan:
    """What an import would write, once every row has been checked."""

    rows: list[Row] = field(default_factory=list)
    new_cases: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _read_capped(path: Path) -> bytes:
    """The file's bytes, refusing it once it passes the cap: a huge file (or a device that never
    ends) costs at most MAX_CSV_BYTES of memory, never its own size."""
    try:
        with path.open("rb") as handle:
            size = path.stat().st_size
            if size > MAX_CSV_BYTES:
                raise ImportRejected(f"{path.name} is {size:,} bytes; a CSV import is limited to {MAX_CSV_BYTES:,}")
            data = handle.read(MAX_CSV_BYTES + 1)
    except IsADirectoryError:
        raise UserError(f"{path} is a folder, not a CSV file") from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_CSV_BYTES:
        raise ImportRejected(f"{path.name} is larger than {MAX_CSV_BYTES:,} bytes, the limit of a CSV import")
    return data


def read_csv(path: Path) -> CsvTable:
    data = _read_capped(path)
    if b"\x00" in data:
        raise ImportRejected(f"{path.name} contains NUL bytes; it is not a text CSV file (save it as CSV)")
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        # Spreadsheets on Windows save "CSV" in Windows-1252; accept it rather than refuse.
        try:
            text, encoding = data.decode("cp1252"), "windows-1252"
        except UnicodeDecodeError as exc:
            raise ImportRejected(
                f"{path.name} is not UTF-8 or Windows-1252 text (byte {exc.start}); save it as CSV UTF-8"
            ) from exc
    csv.field_size_limit(MAX_CSV_BYTES)
    # strict: an unclosed quote is an error, not a cell that silently swallows every row after it.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        headers = next(reader, None)
        if headers is None:
            raise ImportRejected(f"{path.name} is empty; it needs a header row")
        headers = [h.strip() for h in headers]
        _check_header_names(path, headers)
        rows: list[tuple[int, dict[str, str]]] = []
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            line = reader.line_num
            if len(record) != len(headers):
                # Listed by line by the caller, never padded: a missing value cell read as empty
                # would clear a saved answer.
                more = "more" if len(record) > len(headers) else "fewer"
                width = f"{more} cells than columns ({len(record)} where the header has {len(headers)})"
                rows.append((line, {_WRONG_WIDTH: width}))
                continue
            rows.append((line, dict(zip(headers, record))))
    except csv.Error as exc:
        raise ImportRejected(f"{path.name} is not valid CSV near line {reader.line_num}: {exc}") from exc
    duplicates = sorted({h for h in headers if headers.count(h) > 1})
    if duplicates:
        raise ImportRejected(f"{path.name} has repeated columns: {', '.join(duplicates)}")
    return CsvTable(headers=headers, rows=rows, encoding=encoding)


#: The key a row's cells are marked with when the row has more or fewer cells than the header.
_WRONG_WIDTH = "\x00width"


def _check_header_names(path: Path, headers: list[str]) -> None:
    if len(headers) > 1 and headers[-1] == "":
        raise ImportRejected(
            f"{path.name}: the header row ends with a comma, which makes an extra column without a name; "
            "remove the comma at the end of the first line"
        )
    blank = [str(n) for n, h in enumerate(headers, start=1) if not h]
    if blank:
        raise ImportRejected(
            f"{path.name}: {plural(len(blank), 'column')} {', '.join(blank)} of the header row "
            f"{'has' if len(blank) == 1 else 'have'} no name; name every column or remove the empty one"
        )


def _width_problem(line: int, cells: dict[str, str]) -> str | None:
    if _WRONG_WIDTH not in cells:
        return None
    return f"line {line}: {cells[_WRONG_WIDTH]}; every row needs a cell for each column (an empty cell is fine)"


def match_value(question: Question, raw: str) -> str | None:
    """An option value from a cell holding the value or the label (any case)."""
    text = raw.strip()
    if question.option(text) is not None:
        return text
    lowered = text.casefold()
    for option in question.options:
        if option.value.casefold() == lowered or option.label.casefold() == lowered:
            return option.value
    return None


def _reject(path: Path, problems: list[str]) -> ImportRejected:
    shown = problems[:MAX_PROBLEMS_LISTED]
    if len(problems) > len(shown):
        shown.append(f"... and {len(problems) - len(shown)} more")
    return ImportRejected(
        f"{path.name} was not imported: {count(len(problems), 'problem')}; fix them and import again (nothing was written)",
        shown,
    )


def _check_ref(raw: str, line: int, problems: list[str], spelling: dict[str, str]) -> str | None:
    """The row's case reference, spelled as first seen in the file: references that differ only
    in letter case are one case (`case_ref_key`)."""
    ref = raw.strip()
    if not CASE_REF_PATTERN.match(ref):
        problems.append(f"line {line}: {raw!r} is not a valid case reference")
        return None
    return spelling.setdefault(case_ref_key(ref), ref)


def _check_rows(
    inspection: InspectionFile, candidate: dict[str, dict[str, tuple[int, str | None, str | None]]], problems: list[str]
) -> ImportPlan:
    """Check each case's new answers together with what the file already holds."""
    instrument = inspection.instrument
    plan = ImportPlan()
    for ref, updates in candidate.items():
        case = inspection.find_case(ref)
        if case is None:
            plan.new_cases.append(ref)
            existing: dict[str, str] = {}
        else:
            existing = inspection.values_for(case.uuid)
        merged = dict(existing)
        for qid, (_line, value, _note) in updates.items():
            if value is None:
                merged.pop(qid, None)
            else:
                merged[qid] = value
        relevant = relevance.relevant_question_ids(instrument, merged)
        for qid, (line, value, note) in updates.items():
            if case is not None and case.is_complete and existing.get(qid) != value:
                problems.append(f"line {line}: case {ref} is marked complete; reopen it before changing answers")
                continue
            if value is not None and qid not in relevant:
                reason = relevance.explain_rule(instrument, instrument.by_id[qid].relevant_if)  # type: ignore[arg-type]
                problems.append(f"line {line}: {qid} does not apply to case {ref} (it {reason})")
                continue
            plan.rows.append((ref, qid, value, note))
    return plan


def plan_answers_import(inspection: InspectionFile, path: Path) -> ImportPlan:
    """Check ``case_ref,question_id,value[,note]`` rows; raise ImportRejected listing every bad row."""
    table = read_csv(path)
    instrument = inspection.instrument
    required = ["case_ref", "question_id", "value"]
    missing = [c for c in required if c not in table.headers]
    if missing:
        raise ImportRejected(
            f"{path.name} lacks the {plural(len(missing), 'column')} {', '.join(missing)}; the header must be "
            "case_ref,question_id,value[,note]"
        )
    unknown = [h for h in table.headers if h not in (*required, "note")]
    if unknown:
        raise ImportRejected(
            f"{path.name} has unknown {plural(len(unknown), 'column')} {', '.join(unknown)}; allowed: case_ref,question_id,value,note"
        )
    problems: list[str] = []
    candidate: dict[str, dict[str, tuple[int, str | None, str | None]]] = {}
    spelling: dict[str, str] = {}
    for line, cells in table.rows:
        width = _width_problem(line, cells)
        if width is not None:
            problems.append(width)
            continue
        ref = _check_ref(cells["case_ref"], line, problems, spelling)
        qid = cells["question_id"].strip()
        question = instrument.by_id.get(qid)
        if question is None:
            problems.append(f"line {line}: unknown question {qid!r}")
            continue
        raw = cells["value"].strip()
        clear = raw.casefold() == CLEAR_VALUE
        value = None if clear else match_value(question, raw)
        if not raw:
            problems.append(f"line {line}: no value for {qid}; give an answer, or {CLEAR_VALUE} to clear a saved one")
            continue
        if value is None and not clear:
            allowed = ", ".join(o.value for o in question.options)
            problems.append(f"line {line}: {raw!r} is not an answer to {qid} (use one of: {allowed})")
            continue
        note: str | None = None
        if "note" in cells and cells["note"] != "":
            try:
                note = check_note(cells["note"])
            except InvalidAnswer as exc:
                problems.append(f"line {line}: {exc.message}")
                continue
        if ref is None:
            continue
        previous = candidate.setdefault(ref, {}).get(qid)
        if previous is not None and previous[1:] != (value, note):
            problems.append(
                f"line {line}: case {ref}, {qid} is given again with a different answer (line {previous[0]})"
            )
            continue
        if previous is None:
            candidate[ref][qid] = (line, value, note)
    plan = _check_rows(inspection, candidate, problems)
    if problems:
        raise _reject(path, problems)
    if table.encoding != "utf-8":
        plan.warnings.append(f"{path.name} was read as {table.encoding}")
    return plan


def plan_cases_import(inspection: InspectionFile, path: Path, drop_columns: Iterable[str] = ()) -> ImportPlan:
    """Check a case sample (``case_ref`` plus case-detail columns named by question id)."""
    table = read_csv(path)
    instrument = inspection.instrument
    dropped = {c.strip() for c in drop_columns}
    if "case_ref" not in table.headers:
        raise ImportRejected(f"{path.name} lacks the column case_ref; the first row must name the columns")
    personal = [
        h for h in table.headers if h not in dropped and h not in instrument.by_id and PERSONAL_COLUMN.search(h)
    ]
    if personal:
        raise ImportRejected(
            f"{path.name} has {plural(len(personal), 'a column that looks', 'columns that look')} like personal "
            f"data: {', '.join(personal)}. HMIP Desktop keeps case references only. Remove "
            f"{plural(len(personal), 'it', 'them')}, or confirm {plural(len(personal), 'it', 'they')} may be left out "
            "(CLI: --drop-column NAME; nothing from them is stored)"
        )
    unknown = [h for h in table.headers if h != "case_ref" and h not in dropped and h not in instrument.by_id]
    if unknown:
        raise ImportRejected(
            f"{path.name} has {plural(len(unknown), 'a column that is not a question id', 'columns that are not question ids')}: "
            f"{', '.join(unknown)}; "
            "`hmip instrument` lists the case-detail question ids"
        )
    columns = [h for h in table.headers if h in instrument.by_id and h not in dropped]
    problems: list[str] = []
    candidate: dict[str, dict[str, tuple[int, str | None, str | None]]] = {}
    first_line: dict[str, int] = {}
    spelling: dict[str, str] = {}
    for line, cells in table.rows:
        width = _width_problem(line, cells)
        if width is not None:
            problems.append(width)
            continue
        ref = _check_ref(cells["case_ref"], line, problems, spelling)
        if ref is None:
            continue
        if ref in first_line:
            problems.append(f"line {line}: case {ref} appears again (first on line {first_line[ref]})")
            continue
        first_line[ref] = line
        updates: dict[str, tuple[int, str | None, str | None]] = {}
        for qid in columns:
            raw = cells.get(qid, "").strip()
            if not raw:
                continue
            value = match_value(instrument.by_id[qid], raw)
            if value is None:
                allowed = ", ".join(o.value for o in instrument.by_id[qid].options)
                problems.append(f"line {line}: {raw!r} is not an answer to {qid} (use one of: {allowed})")
                continue
            updates[qid] = (line, value, None)
        candidate[ref] = updates
    plan = _check_rows(inspection, candidate, problems)
    if problems:
        raise _reject(path, problems)
    if dropped:
        plan.warnings.append(f"left out {plural(len(dropped), 'column')}: {', '.join(sorted(dropped))} (not stored)")
    if table.encoding != "utf-8":
        plan.warnings.append(f"{path.name} was read as {table.encoding}")
    return plan


def apply_plan(inspection: InspectionFile, plan: ImportPlan) -> int:
    """Write a checked plan in one transaction; return the number of answers changed."""
    try:
        with inspection.transaction():
            for ref in plan.new_cases:
                if inspection.find_case(ref) is None:
                    inspection.insert_case(ref)
            changed = 0
            # Form order puts every gate before the questions it opens.
            position = {q.id: i for i, q in enumerate(inspection.instrument.questions)}
            for ref, qid, value, note in sorted(plan.rows, key=lambda row: (row[0], position[row[1]])):
                case = inspection.get_case(ref)
                before = inspection.answer(case.uuid, qid)
                after = inspection.write_answer(case, qid, value, note)
                changed += before != after
    except (InvalidAnswer, CaseError) as exc:
        raise ImportRejected(f"the import was refused and nothing was written: {exc.message}") from exc
    return changed


def import_answers(inspection: InspectionFile, path: Path) -> tuple[ImportPlan, int]:
    plan = plan_answers_import(inspection, path)
    return plan, apply_plan(inspection, plan)


def import_cases(inspection: InspectionFile, path: Path, drop_columns: Iterable[str] = ()) -> tuple[ImportPlan, int]:
    plan = plan_cases_import(inspection, path, drop_columns)
    return plan, apply_plan(inspection, plan)
