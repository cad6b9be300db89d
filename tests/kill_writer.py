"""Writer process for tests/test_kill_safety.py: saves answers in a loop until killed.

Usage: python tests/kill_writer.py FILE SEED

For every save it prints ``TRY <n> <case> <question> <value|-> <note length>``
before calling set_answer, then ``ACK <n>`` once set_answer has returned (or
``REFUSED <n>`` for an answer the instrument does not allow), flushing each
line, so the parent knows exactly what was acknowledged when it kills us.
The note is ``n<n>:`` padded with "x" to its length, so the parent can
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
    questions = inspection.instrument.questions
    n = seed * 1_000_000  # unique across runs, so every note is distinguishable
    while True:
        n += 1
        question = rng.choice(questions)
        value = None if rng.random() < 0.05 else rng.choice(question.options).value
        # Mostly short notes, sometimes long ones (several pages: a longer transaction).
        length = rng.choice([0, 0, 12, 200, 3000, 15000])
        ref = rng.choice(CASES)
        print(f"TRY {n} {ref} {question.id} {value or '-'} {length}", flush=True)
        try:
            inspection.set_answer(ref, question.id, value, note_text(n, length), create_case=True)
        except UserError:
            print(f"REFUSED {n}", flush=True)
            continue
        print(f"ACK {n}", flush=True)


if __name__ == "__main__":
    main()
