"""The assessor app: start-up, switching cases, and an answer's way from click to file.

Start-up runs in fresh subprocesses (the same way for the app and for a bare
PySide6 window), timed from spawning the process to the line the child
prints once its window is painted; the median of several runs is compared.
The app is measured to its first painted window, and to the case list
painted and ready for input: an assessor's 86-case file, and a lead's file
holding a merged 86-case team.

The children run with compiled bytecode, as an installed app does (pip
compiles it; PySide6's own is compiled in site-packages): a development
shell's PYTHONDONTWRITEBYTECODE would otherwise make only the app compile its
modules from source at every start. The bytecode goes to a temporary
PYTHONPYCACHEPREFIX, written by one untimed run of each child first.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

START_RUNS = 15  # a median of 7 moved by ~0.05x from one bench run to the next
SWITCH_ROUNDS = 6
CLICKS = 30

BARE_WINDOW = """
import sys
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1280, 800)
window.show()
app.processEvents()
print("shown", flush=True)
"""

APP_WINDOW = """
import sys
from pathlib import Path
from hmip_desktop.ui.app import launch  # first, as the hmip-desktop script imports it
from PySide6.QtCore import QSettings, QTimer
folder = Path(sys.argv[2])
app, window, _reporter = launch(
    [sys.argv[1]], settings=QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat), log_dir=folder
)
print("shown", flush=True)

def ready():
    app.processEvents()  # the case list painted
    print("ready", window.workspace.cases.model.rowCount(), flush=True)
    app.quit()

def opened():
    print("opened", flush=True)  # the model loaded, the file read, the list built (not painted yet)
    QTimer.singleShot(0, ready)

# Once every part has heard of the file (the lead's tabs connect after this line) and open_file returned.
window.file_opened.connect(lambda _session: opened())
app.exec()
"""


def child_environment(bytecode_dir: Path) -> dict[str, str]:
    """The environment for start-up children: bytecode written and read under `bytecode_dir`."""
    environment = dict(os.environ, PYTHONPYCACHEPREFIX=str(bytecode_dir))
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished children so far; 0 where the OS does not say."""
    if resource is None:
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_child(
    code: str, args: list[str], marks: tuple[str, ...], environment: dict[str, str] | None = None
) -> dict[str, float]:
    """Seconds from spawning the child to each line it prints that starts with a mark; under "cpu",
    the CPU seconds the whole child used (a busy machine stretches the first, hardly the second)."""
    cpu_before = children_cpu()
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=environment,
    )
    assert child.stdout is not None
    found: dict[str, float] = {}
    for line in child.stdout:
        word = line.split()[0] if line.split() else ""
        if word in marks:
            found[word] = time.perf_counter() - started
        if len(found) == len(marks):
            break
    child.wait(timeout=60)
    missing = [m for m in marks if m not in found]
    if missing:
        raise RuntimeError(f"the child never printed {missing}")
    found["cpu"] = children_cpu() - cpu_before
    return found


def demo_file(folder: Path, cases: int = 86) -> Path:
    """One assessor's file holding every case of a demo inspection (full instrument)."""
    from hmip_desktop.model.demo import generate_demo

    paths = generate_demo(folder / "demo", cases=cases, assessors=1, merge=False)
    return paths[0]


def lead_file(folder: Path, cases: int = 86) -> Path:
    """A lead's file with a demo team of eight merged into it (cases, conflicts, findings)."""
    from hmip_desktop.model.demo import generate_demo

    paths = generate_demo(folder / "lead-demo", cases=cases, assessors=8)
    return next(path for path in paths if path.name == "lead.hmip")


def start_figures(path: Path, lead_path: Path, folder: Path) -> list[tuple[str, float, str]]:
    environment = child_environment(folder / "bytecode")
    children = {  # name: file
        "assessor": path,
        "lead": lead_path,
    }
    bare: list[float] = []
    bare_cpu: list[float] = []
    shown: list[float] = []
    opened: list[float] = []
    ready: dict[str, list[float]] = {name: [] for name in children}
    ready_cpu: dict[str, list[float]] = {name: [] for name in children}
    for run in range(-1, START_RUNS):  # run -1 writes the bytecode and is not counted
        bare_marks = time_child(BARE_WINDOW, [], ("shown",), environment)
        for name, file in children.items():
            child_folder = folder / f"start-{run}-{name}"
            child_folder.mkdir()
            marks = time_child(APP_WINDOW, [str(file), str(child_folder)], ("shown", "opened", "ready"), environment)
            if run < 0:
                continue
            ready[name].append(marks["ready"])
            ready_cpu[name].append(marks["cpu"])
            if name == "assessor":
                shown.append(marks["shown"])
                opened.append(marks["opened"])
        if run >= 0:
            bare.append(bare_marks["shown"])
            bare_cpu.append(bare_marks["cpu"])
    base = statistics.median(bare)
    base_cpu = statistics.median(bare_cpu)
    cpu_rows = []
    if base_cpu > 0:
        cpu_rows = [
            (
                "start CPU ratio: 86-case list ready / bare window (CPU time of the whole children)",
                statistics.median(ready_cpu["assessor"]) / base_cpu,
                "-",
            ),
            (
                "start CPU ratio: lead file ready / bare window (CPU time of the whole children)",
                statistics.median(ready_cpu["lead"]) / base_cpu,
                "-",
            ),
        ]
    return [
        ("start: bare PySide6 window shown", base, "reference"),
        ("start: app window shown", statistics.median(shown), ""),
        ("start: app with the 86-case list ready", statistics.median(ready["assessor"]), ""),
        (
            "  of which: window shown to file open (model, file, list built)",
            statistics.median(b - a for a, b in zip(shown, opened, strict=True)),
            "",
        ),
        (
            "  of which: file open to list painted",
            statistics.median(b - a for a, b in zip(opened, ready["assessor"], strict=True)),
            "",
        ),
        ("start ratio: app window shown / bare window", statistics.median(shown) / base, "≤ 3×"),
        ("start ratio: 86-case list ready / bare window", statistics.median(ready["assessor"]) / base, "≤ 2×"),
        (
            "start ratio: lead file (86 merged cases) ready / bare window",
            statistics.median(ready["lead"]) / base,
            "≤ 2.2×",
        ),
        *cpu_rows,
    ]


def in_process_figures(path: Path, folder: Path) -> list[tuple[str, float, str]]:
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from hmip_desktop.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow(QSettings(str(folder / "bench.ini"), QSettings.Format.IniFormat))
    window.show()
    assert window.open_file(path)
    session, workspace = window.session, window.workspace
    assert session is not None and workspace is not None
    first, second = (row.uuid for row in workspace.cases.model.rows()[:2])
    for case_uuid in (first, second):
        if session.case(case_uuid).is_complete:
            session.reopen_case(case_uuid)  # an assessor switches between cases still being worked on
    workspace.open_case(first)
    form = workspace.form
    app.processEvents()

    # Switching cases, on every section page (each built once, as in use).
    switches: list[float] = []
    worst_by_section: dict[str, float] = {}
    for section in form.section_pages:
        form._show_page(section)
        form.set_case(second)
        form.set_case(first)
        app.processEvents()
        timings = []
        for round_ in range(SWITCH_ROUNDS):
            started = time.perf_counter()
            form.set_case(second if round_ % 2 == 0 else first)
            app.processEvents()  # layout and paint included
            timings.append(time.perf_counter() - started)
        switches.extend(timings)
        worst_by_section[section] = statistics.median(timings)

    # Click to commit: a radio button pressed with the mouse, until the session reports the commit.
    form.set_case(first)
    state = form.state
    assert state is not None
    question_id = next(q for q in form.form_layout.order if q in state.relevant and q.startswith("cd."))
    form.focus_question(question_id)
    app.processEvents()
    row = form.row(question_id)
    committed: list[float] = []
    session.saved.connect(lambda _when: committed.append(time.perf_counter()))
    to_commit: list[float] = []
    to_settled: list[float] = []
    current = row.group.checkedId()
    choices = [*[i for i in range(len(row.question.options)) if i != current][:1], max(current, 0)]
    if choices[0] == choices[1]:
        choices[1] = (choices[0] + 1) % len(row.question.options)
    for click in range(CLICKS):
        button = row.group.button(choices[click % 2])  # always a different answer: always a write
        committed.clear()
        started = time.perf_counter()
        QTest.mouseClick(button, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, button.rect().center())
        app.processEvents()
        settled = time.perf_counter()
        assert committed, "the click did not commit"
        to_commit.append(committed[0] - started)
        to_settled.append(settled - started)
    window.close()

    worst_section = max(worst_by_section, key=lambda k: worst_by_section[k])
    return [
        ("switch between two cases (full instrument, median)", statistics.median(switches), "< 100 ms"),
        (f"switch between two cases (slowest page: {worst_section})", worst_by_section[worst_section], "< 100 ms"),
        ("answer click to commit (synchronous=FULL)", statistics.median(to_commit), "< 20 ms"),
        ("answer click to form and list updated", statistics.median(to_settled), ""),
    ]


def run() -> list[tuple[str, float, str]]:
    with tempfile.TemporaryDirectory(prefix="hmip-bench-app-") as tmp:
        folder = Path(tmp)
        path = demo_file(folder)
        rows = start_figures(path, lead_file(folder), folder)
        rows += in_process_figures(path, folder)
    return rows


if __name__ == "__main__":
    for name, value, target in run():
        print(f"{name:60} {value:10.4f}  {target}")
