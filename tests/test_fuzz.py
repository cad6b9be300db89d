"""Fuzzing the three doors untrusted data comes in by: CSV imports, the file opener, the package reader.

Each target may succeed or raise a UserError; any other exception is a bug,
and pytest-timeout catches a hang. CI runs a modest budget; a longer run:

    HMIP_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest tests/test_fuzz.py -s -p no:cacheprovider

(-s prints how many inputs each target tried.)
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from audit_support import audit_consistency, verify_audit_chain
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file import package
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.imports.csv_import import import_answers, import_cases
from hmip_desktop.model.merge.incoming import read_incoming

EXAMPLES = int(os.environ.get("HMIP_FUZZ_EXAMPLES", "75"))
PASSPHRASE = "kent fieldwork march"
FAST = package.ScryptParams(n=2**10, r=8, p=1)

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
tried: Counter[str] = Counter()
#: A hang is a failure too, but a long run needs more time than CI's default.
pytestmark = pytest.mark.timeout(120 + EXAMPLES // 10)


@pytest.fixture(scope="module", autouse=True)
def report_inputs_tried() -> Iterator[None]:
    yield
    print("\nfuzz inputs tried: " + ", ".join(f"{target}={count}" for target, count in sorted(tried.items())))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small inspection file with a few answers (made with the mini instrument)."""
    from hmip_desktop.model.instrument.definition import available_instruments

    mini = next(i for i in available_instruments() if i.id == "mini-test")
    path = tmp_path_factory.mktemp("fuzz") / "template.hmip"
    with InspectionFile.create(
        path, inspection_id="KENT-2014", area="Kent", assessor="Ann Smith", instrument=mini
    ) as inspection:
        inspection.set_answer("KT-001", "cd.gender", "female", "a note", create_case=True)
        inspection.set_answer("KT-002", "cd.report", "written", create_case=True)
        inspection.set_answer("KT-002", "s.quality", "yes", "quality of the report")
    return path


@pytest.fixture(scope="module")
def sealed(template: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("fuzz") / "template.hmipx"
    package.write_package(template, out, PASSPHRASE, kdf=FAST)
    return out.read_bytes()


def fresh_copy(template: Path, folder: Path, name: str) -> Path:
    target = folder / name
    target.unlink(missing_ok=True)
    shutil.copyfile(template, target)
    return target


# -- CSV import ----------------------------------------------------------------------------


def import_and_check(template: Path, folder: Path, data: bytes, kind: str) -> None:
    """Import `data` into a fresh copy: a refusal changes nothing, an acceptance keeps the file consistent."""
    target = fresh_copy(template, folder, "csv-target.hmip")
    csv_path = folder / "input.csv"
    csv_path.write_bytes(data)
    with InspectionFile.open(target) as inspection:
        before = target.read_bytes()
        try:
            if kind == "answers":
                import_answers(inspection, csv_path)
            else:
                import_cases(inspection, csv_path, drop_columns=["Name"])
        except UserError:
            assert target.read_bytes() == before
            return
        tried["csv-accepted"] += 1
        assert audit_consistency(inspection) == []
        assert verify_audit_chain(inspection) is None


@FUZZ
@given(data=st.binary(max_size=2000), kind=st.sampled_from(["answers", "cases"]))
def test_csv_import_random_bytes(template: Path, tmp_path: Path, data: bytes, kind: str) -> None:
    tried["csv-bytes"] += 1
    import_and_check(template, tmp_path, data, kind)


HEADERS = ["case_ref", "question_id", "value", "note", "cd.gender", "cd.rosh", "cd.report", "Name", "DOB", "x"]
ANSWERS = {
    "cd.gender": ["male", "female"],
    "cd.rosh": ["low", "medium", "high"],
    "cd.report": ["none", "written", "oral"],
    "s.quality": ["yes", "no", "na"],
    "f.acc.identified": ["yes", "missed", "not-relevant"],
    "f.acc.progress": ["good", "insufficient", "too-early"],
    "p.plan": ["sufficient", "insufficient", "not-done"],
}
REFS = st.sampled_from(["KT-001", "KT-002", "KT-003", "KT-004", " KT-005 "])
NOISE = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=5),
    st.sampled_from(['"', '""', "a,b", "line\nbreak", "\r", "\ufeff", "=1+1", "\u202e", "John Smith", "01/02/1970"]),
)


@st.composite
def answer(draw: st.DrawFn) -> tuple[str, str]:
    qid = draw(st.sampled_from(sorted(ANSWERS)))
    value = draw(st.sampled_from(ANSWERS[qid]))
    return qid, draw(st.sampled_from([value, value.upper(), value.title(), ""]))


@st.composite
def answers_rows(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    headers = ["case_ref", "question_id", "value"] + (["note"] if draw(st.booleans()) else [])
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        qid, value = draw(answer())
        row = [draw(REFS), qid, value] + ([draw(st.one_of(st.just(""), NOISE))] if len(headers) == 4 else [])
        rows.append(row)
    return headers, rows


@st.composite
def sample_rows(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    details = draw(st.lists(st.sampled_from(["cd.gender", "cd.rosh", "cd.report", "Name"]), unique=True))
    headers = ["case_ref", *details]
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        row = [draw(REFS)]
        for column in details:
            row.append(draw(NOISE) if column == "Name" else draw(st.sampled_from(["", *ANSWERS[column]])))
        rows.append(row)
    return headers, rows


@st.composite
def random_rows(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    headers = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6))
    cells = st.one_of(REFS, st.sampled_from(sorted(ANSWERS)), NOISE)
    return headers, draw(st.lists(st.lists(cells, max_size=len(headers) + 1), max_size=12))


@st.composite
def structured_csv(draw: st.DrawFn) -> tuple[str, bytes]:
    """(import kind, file bytes): mostly well-formed imports with some noise, sometimes anything."""
    kind = draw(st.sampled_from(["answers", "cases"]))
    headers, rows = draw(st.one_of(answers_rows() if kind == "answers" else sample_rows(), random_rows()))
    buffer = io.StringIO()
    if draw(st.integers(0, 4)):
        writer = csv.writer(buffer, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
        writer.writerow(headers)
        writer.writerows(rows)
    else:  # naive joining: quotes and commas inside cells break the structure
        buffer.write("\n".join(",".join(row) for row in [headers, *rows]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1"]))
    return kind, buffer.getvalue().encode(encoding, errors="replace")


@FUZZ
@given(case=structured_csv())
def test_csv_import_structured(template: Path, tmp_path: Path, case: tuple[str, bytes]) -> None:
    tried["csv-structured"] += 1
    kind, data = case
    import_and_check(template, tmp_path, data, kind)


# -- file opener ------------------------------------------------------------------------------

MUTATIONS = st.lists(
    st.tuples(st.floats(min_value=0, max_value=1, exclude_max=True), st.integers(min_value=1, max_value=255)),
    min_size=1,
    max_size=8,
)


def mutate(data: bytes, mutations: list[tuple[float, int]], cut: float | None) -> bytes:
    changed = bytearray(data)
    for position, xor in mutations:
        changed[int(position * len(changed))] ^= xor
    if cut is not None:
        del changed[int(cut * len(changed)) :]
    return bytes(changed)


def read_as_the_merge_does(path: Path, work: Path) -> None:
    """The merge's reading: a private copy checked in full, then every value read and checked."""
    with tempfile.TemporaryDirectory(dir=work) as folder:
        read_incoming(path, Path(folder))


def read_as_its_owner_does(path: Path, *, read_only: bool) -> None:
    """An assessor's own file opened as usual (only its layout checked), then everything in it read:
    the store's reads, and every row of every table through the file's own connection."""
    with InspectionFile.open(path, read_only=read_only) as inspection:
        inspection.info()
        inspection.assessors()
        for case in inspection.list_cases():
            inspection.answers_for(case.uuid)
        inspection.all_answers()
        inspection.audit_entries()
        inspection.findings()
        for (table,) in inspection.conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'").fetchall():
            inspection.conn.execute(f'SELECT * FROM "{table}"').fetchall()


@FUZZ
@given(mutations=MUTATIONS, cut=st.one_of(st.none(), st.floats(min_value=0, max_value=1)))
# Found by this test: a byte of an audit entry's prev_hash no longer UTF-8, read by audit_entries().
@example(mutations=[(0.40625, 128)], cut=None)
def test_file_opener_mutations(
    template: Path, tmp_path: Path, mutations: list[tuple[float, int]], cut: float | None
) -> None:
    """Opened by its owner (read-only or for editing) and read through, or read by the merge: the
    file is read or refused with a UserError; a raw SQLite or decoding error would be a bug."""
    tried["file-opener"] += 1
    target = tmp_path / "mutated.hmip"
    target.write_bytes(mutate(template.read_bytes(), mutations, cut))
    for read_only in (True, False):
        try:
            read_as_its_owner_does(target, read_only=read_only)
        except UserError:
            tried["file-refused-to-its-owner"] += 1
    try:
        read_as_the_merge_does(target, tmp_path)
    except UserError:
        tried["file-refused-by-the-merge"] += 1


# -- package reader ---------------------------------------------------------------------------


@FUZZ
@given(
    mutations=MUTATIONS,
    cut=st.one_of(st.none(), st.floats(min_value=0, max_value=1, exclude_max=True)),
    tail=st.binary(max_size=64),
)
def test_package_reader_mutations(
    sealed: bytes, tmp_path: Path, mutations: list[tuple[float, int]], cut: float | None, tail: bytes
) -> None:
    tried["package-reader"] += 1
    data = mutate(sealed, mutations, cut) + tail
    bad = tmp_path / "mutated.hmipx"
    bad.write_bytes(data)
    dest = tmp_path / "dest"
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir()
    try:
        package.open_package(bad, PASSPHRASE, dest)
    except UserError:
        assert list(dest.iterdir()) == []
        return
    assert data == sealed, "a changed package was accepted"


@FUZZ
@given(
    prefix=st.sampled_from([b"", package.MAGIC, package.MAGIC + b"\x01", package.MAGIC + b"\x01\x01"]),
    data=st.binary(max_size=400),
    passphrase=st.text(max_size=20),
)
def test_package_reader_random_bytes(tmp_path: Path, prefix: bytes, data: bytes, passphrase: str) -> None:
    tried["package-bytes"] += 1
    bad = tmp_path / "random.hmipx"
    bad.write_bytes(prefix + data)
    with pytest.raises(UserError):
        package.open_package(bad, passphrase, tmp_path)


# -- any one value changed outside the app is found by `hmip verify` ----------------------------------


@pytest.fixture(scope="module")
def lead_template(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A lead's file with every kind of judged state: merged cases, an open conflict, a resolved one,
    provenance, the import ledger, a findings text."""
    from hmip_desktop.model.merge.conflicts import list_conflicts, resolve_conflict
    from hmip_desktop.model.merge.files import merge_files

    folder = tmp_path_factory.mktemp("fuzz-lead")
    with InspectionFile.open(template, read_only=True) as ann:
        mini = ann.instrument
    bob = folder / "bob.hmip"
    with InspectionFile.create(bob, inspection_id="KENT-2014", area="Kent", assessor="Bob Jones", instrument=mini) as b:
        b.set_answer("KT-001", "cd.gender", "male", create_case=True)
        b.set_answer("KT-002", "cd.report", "none", create_case=True)
    lead = folder / "lead.hmip"
    with InspectionFile.create(
        lead, inspection_id="KENT-2014", area="Kent", assessor="Lee Lead", role="lead", instrument=mini
    ) as master:
        merge_files(master, [template, bob])
        first = list_conflicts(master)[0]
        resolve_conflict(master, first.case_ref, first.question_id, value=None, take="Ann Smith", note="record")
        master.set_finding("summary.public", "Public protection was sound.")
        master.set_illustration("KT-001", True, "Joint work with the police.")
    return lead


def _cells(path: Path) -> list[tuple[str, str, str, tuple[str, ...], tuple[object, ...]]]:
    """(table, column, its type, primary-key columns, primary-key values) of every cell the app wrote."""
    import sqlite3

    conn = sqlite3.connect(path)
    cells = []
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")]
    for table in tables:
        if table in ("migrations", "sqlite_sequence"):  # the upgrade log, SQLite's own counter
            continue
        info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
        keys = tuple(column[1] for column in sorted(info, key=lambda c: c[5]) if column[5]) or ("rowid",)
        for row in conn.execute(f'SELECT {", ".join(keys)} FROM "{table}"'):
            cells += [(table, column[1], column[2], keys, tuple(row)) for column in info]
    conn.close()
    return cells


@FUZZ
@given(data=st.data(), which=st.sampled_from(["ann", "lead"]))
def test_any_one_value_changed_outside_the_app_fails_verification(
    template: Path, lead_template: Path, tmp_path: Path, data: st.DataObject, which: str
) -> None:
    import sqlite3

    from hmip_desktop.model.file.verify import verify_file

    source = template if which == "ann" else lead_template
    assert verify_file(source).ok
    path = fresh_copy(source, tmp_path, f"edited-{which}.hmip")
    table, column, kind, keys, key_values = data.draw(st.sampled_from(_cells(source)))
    new = data.draw(
        st.one_of(st.none(), st.integers(-3, 10**6), st.text(max_size=12))
        if kind != "INTEGER"
        else st.one_of(st.none(), st.integers(-3, 10**6))
    )
    where = " AND ".join(f'"{key}" IS ?' for key in keys)
    conn = sqlite3.connect(path)
    (old,) = conn.execute(f'SELECT "{column}" FROM "{table}" WHERE {where}', key_values).fetchone()
    try:
        conn.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE {where}', (new, *key_values))
        conn.commit()
    except sqlite3.IntegrityError:
        conn.close()
        return  # NOT NULL, CHECK or UNIQUE refused the edit: nothing changed
    now_keys = tuple(new if key == column else value for key, value in zip(keys, key_values))
    (stored,) = conn.execute(f'SELECT "{column}" FROM "{table}" WHERE {where}', now_keys).fetchone()
    conn.close()
    if stored == old and type(stored) is type(old):
        return  # the same value again (SQLite's type affinity can turn 5 into '5')
    tried["verify-one-edit"] += 1
    try:
        result = verify_file(path)
    except UserError:
        return  # refused as not an inspection file at all: noticed too
    assert not result.ok, f"{table}.{column} {old!r} -> {stored!r} went unnoticed"
