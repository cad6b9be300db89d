"""One case as the form shows it: answers, which questions apply, which answers are stale."""

from __future__ import annotations

from dataclasses import dataclass

from hmip_desktop.model.file.records import AnswerRecord, CaseRecord
from hmip_desktop.model.file.store import InspectionFile
from hmip_desktop.model.instrument import relevance
from hmip_desktop.model.instrument.definition import Instrument


@dataclass(frozen=True)
class CaseState:
    case: CaseRecord
    answers: dict[str, AnswerRecord]
    values: dict[str, str]
    relevant: frozenset[str]
    stale: frozenset[str]

    @property
    def answered(self) -> int:
        return sum(1 for qid in self.relevant if qid in self.values)

    def value(self, question_id: str) -> str | None:
        return self.values.get(question_id)

    def note(self, question_id: str) -> str:
        answer = self.answers.get(question_id)
        return answer.note if answer else ""

    def unanswered(self, instrument: Instrument) -> list[str]:
        return [q.id for q in instrument.questions if q.id in self.relevant and q.id not in self.values]


def load_case_state(inspection: InspectionFile, case_uuid: str) -> CaseState:
    case = inspection.case_by_uuid(case_uuid)
    answers = inspection.answers_for(case_uuid)
    values = {qid: a.value for qid, a in answers.items() if a.value is not None}
    relevant = relevance.relevant_question_ids(inspection.instrument, values)
    stale = frozenset(qid for qid in values if qid not in relevant)
    return CaseState(case=case, answers=answers, values=values, relevant=frozenset(relevant), stale=stale)
