"""The session is the UI's one way to change a file: each operation commits, then says what changed, once."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from merge_support import FULL_CASE, team_file

from hmip_desktop.model.errors import CaseError, StorageError
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.model.merge.conflicts import list_conflicts
from hmip_desktop.model.merge.files import create_master, merge_files
from hmip_desktop.ui.session import Changes, InspectionSession


class Heard:
    """Everything a session said, in order."""

    def __init__(self, session: InspectionSession) -> None:
        self.events: list[tuple[str, object]] = []
        session.changed.connect(lambda changes: self.events.append(("changed", changes)))
        session.saved.connect(lambda _when: self.events.append(("saved", None)))
        session.answer_changed.connect(lambda case, question: self.events.append(("answer", (case, question))))
        session.case_changed.connect(lambda case: self.events.append(("case", case)))
        session.case_added.connect(lambda case: self.events.append(("added", case)))
        session.cases_reset.connect(lambda: self.events.append(("reset", None)))

    def take(self) -> list[tuple[str, object]]:
        events, self.events = self.events, []
        return events

    def changes(self) -> Changes:
        """The one Changes value said since the last take(), which must end what was said."""
        events = self.take()
        said = [value for kind, value in events if kind == "changed"]
        assert len(said) == 1 and events[-1][0] == "changed", events
        assert [kind for kind, _value in events].count("saved") == 1
        assert isinstance(said[0], Changes)
        return said[0]


@pytest.fixture
def lead_path(tmp_path: Path, mini_instrument: Instrument) -> Path:
    """A lead file where Ann and Bob disagree on KT-001 p.plan, and KT-002 is Ann's alone."""
    folder = tmp_path / "team"
    folder.mkdir()
    ann = team_file(folder, "ann.hmip", "Ann Smith", mini_instrument, {"KT-001": None, "KT-002": None})
    bob = team_file(folder, "bob.hmip", "Bob Jones", mini_instrument, {"KT-001": {**FULL_CASE, "p.plan": "not-done"}})
    with create_master(tmp_path / "lead.hmip", ann, lead="Lee Lead") as lead:
        merge_files(lead, [ann, bob])
        return lead.path


@pytest.fixture
def session(lead_path: Path) -> Iterator[InspectionSession]:
    opened = InspectionSession.open(lead_path)
    yield opened
    opened.close()


def test_each_operation_says_once_what_it_changed(session: InspectionSession) -> None:
    heard = Heard(session)
    kt1 = session.inspection.get_case("KT-001").uuid
    kt2 = session.inspection.get_case("KT-002").uuid
    assert session.is_lead

    session.reopen_case(kt2)
    assert heard.changes() == Changes.of(cases=[kt2])
    session.set_answer(kt2, "s.quality", "no")
    events = heard.take()
    assert events == [
        ("saved", None),
        ("answer", (kt2, "s.quality")),
        ("case", kt2),
        ("changed", Changes.of(answers=[(kt2, "s.quality")])),
    ]
    session.set_note(kt2, "s.quality", "the report was late")
    assert heard.changes() == Changes.of(answers=[(kt2, "s.quality")])
    session.complete_case(kt2)
    assert heard.changes() == Changes.of(cases=[kt2])

    added = session.add_case("KT-003")
    events = heard.take()
    assert [kind for kind, _ in events] == ["saved", "added", "changed"]  # a new case is not also "changed"
    assert events[-1][1] == Changes.of(added_cases=[added.uuid])

    session.set_finding("foreword", "The third of six inspections.")
    changes = heard.changes()
    assert changes == Changes.of(findings=["foreword"]) and not changes.scores
    assert changes.touches_finding("foreword") and not changes.touches_case(kt1)

    decided = session.resolve_conflict("KT-001", "p.plan", take="Bob Jones", note="read the plan")
    changes = heard.changes()
    assert changes == Changes.of(answers=[(kt1, "p.plan")], cases=[kt1], conflicts=True)
    assert changes.scores and changes.touches_case(kt1) and decided.resolution_value == "not-done"

    session.reopen_conflict("KT-001", "p.plan", note="second look", conflict_id=decided.id)
    assert heard.changes() == Changes.of(cases=[kt1], conflicts=True)
    assert list_conflicts(session.inspection)[0].id == decided.id

    session.changed_elsewhere()
    events = heard.take()
    assert ("reset", None) in events and events[-1] == ("changed", Changes.all())
    assert Changes.all().touches_case("anything") and Changes.all().touches_finding("anything")


def test_a_refused_or_failed_operation_says_nothing_and_changes_nothing(
    session: InspectionSession, lead_path: Path
) -> None:
    heard = Heard(session)
    before = hashlib.sha256(lead_path.read_bytes()).hexdigest()
    with pytest.raises(CaseError, match="no open conflict"):
        session.resolve_conflict("KT-002", "p.plan", value="sufficient")
    with pytest.raises(CaseError, match="no resolved conflict"):
        session.reopen_conflict("KT-001", "s.quality")
    assert heard.take() == []
    assert hashlib.sha256(lead_path.read_bytes()).hexdigest() == before

    # A second window on the same file gets it read-only: every operation is refused before it runs.
    viewer = InspectionSession.open(lead_path)
    try:
        watched = Heard(viewer)
        assert viewer.read_only
        with pytest.raises(StorageError, match="read-only"):
            viewer.set_finding("foreword", "not from here")
        with pytest.raises(StorageError, match="read-only"):
            viewer.resolve_conflict("KT-001", "p.plan", value="sufficient")
        assert watched.take() == []
    finally:
        viewer.close()
    assert hashlib.sha256(lead_path.read_bytes()).hexdigest() == before
    with InspectionFile.open(lead_path, read_only=True) as inspection:
        assert inspection.finding("foreword") == "" and list_conflicts(inspection)[0].is_open


def test_closing_says_so_before_the_file_goes(lead_path: Path) -> None:
    session = InspectionSession.open(lead_path)
    seen: list[bool] = []
    session.closing.connect(lambda: seen.append(session.inspection.find_case("KT-001") is not None))
    session.close()
    assert seen == [True]  # the file could still be read when the views heard


CASES = st.sampled_from(["c1", "c2", "c3"])
QUESTIONS = st.sampled_from(["q1", "q2"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    answers=st.frozensets(st.tuples(CASES, QUESTIONS)),
    cases=st.frozensets(CASES),
    added=st.frozensets(CASES),
    findings=st.frozensets(st.sampled_from(["foreword", "illustrations"])),
    conflicts=st.booleans(),
    everything=st.booleans(),
)
def test_the_per_kind_signals_follow_from_the_one_changes_value(
    lead_path: Path,
    answers: frozenset[tuple[str, str]],
    cases: frozenset[str],
    added: frozenset[str],
    findings: frozenset[str],
    conflicts: bool,
    everything: bool,
) -> None:
    """Whatever an operation changed, the case list and the form hear exactly the cases and answers it names."""
    changes = Changes(answers, cases, added, findings, conflicts, False, everything)
    session = InspectionSession(InspectionFile.open(lead_path, read_only=True))
    try:
        heard = Heard(session)
        session.notify(changes)
        events = heard.take()
    finally:
        session.close()
    assert events[0] == ("saved", None) and events[-1] == ("changed", changes)
    assert [kind for kind, _ in events].count("changed") == 1
    assert {v for k, v in events if k == "answer"} == set(answers)
    assert len([k for k, _ in events if k == "answer"]) == len(answers)
    assert [v for k, v in events if k == "case"] == sorted((cases | {c for c, _q in answers}) - added)
    assert [v for k, v in events if k == "added"] == sorted(added)
    assert (("reset", None) in events) == everything
    assert changes.scores == bool(everything or answers or cases or added or conflicts)
