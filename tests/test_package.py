"""Encrypted hand-over packages: round trip, refusals, nothing written on failure, the CLI."""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

import pytest
from audit_support import verify_audit_chain

from hmip_desktop.cli.main import main
from hmip_desktop.cli.passphrase import passphrase_hook, read_passphrase
from hmip_desktop.model.errors import FileNotInspection, UserError
from hmip_desktop.model.file import package
from hmip_desktop.model.file.package import (
    MAGIC,
    NotAPackage,
    PackageDamaged,
    PackageTampered,
    PackageUnsupported,
    ScryptParams,
    WeakPassphrase,
    WrongPassphrase,
    is_package,
    open_package,
    write_package,
)
from hmip_desktop.model.file.store import InspectionFile

PASSPHRASE = "kent fieldwork march"
#: Cheap scrypt for tests that are about the format, not the cost.
FAST = ScryptParams(n=2**10, r=8, p=1)
HEADER_SIZE = package._HEADER_V1.size


def filled_file(inspection: InspectionFile) -> Path:
    inspection.set_answer("KT-001", "cd.gender", "female", "seen in the record", create_case=True)
    inspection.set_answer("KT-001", "cd.rosh", "high", create_case=True)
    inspection.set_answer("KT-002", "cd.report", "written", create_case=True)
    inspection.set_answer("KT-002", "s.quality", "yes")
    path = inspection.path
    inspection.close()
    return path


@pytest.fixture
def source(mini_file: InspectionFile) -> Path:
    return filled_file(mini_file)


@pytest.fixture
def made(source: Path, tmp_path: Path) -> Path:
    out = tmp_path / "ann.hmipx"
    write_package(source, out, PASSPHRASE, kdf=FAST)
    return out


def answers(path: Path) -> dict[tuple[str, str], tuple[str | None, str]]:
    with InspectionFile.open(path, read_only=True) as inspection:
        return {
            (case.case_ref, qid): (record.value, record.note)
            for case in inspection.list_cases()
            for qid, record in inspection.answers_for(case.uuid).items()
        }


def test_round_trip_with_the_real_cost(source: Path, tmp_path: Path) -> None:
    info = write_package(source, tmp_path / "ann.hmipx", PASSPHRASE)
    assert (info.cases, info.assessor, info.inspection_id) == (2, "Ann Smith", "KENT-2014")
    assert info.kdf == "scrypt n=2^17 r=8 p=1 (128 MiB)"
    dest = tmp_path / "lead"
    dest.mkdir()
    opened = open_package(info.path, PASSPHRASE, dest)
    assert opened == dest / "ann.hmip"
    assert answers(opened) == answers(source)
    with InspectionFile.open(opened, read_only=True) as inspection:
        assert verify_audit_chain(inspection) is None


def test_header_is_versioned_and_records_the_kdf(made: Path) -> None:
    data = made.read_bytes()
    assert data[:5] == MAGIC and data[5] == package.FORMAT_VERSION
    kdf_id, n, r, p = struct.unpack_from(">BIII", data, 6)
    assert (kdf_id, n, r, p) == (package.KDF_SCRYPT, FAST.n, FAST.r, FAST.p)
    assert is_package(made)


def test_nothing_readable_and_the_passphrase_is_not_stored(source: Path, made: Path, tmp_path: Path) -> None:
    data = made.read_bytes()
    for secret in (b"KT-001", b"seen in the record", b"Ann Smith", b"SQLite format 3", PASSPHRASE.encode()):
        assert secret not in data
    opened = open_package(made, PASSPHRASE, tmp_path, name="copy.hmip")
    assert PASSPHRASE.encode() not in opened.read_bytes()
    assert not list(tmp_path.glob("*.partial")) and not list(tmp_path.glob(".*.partial"))
    assert not list(tmp_path.glob(".*.writing"))  # the temporary file of `disk.write_whole`


def test_a_name_taken_while_the_package_is_opened_is_not_replaced(
    made: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name is checked first, then linked to the finished copy: a file that took the name meanwhile
    (another program, a second opening) is refused, never replaced."""
    dest = tmp_path / "dest"
    dest.mkdir()
    target = dest / "ann.hmip"
    real_fsync = package.os.fsync

    def someone_else_writes(fd: int) -> None:
        target.write_text("someone else's")
        real_fsync(fd)

    monkeypatch.setattr(package.os, "fsync", someone_else_writes)
    with pytest.raises(UserError, match="already exists"):
        open_package(made, PASSPHRASE, dest)
    assert target.read_text() == "someone else's"
    assert [p.name for p in dest.iterdir()] == ["ann.hmip"]


def test_two_packages_of_the_same_file_differ(source: Path, tmp_path: Path) -> None:
    first = write_package(source, tmp_path / "a.hmipx", PASSPHRASE, kdf=FAST)
    second = write_package(source, tmp_path / "b.hmipx", PASSPHRASE, kdf=FAST)
    assert first.path.read_bytes()[6:40] != second.path.read_bytes()[6:40]  # fresh salt and nonce


def test_passphrase_is_unicode_normalised(source: Path, tmp_path: Path) -> None:
    composed, decomposed = "caf\u00e9 au lait 2014", "cafe\u0301 au lait 2014"
    made = write_package(source, tmp_path / "a.hmipx", composed, kdf=FAST)
    assert open_package(made.path, decomposed, tmp_path).exists()


def listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


@pytest.mark.parametrize(
    ("damage", "error", "message"),
    [
        (lambda d: d, WrongPassphrase, "passphrase does not open"),
        (lambda d: d[:-1], PackageDamaged, "truncated"),
        (lambda d: d[: HEADER_SIZE + 10], PackageDamaged, "truncated"),
        (lambda d: d[:30], PackageDamaged, "truncated"),
        (lambda d: d + b"\x00", PackageDamaged, "unexpected bytes"),
        (lambda d: b"HMIPZ" + d[5:], NotAPackage, "not an HMIP package"),
        (lambda d: b"", NotAPackage, "not an HMIP package"),
        (lambda d: d[:5] + b"\x02" + d[6:], PackageUnsupported, "format 2"),
        (lambda d: d[:6] + b"\x07" + d[7:], PackageUnsupported, "does not know"),
    ],
    ids=[
        "wrong-passphrase",
        "one-byte-short",
        "body-cut",
        "header-cut",
        "extended",
        "magic",
        "empty",
        "version",
        "kdf-id",
    ],
)
def test_refusals_write_nothing(made: Path, tmp_path: Path, damage, error, message) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.hmipx"
    bad.write_bytes(damage(made.read_bytes()))
    passphrase = "not the passphrase" if error is WrongPassphrase else PASSPHRASE
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(error, match=message):
        open_package(bad, passphrase, dest)
    assert listing(dest) == set()


def flip(data: bytes, offset: int) -> bytes:
    changed = bytearray(data)
    changed[offset] ^= 0x01
    return bytes(changed)


def test_a_flipped_bit_anywhere_is_refused(made: Path, tmp_path: Path) -> None:
    data = made.read_bytes()
    offsets = sorted({*range(0, HEADER_SIZE), HEADER_SIZE, len(data) // 2, len(data) - 17, len(data) - 1})
    dest = tmp_path / "dest"
    dest.mkdir()
    for offset in offsets:
        bad = tmp_path / "bad.hmipx"
        bad.write_bytes(flip(data, offset))
        with pytest.raises(package.PackageError):
            open_package(bad, PASSPHRASE, dest)
    assert listing(dest) == set()


def test_body_change_is_told_apart_from_a_wrong_passphrase(made: Path, tmp_path: Path) -> None:
    data = made.read_bytes()
    bad = tmp_path / "bad.hmipx"
    bad.write_bytes(flip(data, HEADER_SIZE + 5))
    with pytest.raises(PackageTampered, match="the passphrase is right"):
        open_package(bad, PASSPHRASE, tmp_path)
    bad.write_bytes(flip(data, 30))  # in the salt: a different key, reported as a passphrase problem
    with pytest.raises(WrongPassphrase):
        open_package(bad, PASSPHRASE, tmp_path)


def test_hostile_kdf_parameters_are_refused_before_any_work(made: Path, tmp_path: Path) -> None:
    data = made.read_bytes()
    for n, r, p in [(2**30, 8, 1), (2**17, 1024, 1), (2**17, 8, 64), (3, 8, 1), (0, 8, 1), (2**10, 0, 1)]:
        bad = tmp_path / "bad.hmipx"
        bad.write_bytes(data[:7] + struct.pack(">III", n, r, p) + data[19:])
        with pytest.raises(PackageDamaged, match="out of range"):
            open_package(bad, PASSPHRASE, tmp_path)


def test_impossible_declared_sizes_are_refused(made: Path, tmp_path: Path) -> None:
    data = made.read_bytes()
    at = HEADER_SIZE - 16 - 16  # snapshot size, body size
    bad = tmp_path / "bad.hmipx"
    bad.write_bytes(data[:at] + struct.pack(">QQ", 2**62, 2**62) + data[at + 16 :])
    with pytest.raises(PackageDamaged, match="impossible size"):
        open_package(bad, PASSPHRASE, tmp_path)


def test_authentic_package_of_a_doctored_file_is_refused(source: Path, tmp_path: Path) -> None:
    """A sender's machine is not trusted either: a genuine package of a file carrying a trigger is refused."""
    conn = sqlite3.connect(source)
    conn.execute("CREATE TRIGGER sneaky AFTER INSERT ON answers BEGIN DELETE FROM audit; END")
    conn.commit()
    conn.close()
    conn = sqlite3.connect(source)
    snapshot_of_doctored = conn.serialize()
    conn.close()
    data = package.seal(snapshot_of_doctored, PASSPHRASE, FAST)
    (tmp_path / "x.hmipx").write_bytes(data)
    with pytest.raises(FileNotInspection, match="trigger sneaky"):
        open_package(tmp_path / "x.hmipx", PASSPHRASE, tmp_path)
    assert not (tmp_path / "x.hmip").exists()


def test_authentic_package_of_garbage_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.hmipx").write_bytes(package.seal(b"SQLite format 3\x00" + bytes(5000), PASSPHRASE, FAST))
    with pytest.raises(UserError):
        open_package(tmp_path / "x.hmipx", PASSPHRASE, tmp_path)
    (tmp_path / "y.hmipx").write_bytes(package.seal(b"just text", PASSPHRASE, FAST))
    with pytest.raises(PackageDamaged, match="does not hold an inspection file"):
        open_package(tmp_path / "y.hmipx", PASSPHRASE, tmp_path)
    assert listing(tmp_path) == {"x.hmipx", "y.hmipx"}


def test_opening_never_replaces_a_file(made: Path, tmp_path: Path) -> None:
    existing = tmp_path / "ann.hmip"
    existing.write_bytes(b"mine")
    with pytest.raises(UserError, match="already exists"):
        open_package(made, PASSPHRASE, tmp_path)
    assert existing.read_bytes() == b"mine"


def test_weak_passphrase_is_refused_and_nothing_written(source: Path, tmp_path: Path) -> None:
    for weak in ("", "short", "       ", "1234567"):
        with pytest.raises(WeakPassphrase, match="at least 8"):
            write_package(source, tmp_path / "a.hmipx", weak)
    assert not (tmp_path / "a.hmipx").exists()


def test_writing_replaces_an_old_package_but_nothing_else(source: Path, made: Path, tmp_path: Path) -> None:
    write_package(source, made, PASSPHRASE, kdf=FAST)  # re-sending: fine
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me")
    with pytest.raises(UserError, match="not a package"):
        write_package(source, notes, PASSPHRASE, kdf=FAST)
    assert notes.read_text() == "keep me"
    with pytest.raises(UserError):
        write_package(source, source, PASSPHRASE, kdf=FAST)
    with InspectionFile.open(source, read_only=True) as inspection:
        assert inspection.info().cases_total == 2


def test_snapshot_is_consistent_while_another_connection_writes(source: Path, tmp_path: Path) -> None:
    """A change in progress elsewhere (not yet committed) is not in the package."""
    writer = sqlite3.connect(source, isolation_level=None)
    writer.execute("BEGIN")
    writer.execute("UPDATE answers SET note = 'half-way' WHERE question_id = 'cd.gender'")
    try:
        made = write_package(source, tmp_path / "a.hmipx", PASSPHRASE, kdf=FAST)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    opened = open_package(made.path, PASSPHRASE, tmp_path)
    assert answers(opened)[("KT-001", "cd.gender")] == ("female", "seen in the record")


def write_then_redact(path: Path, instrument, *, secure_delete: bool) -> None:  # type: ignore[no-untyped-def]
    secret = "Victim lives at 12 Example Road " * 400
    with InspectionFile.create(
        path, inspection_id="KENT-2014", area="Kent", assessor="Ann Smith", instrument=instrument
    ) as inspection:
        inspection.conn.execute(f"PRAGMA secure_delete = {'ON' if secure_delete else 'OFF'}")
        inspection.set_answer("KT-001", "cd.gender", "female", secret[:19_000], create_case=True)
        inspection.set_note("KT-001", "cd.gender", "redacted")


def test_the_file_overwrites_deleted_text(mini_instrument, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with InspectionFile.create(
        tmp_path / "a.hmip", inspection_id="KENT-2014", area="Kent", assessor="Ann Smith", instrument=mini_instrument
    ) as inspection:
        assert inspection.conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    write_then_redact(tmp_path / "b.hmip", mini_instrument, secure_delete=True)
    assert b"Example Road" not in (tmp_path / "b.hmip").read_bytes()


def test_deleted_text_left_in_free_pages_is_not_packaged(mini_instrument, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A file written without secure_delete (another SQLite build) keeps freed pages; the package does not."""
    write_then_redact(tmp_path / "a.hmip", mini_instrument, secure_delete=False)
    assert b"Example Road" in (tmp_path / "a.hmip").read_bytes()
    snapshot, _ = package.take_snapshot(tmp_path / "a.hmip")
    assert b"Example Road" not in snapshot


def test_not_an_inspection_file_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.hmip"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(FileNotInspection):
        write_package(other, tmp_path / "o.hmipx", PASSPHRASE, kdf=FAST)
    assert not (tmp_path / "o.hmipx").exists()
    assert not is_package(other) and not is_package(tmp_path / "missing.hmipx")


# -- passphrase acquisition ----------------------------------------------------------------


def scripted(*answers: str):  # type: ignore[no-untyped-def]
    asked: list[str] = []
    replies = iter(answers)

    def prompt(text: str) -> str:
        asked.append(text)
        return next(replies)

    prompt.asked = asked  # type: ignore[attr-defined]
    return prompt


def test_passphrase_sources_in_order(tmp_path: Path) -> None:
    file = tmp_path / "pass.txt"
    file.write_text("from the file  \nsecond line\n")
    env = {"HMIP_PASSPHRASE": "from the environment"}
    assert read_passphrase(file, purpose="x", environ=env, prompt=scripted()) == "from the file  "
    assert read_passphrase(None, purpose="x", environ=env, prompt=scripted()) == "from the environment"
    prompt = scripted("typed twice", "typed twice")
    assert read_passphrase(None, purpose="a.hmipx", new=True, environ={}, prompt=prompt) == "typed twice"
    assert prompt.asked == ["Inspection passphrase for a.hmipx: ", "Type it again: "]


def test_passphrase_refusals(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="differ"):
        read_passphrase(None, purpose="x", new=True, environ={}, prompt=scripted("one passphrase", "another one"))
    with pytest.raises(UserError, match="at least 8"):
        read_passphrase(None, purpose="x", new=True, environ={"HMIP_PASSPHRASE": "short"}, prompt=scripted())
    with pytest.raises(UserError, match="empty"):
        read_passphrase(None, purpose="x", environ={}, prompt=scripted(""))
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(UserError, match="empty"):
        read_passphrase(empty, purpose="x", environ={}, prompt=scripted())
    with pytest.raises(UserError, match="cannot read"):
        read_passphrase(tmp_path / "missing.txt", purpose="x", environ={}, prompt=scripted())


def test_merge_hook_asks_once() -> None:
    prompt = scripted("team passphrase")
    hook = passphrase_hook(None, environ={}, prompt=prompt)
    assert hook(Path("a.hmipx")) == hook(Path("b.hmipx")) == "team passphrase"
    assert prompt.asked == ["Inspection passphrase for a.hmipx: "]


# -- CLI ----------------------------------------------------------------------------------


@pytest.fixture
def fast_cli_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(package, "DEFAULT_KDF", FAST)


def test_cli_package_and_unpackage(source: Path, tmp_path: Path, fast_cli_kdf: None, capsys) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE + "\n")
    out = tmp_path / "ann.hmipx"
    assert main(["package", str(source), "--out", str(out), "--passphrase-file", str(secret)]) == 0
    assert "2 cases of Ann Smith" in capsys.readouterr().out
    copy = tmp_path / "copy.hmip"
    assert main(["unpackage", str(out), "--out", str(copy), "--passphrase-file", str(secret)]) == 0
    assert answers(copy) == answers(source)


def test_cli_reads_the_environment_and_refuses_cleanly(
    source: Path,
    tmp_path: Path,
    fast_cli_kdf: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("HMIP_PASSPHRASE", PASSPHRASE)
    assert main(["package", str(source)]) == 0
    made = source.with_suffix(".hmipx")
    assert made.exists()
    monkeypatch.setenv("HMIP_PASSPHRASE", "a wrong passphrase")
    assert main(["unpackage", str(made), "--out", str(tmp_path / "x.hmip")]) == 3
    assert "passphrase does not open" in capsys.readouterr().err
    assert not (tmp_path / "x.hmip").exists()
    monkeypatch.setenv("HMIP_PASSPHRASE", "short")
    assert main(["package", str(source), "--out", str(tmp_path / "y.hmipx")]) == 3
    assert "at least 8" in capsys.readouterr().err


def test_cli_prompts_twice_without_echo(
    source: Path, tmp_path: Path, fast_cli_kdf: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HMIP_PASSPHRASE", raising=False)
    prompt = scripted(PASSPHRASE, PASSPHRASE)
    monkeypatch.setattr("hmip_desktop.cli.passphrase.getpass.getpass", prompt)
    assert main(["package", str(source), "--out", str(tmp_path / "p.hmipx")]) == 0
    assert len(prompt.asked) == 2


# -- the merge takes packages ----------------------------------------------------------------


def test_merge_takes_a_package_and_refuses_a_wrong_passphrase(source: Path, tmp_path: Path, mini_instrument) -> None:  # type: ignore[no-untyped-def]
    from hmip_desktop.model.merge.files import merge_files

    made = write_package(source, tmp_path / "ann.hmipx", PASSPHRASE, kdf=FAST).path
    with InspectionFile.create(
        tmp_path / "lead.hmip",
        inspection_id="KENT-2014",
        area="Kent",
        assessor="Lead Person",
        role="lead",
        instrument=mini_instrument,
    ) as master:
        before = master.path.read_bytes()
        refused = merge_files(master, [made], passphrase_for=lambda _path: "a wrong passphrase")
        assert refused.files[0].status == "refused" and "passphrase does not open" in refused.files[0].reason
        assert master.path.read_bytes() == before
        merged = merge_files(
            master, [made], passphrase_for=passphrase_hook(None, environ={"HMIP_PASSPHRASE": PASSPHRASE})
        )
        assert merged.files[0].status == "merged", merged.files[0].describe()
        assert answers(master.path) == answers(source)
