"""Writer process for tests/test_kill_safety.py: saves answers in a loop until killed.

Usage: python tests/kill_writer.py FILE SEED

For every save it prints ``TRY <n> <case> <question> <value|-> <note length>``
before calling set_answer, then ``ACK`` once set_answer has returned (or
``REFUSED`` for an answer the instrument does not allow), flushing each line,
so the parent knows exactly what was acknowledged when it kills us. Now and
then it saves a batch of answers in one transaction, as an answers import
does: a ``TRY`` line for each, ``INSIDE`` once they are written but not yet
committed (the parent may kill it right there), then one ``ACK`` for the
batch. The note is ``n<n>:`` padded with "x" to its length, so the parent can
rebuild it.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from hmip_desktop.model.errors import UserError
from hmip_desktop.model.file.store import InspectionFile

CASES = [f"KS-{n:03d}" for n in range(1, 13)]


def note_text(n: int, length: int) -> str:
    return f"n{n}:".ljust(length, "x") if length else ""


def main() -> None:
    path, seed = Path(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    inspection = InspectionFile.open(path)
    if rng.random() < 0.5:
        # A tiny page cache makes SQLite write changed pages into the file before the commit (after
        # syncing the journal), so a kill then leaves a hot journal: the case a reader must finish.
        inspection.conn.execute("PRAGMA cache_size = 2")
    questions = inspection.instrument.questions
    n = seed * 1_000_000  # unique across runs, so every note is distinguishable
    while True:
        batch = []
        for _ in range(rng.choice([1, 1, 1, 4])):
            n += 1
            question = rng.choice(questions)
            value = None if rng.random() < 0.05 else rng.choice(question.options).value
            # Mostly short notes, sometimes long ones (several pages: a longer transaction).
            length = rng.choice([0, 0, 12, 200, 3000, 15000])
            ref = rng.choice(CASES)
            if any((ref, question.id) == (other[0], other[1]) for other in batch):
                continue
            batch.append((ref, question.id, value, note_text(n, length)))
            print(f"TRY {n} {ref} {question.id} {value or '-'} {length}", flush=True)
        try:
            if len(batch) == 1:
                inspection.set_answer(*batch[0], create_case=True)
            else:
                with inspection.transaction():
                    for ref, qid, value, note in batch:
                        case = inspection.find_case(ref) or inspection.insert_case(ref)
                        inspection.write_answer(case, qid, value, note)
                    print("INSIDE", flush=True)
        except UserError:
            print("REFUSED", flush=True)
            continue
        print("ACK", flush=True)


if __name__ == "__main__":
    main()
