"""Undo and redo as a property: whatever the sequence, the file holds the state the history says."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtWidgets import QApplication
from ui_support import QT_STRICT

from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument import relevance
from hmip_desktop.model.instrument.definition import Instrument
from hmip_desktop.ui.commands import AnswerCommand, CaseUndoStacks
from hmip_desktop.ui.session import InspectionSession

pytestmark = QT_STRICT


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_file_always_matches_the_undo_history(
    qapp: QApplication, tmp_path_factory: pytest.TempPathFactory, mini_instrument: Instrument, data: st.DataObject
) -> None:
    path = tmp_path_factory.mktemp("undo") / "ann.hmip"
    InspectionFile.create(
        path, inspection_id="KENT-2014", area="Kent", assessor="Ann Smith", instrument=mini_instrument
    ).close()
    session = InspectionSession.open(path)
    stacks = CaseUndoStacks()
    try:
        case = session.add_case("KT-0001")
        stack = stacks.stack(case.uuid)
        stacks.activate(case.uuid)
        states: list[dict[str, str]] = [{}]  # the file's values after each command in the history
        position = 0
        for _step in range(data.draw(st.integers(1, 25), label="steps")):
            action = data.draw(st.sampled_from(["answer", "answer", "undo", "redo"]), label="action")
            values = dict(states[position])
            if action == "answer":
                applying = sorted(relevance.relevant_question_ids(mini_instrument, values))
                question_id = data.draw(st.sampled_from(applying), label="question")
                options = [o.value for o in mini_instrument.question(question_id).options] + [None]
                value = data.draw(st.sampled_from(options), label="value")
                old = values.get(question_id)
                if old == value:
                    continue
                session.set_answer(case.uuid, question_id, value)
                stack.push(AnswerCommand(session, case.uuid, question_id, old, value))
                if value is None:
                    values.pop(question_id, None)
                else:
                    values[question_id] = value
                del states[position + 1 :]
                states.append(values)
                position += 1
            elif action == "undo":
                assert stack.canUndo() == (position > 0)
                if stack.canUndo():
                    stack.undo()
                    position -= 1
            else:
                assert stack.canRedo() == (position < len(states) - 1)
                if stack.canRedo():
                    stack.redo()
                    position += 1
            assert session.inspection.values_for(case.uuid) == states[position]
            assert stack.index() == position
    finally:
        stacks.clear()
        session.close()
