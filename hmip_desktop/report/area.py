"""Context data about the area inspected: the tables of the report's first appendix.

The lead enters figures such as unemployment and population by local authority, or the service's
caseload by gender and ethnicity, each column with the source it comes from. They are kept in the
findings field `area.data` as JSON (findings are audited; no schema change), written only after
the whole set has been checked.

The same data travels in one flat CSV, one figure a line (what `hmip area import` reads, what the
lead workspace's Area tab edits and exports)::

    table,row,column,value,source,row_heading
    Kent demographic data,Ashford,Unemployment,6.2%,ONS Local Labour Market Indicators 2012,Local authority
    Kent demographic data,Ashford,Population,"118,000",ONS 2011 Census,

Tables, rows and columns keep the order in which they first appear. A source belongs to a column of
a table, and a row heading (what the first column lists) to a table: give each on any one line
(leaving it empty on the others is fine). Figures are numbers ("118,000", "5993", "6.2"),
percentages ("6.2%") or "n/a". `source` and `row_heading` are optional columns.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hmip_desktop.model.errors import ImportRejected, UserError
from hmip_desktop.model.imports.csv_import import read_csv
from hmip_desktop.model.wording import count, plural

FIELD = "area.data"
CSV_COLUMNS = ("table", "row", "column", "value", "source", "row_heading")
REQUIRED_COLUMNS = ("table", "row", "column", "value")
NOT_AVAILABLE = "n/a"
MAX_TABLES = 20
MAX_ROWS = 200
MAX_COLUMNS = 12
MAX_TEXT = 300
MAX_PROBLEMS_LISTED = 50

#: 6.2, 118,000, 56,075,900, -1.5, 6.2% (thousands separators in threes; one optional % sign).
_FIGURE = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?%?$")


class InvalidAreaData(UserError):
    """Area context data that cannot go in the report (every problem is listed)."""


def check_figure(value: str) -> str | None:
    """Why `value` is not a figure the table can show, or None when it is."""
    if value == NOT_AVAILABLE or _FIGURE.match(value):
        return None
    return f"{value!r} is not a number, a percentage or {NOT_AVAILABLE}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AreaColumn(_Strict):
    name: str = Field(min_length=1, max_length=MAX_TEXT)
    source: str = Field(default="", max_length=MAX_TEXT)


class AreaRow(_Strict):
    label: str = Field(min_length=1, max_length=MAX_TEXT)
    values: tuple[str, ...]


class AreaTable(_Strict):
    """A table: a row per place or group, a column per measure; `label` heads the first column (the rows)."""

    title: str = Field(min_length=1, max_length=MAX_TEXT)
    label: str = Field(default="", max_length=MAX_TEXT)
    columns: tuple[AreaColumn, ...] = Field(min_length=1, max_length=MAX_COLUMNS)
    rows: tuple[AreaRow, ...] = Field(min_length=1, max_length=MAX_ROWS)

    @model_validator(mode="after")
    def _check_cells(self) -> AreaTable:
        problems: list[str] = []
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            problems.append(f"table {self.title!r}: a column name is repeated")
        labels = [r.label for r in self.rows]
        if len(set(labels)) != len(labels):
            problems.append(f"table {self.title!r}: a row name is repeated")
        for row in self.rows:
            if len(row.values) != len(self.columns):
                problems.append(
                    f"table {self.title!r}, row {row.label!r}: {len(row.values)} values for {len(self.columns)} columns"
                )
                continue
            for column, value in zip(self.columns, row.values):
                why = check_figure(value)
                if why:
                    problems.append(f"table {self.title!r}, row {row.label!r}, column {column.name!r}: {why}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class AreaData(_Strict):
    tables: tuple[AreaTable, ...] = Field(default=(), max_length=MAX_TABLES)

    @model_validator(mode="after")
    def _check_titles(self) -> AreaData:
        titles = [t.title for t in self.tables]
        if len(set(titles)) != len(titles):
            raise ValueError("a table title is repeated")
        return self

    def sources(self) -> list[str]:
        """Every source, numbered by first use (the report's footnotes 1, 2, ...)."""
        found: list[str] = []
        for table in self.tables:
            for column in table.columns:
                if column.source and column.source not in found:
                    found.append(column.source)
        return found

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=1)


# -- the findings field -------------------------------------------------------------------------


def parse_area_json(raw: str) -> AreaData | None:
    """The stored data, or None when nothing was entered; InvalidAreaData names every problem."""
    if not raw.strip():
        return None
    try:
        data = AreaData.model_validate_json(raw)
    except ValidationError as exc:
        raise InvalidAreaData(
            f"the {FIELD} field is not valid area data ({count(exc.error_count(), 'problem')})",
            _messages(exc),
        ) from exc
    return data if data.tables else None


def _messages(exc: ValidationError) -> list[str]:
    out = []
    for error in exc.errors()[:MAX_PROBLEMS_LISTED]:
        where = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        out.append(f"{where}: {message}" if where else message)
    return out


# -- the flat form: CSV lines ---------------------------------------------------------------------


@dataclass(frozen=True)
class FlatLine:
    """One figure: which table, row and column it belongs to, its value and its column's source."""

    table: str
    row: str
    column: str
    value: str
    source: str = ""
    row_heading: str = ""


def to_lines(data: AreaData | None) -> list[FlatLine]:
    """The data one figure a line (each column's source on its first line), in table, row, column order."""
    lines: list[FlatLine] = []
    for table in data.tables if data else ():
        for r, row in enumerate(table.rows):
            for column, value in zip(table.columns, row.values):
                first = r == 0
                lines.append(
                    FlatLine(
                        table.title,
                        row.label,
                        column.name,
                        value,
                        column.source if first else "",
                        table.label if first and column is table.columns[0] else "",
                    )
                )
    return lines


@dataclass
class _Collected:
    """One table as its figures arrive: values by row then column, each column's source, the row heading."""

    rows: dict[str, dict[str, str]] = field(default_factory=dict)
    columns: dict[str, None] = field(default_factory=dict)
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    heading: tuple[str, str] = ("", "")


def from_lines(lines: Sequence[FlatLine], *, where: Sequence[str] | None = None, name: str = "the data") -> AreaData:
    """Tables from figures; `where[i]` names line i in messages ("line 4"). All or nothing."""
    places = list(where) if where is not None else [f"line {i}" for i in range(1, len(lines) + 1)]
    problems: list[str] = []
    tables: dict[str, _Collected] = {}
    seen: dict[tuple[str, str, str], str] = {}
    for place, line in zip(places, lines):
        problem = _collect(place, line, tables, seen)
        if problem:
            problems.append(problem)
    built: list[AreaTable] = []
    for title, collected in tables.items():
        columns = list(collected.columns)
        for row_label, cells in collected.rows.items():
            missing = [c for c in columns if c not in cells]
            if missing:
                problems.append(
                    f"table {title!r}, row {row_label!r}: no value for {', '.join(map(repr, missing))} "
                    f"(write {NOT_AVAILABLE} for a figure not known)"
                )
        if len(columns) > MAX_COLUMNS:
            problems.append(f"table {title!r}: {len(columns)} columns; a table has at most {MAX_COLUMNS}")
        if len(collected.rows) > MAX_ROWS:
            problems.append(f"table {title!r}: {len(collected.rows)} rows; a table has at most {MAX_ROWS}")
        if problems:
            continue
        built.append(
            AreaTable(
                title=title,
                label=collected.heading[0],
                columns=tuple(AreaColumn(name=c, source=collected.sources.get(c, ("", ""))[0]) for c in columns),
                rows=tuple(
                    AreaRow(label=r, values=tuple(cells[c] for c in columns)) for r, cells in collected.rows.items()
                ),
            )
        )
    if len(tables) > MAX_TABLES:
        problems.append(f"{len(tables)} tables; the appendix holds at most {MAX_TABLES}")
    if problems:
        shown = problems[:MAX_PROBLEMS_LISTED]
        if len(problems) > len(shown):
            shown.append(f"… and {len(problems) - len(shown)} more")
        raise InvalidAreaData(f"{name}: {count(len(problems), 'problem')}; nothing was saved", shown)
    return AreaData(tables=tuple(built))


def _collect(place: str, line: FlatLine, tables: dict[str, _Collected], seen: dict[tuple[str, str, str], str]) -> str:
    """Add one figure to its table; the problem with it, or "" when there is none."""
    table, row, column = line.table.strip(), line.row.strip(), line.column.strip()
    value, source, heading = line.value.strip(), line.source.strip(), line.row_heading.strip()
    empty = [n for n, v in (("table", table), ("row", row), ("column", column), ("value", value)) if not v]
    if empty:
        return f"{place}: {', '.join(empty)} is empty (a figure not known is written {NOT_AVAILABLE})"
    named = (("table", table), ("row", row), ("column", column), ("source", source), ("row_heading", heading))
    too_long = [n for n, v in named if len(v) > MAX_TEXT]
    if too_long:
        return f"{place}: {', '.join(too_long)} is longer than {MAX_TEXT} characters"
    why = check_figure(value)
    if why:
        return f"{place}: {why}"
    key = (table, row, column)
    if key in seen:
        return f"{place}: a second value for {table!r}, row {row!r}, column {column!r} (the first is on {seen[key]})"
    collected = tables.setdefault(table, _Collected())
    if source and column in collected.sources and collected.sources[column][0] != source:
        known, where = collected.sources[column]
        return f"{place}: column {column!r} of {table!r} already has the source {known!r} ({where}); a column has one source"
    if heading and collected.heading[0] and collected.heading[0] != heading:
        return f"{place}: the rows of {table!r} are already headed {collected.heading[0]!r} ({collected.heading[1]})"
    seen[key] = place
    collected.rows.setdefault(row, {})[column] = value
    collected.columns.setdefault(column, None)
    if source:
        collected.sources.setdefault(column, (source, place))
    if heading and not collected.heading[0]:
        collected.heading = (heading, place)
    return ""


def read_area_csv(path: Path) -> AreaData:
    """Area data from a CSV file (see the module's docstring); ImportRejected lists every bad line."""
    table = read_csv(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in table.headers]
    if missing:
        raise ImportRejected(
            f"{path.name} has no column {', '.join(missing)}; the header must be {','.join(CSV_COLUMNS)} "
            "(source and row_heading are optional)"
        )
    unknown = [h for h in table.headers if h not in CSV_COLUMNS]
    if unknown:
        raise ImportRejected(
            f"{path.name}: unknown {plural(len(unknown), 'column')} {', '.join(unknown)}; the columns are {','.join(CSV_COLUMNS)}"
        )
    lines: list[FlatLine] = []
    places: list[str] = []
    widths: list[str] = []
    for number, cells in table.rows:
        if set(cells) != set(table.headers):
            widths.append(f"line {number}: more or fewer cells than the header has columns")
            continue
        lines.append(
            FlatLine(
                cells["table"],
                cells["row"],
                cells["column"],
                cells["value"],
                cells.get("source", ""),
                cells.get("row_heading", ""),
            )
        )
        places.append(f"line {number}")
    if widths:
        raise ImportRejected(
            f"{path.name}: {count(len(widths), 'line')} {plural(len(widths), 'does', 'do')} not match the header; nothing was saved",
            widths[:MAX_PROBLEMS_LISTED],
        )
    if not lines:
        raise ImportRejected(f"{path.name} has a header but no figures")
    try:
        return from_lines(lines, where=places, name=path.name)
    except InvalidAreaData as exc:
        raise ImportRejected(exc.message, exc.details) from None


def csv_text(lines: Iterable[FlatLine]) -> str:
    """The CSV form (for export from the Area tab); `read_area_csv` reads it back unchanged."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        writer.writerow([line.table, line.row, line.column, line.value, line.source, line.row_heading])
    return out.getvalue()
