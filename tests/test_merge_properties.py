"""Property: cases split across files and merged in any order score as one file; merging twice changes nothing."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from merge_support import add_case, content, new_file, sha256

from hmip_desktop.model.instrument import relevance
from hmip_desktop.model.instrument.definition import Instrument, available_instruments
from hmip_desktop.model.merge.files import merge_files
from hmip_desktop.model.merge.incoming import read_incoming
from hmip_desktop.model.merge.one_file import FileMerger
from hmip_desktop.scoring.load import score_file

ASSESSORS = ["Ann Smith", "Bob Jones", "Cy Quinn", "Di Patel"]


def mini() -> Instrument:
    return next(i for i in available_instruments() if i.id == "mini-test")


def draw_answers(rng: random.Random, instrument: Instrument) -> dict[str, str]:
    """A random case answered in form order, only where each question applies."""
    values: dict[str, str] = {}
    for question in instrument.questions:
        if question.id in relevance.relevant_question_ids(instrument, values):
            values[question.id] = rng.choice(question.options).value
    return values


TEAM_SPLIT = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=len(ASSESSORS) - 1),  # whose file
        st.booleans(),  # complete
        st.booleans(),  # double-marked (identically) in the next assessor's file
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(split=TEAM_SPLIT, seed=st.integers(min_value=0, max_value=2**32 - 1), order_seed=st.integers(0, 1000))
def test_split_merged_in_any_order_scores_as_one_file(
    split: list[tuple[int, bool, bool]], seed: int, order_seed: int
) -> None:
    instrument = mini()
    rng = random.Random(seed)
    cases = [
        (f"KT-{n:03d}", draw_answers(rng, instrument), owner, complete, double)
        for n, (owner, complete, double) in enumerate(split)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with new_file(folder, "single.hmip", "Sam Single", instrument) as single:
            for ref, answers, _owner, complete, _double in cases:
                add_case(single, ref, answers, complete=complete)
            expected = score_file(single, include_incomplete=False).to_json()
            expected_all = score_file(single, include_incomplete=True).to_json()

        files = {}
        for index, name in enumerate(ASSESSORS):
            mine = [c for c in cases if c[2] == index or (c[4] and (c[2] + 1) % len(ASSESSORS) == index)]
            if not mine:
                continue
            path = folder / f"{name.split()[0].lower()}.hmip"
            with new_file(folder, path.name, name, instrument) as team_file:
                for ref, answers, _owner, complete, _double in mine:
                    add_case(team_file, ref, answers, complete=complete)
            files[name] = path
        paths = list(files.values())
        random.Random(order_seed).shuffle(paths)

        with new_file(folder, "lead.hmip", "Lee Lead", instrument, role="lead") as lead:
            summary = merge_files(lead, paths)
            assert summary.refused == [] and summary.total("conflicts_raised") == 0
            assert score_file(lead, include_incomplete=False).to_json() == expected
            assert score_file(lead, include_incomplete=True).to_json() == expected_all

            # Merging twice: the same files are recognised, and even read afresh they change nothing.
            merged_bytes, merged_content = sha256(lead.path), content(lead)
            again = merge_files(lead, paths)
            assert {f.status for f in again.files} == {"unchanged"}
            assert sha256(lead.path) == merged_bytes
            for path in paths:
                work = folder / f"work-{path.stem}"
                work.mkdir()
                incoming = read_incoming(path, work)
                with lead.transaction():
                    result = FileMerger(lead, incoming).run()
                assert not result.changed_anything
            assert content(lead) == merged_content
            assert score_file(lead, include_incomplete=False).to_json() == expected
