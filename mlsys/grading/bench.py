"""Timings of ``make bench``: each reference notebook, and grading one class four ways; reported, never asserted.

Reference notebooks: each ``source/<id>/<id>.ipynb`` run top to bottom in a
fresh kernel with nbclient, one at a time.

Grading a class: a demo class (by default 8 students x 02_data_quality,
03_imbalance_fairness, 09_privacy; most submit the reference solution, some half
of it, some the untouched release) is built in a temporary course and graded,
each time on a fresh copy of it:

1. plain nbgrader, serially: one ``nbgrader autograde <assignment>`` process per
   assignment over all students, as nbgrader is used out of the box (no thread
   limits for TensorFlow, no pre-clean);
2. the course's grading, :func:`mlsys.grading.autograde.grade` with its default
   workers (one ``nbgrader autograde --student`` process per submission, forked
   from a helper that has nbgrader imported, several at once);
3. a bare ``jupyter nbconvert --to notebook --execute --allow-errors`` of each
   notebook as nbgrader graded it (the submission with its test cells restored
   from ``source/``, hidden tests included), one at a time: the floor;
4. the course's grading with one worker, so that each submission's time is its
   own (the per-submission overhead is measured against 3).

Goals on 2 cores: speed-up (1 / 2) >= 1.8 and overhead (4 / 3) <= 1.2.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from mlsys.grading import autograde, demo, notebooks, report
from mlsys.grading.autograde import grading_env

#: The fastest assignments (8 to 12 s a notebook): grading them shows the grading system's own cost.
GRADING_ASSIGNMENTS = ("02_data_quality", "03_imbalance_fairness", "09_privacy")
#: What the benchmark students submit, in turn: half the class the reference, the rest half or nothing.
KINDS = ("reference", "partial", "reference", "untouched")
SPEEDUP_GOAL = 1.8
OVERHEAD_GOAL = 1.2
_THREAD_LIMITS = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS")


@dataclass
class BenchRow:
    """Timing of one notebook run top to bottom in a fresh kernel."""

    assignment: str
    seconds: float
    slowest_cell: str
    slowest_seconds: float
    errors: int


def _unlimited_env() -> dict[str, str]:
    """The grading environment without the course's one-thread-per-kernel limits."""
    env = grading_env()
    for key in _THREAD_LIMITS:
        env.pop(key, None)  # a kernel that runs alone may use every core
    return env


def _cell_seconds(cell) -> float | None:
    timing = cell.get("metadata", {}).get("execution", {})
    if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
        return (
            datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
            - datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        ).total_seconds()
    return None


def time_notebook(path: Path) -> BenchRow:
    """Execute ``path`` (the instructor version, solutions and hidden tests included)."""
    from nbclient import NotebookClient

    nb = notebooks.read(path)
    saved = dict(os.environ)
    os.environ.update(_unlimited_env())
    try:
        client = NotebookClient(nb, timeout=600, resources={"metadata": {"path": str(path.parent)}})
        start = time.perf_counter()
        client.execute()
        total = time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(saved)
    cell_times = []
    errors = 0
    for index, cell in enumerate(nb.cells):
        seconds = _cell_seconds(cell)
        if seconds is not None:
            cell_times.append((seconds, notebooks.grade_id(cell) or f"cell {index}"))
        errors += sum(o.get("output_type") == "error" for o in cell.get("outputs", []))
    slow_s, slow_name = max(cell_times) if cell_times else (0.0, "-")
    return BenchRow(path.stem, total, slow_name, slow_s, errors)


def run(course_root: Path, assignments: Sequence[str]) -> list[BenchRow]:
    """Time every assignment's reference notebook, printing as it goes."""
    rows = []
    for assignment in assignments:
        row = time_notebook(Path(course_root) / "source" / assignment / f"{assignment}.ipynb")
        print(f"  {assignment}: {row.seconds:.1f} s", flush=True)
        rows.append(row)
    return rows


def markdown(rows: Sequence[BenchRow]) -> str:
    """The report as a Markdown table, with the machine it ran on."""
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "",
        "| notebook | run top to bottom (s) | slowest cell | its time (s) | errors |",
        "|---|---:|---|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r.assignment} | {r.seconds:.1f} | {r.slowest_cell} | {r.slowest_seconds:.1f} | {r.errors} |")
    return "\n".join(lines)


# --- grading a class -------------------------------------------------------------


@dataclass
class Submission:
    """One benchmark submission and its timings (seconds)."""

    student: str
    assignment: str
    kind: str  # "reference", "partial" or "untouched"
    pipeline_s: float | None = None  # the course's grading, one submission at a time (way 4)
    nbconvert_s: float | None = None  # bare nbconvert, the whole process (way 3)
    kernel_s: float | None = None  # of which: from the first cell's start to the last cell's end

    @property
    def key(self) -> tuple[str, str]:
        return (self.student, self.assignment)


@dataclass
class ClassBench:
    """Grading one class four ways."""

    submissions: list[Submission]
    workers: int
    serial_nbgrader_s: dict[str, float] = field(default_factory=dict)  # way 1, per assignment
    parallel_s: float = 0.0  # way 2
    one_at_a_time_s: float = 0.0  # way 4, wall time
    load: list[tuple[str, tuple[float, float, float]]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def assignments(self) -> list[str]:
        return sorted({s.assignment for s in self.submissions})

    @property
    def speedup(self) -> float | None:
        serial = sum(self.serial_nbgrader_s.values())
        return serial / self.parallel_s if serial and self.parallel_s else None

    @property
    def overhead(self) -> float | None:
        """Sum of the course's per-submission times (way 4) over the sum of bare nbconvert times (way 3)."""
        pairs = [(s.pipeline_s, s.nbconvert_s) for s in self.submissions]
        if not pairs or any(p is None or n is None for p, n in pairs):
            return None
        return sum(p for p, _ in pairs) / sum(n for _, n in pairs)


def build_class(folder: Path, course_root: Path, assignments: Sequence[str], students: int) -> list[Submission]:
    """A course in ``folder``: the config, ``source/``, the generated release, a gradebook, the class."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(Path(course_root) / "nbgrader_config.py", folder / "nbgrader_config.py")
    builders = {
        "reference": demo.STUDENTS["demo-reference"][0],
        "partial": demo.STUDENTS["demo-partial"][0],
        "untouched": demo.STUDENTS["demo-untouched"][0],
    }
    submissions = []
    for assignment in assignments:
        shutil.copytree(Path(course_root) / "source" / assignment, folder / "source" / assignment)
        log = folder / "logs" / f"generate_{assignment}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        if autograde.run_nbgrader(folder, "generate_assignment", assignment, "--force", log=log) != 0:
            raise RuntimeError(f"nbgrader generate_assignment {assignment} failed; see {log}")
        source_nb = notebooks.read(folder / "source" / assignment / f"{assignment}.ipynb")
        release_nb = notebooks.read(folder / "release" / assignment / f"{assignment}.ipynb")
        for k in range(students):
            kind = KINDS[k % len(KINDS)]
            student = f"bench-{k + 1:02d}"
            path = folder / "submitted" / student / assignment / f"{assignment}.ipynb"
            notebooks.write(builders[kind](source_nb, release_nb), path)
            submissions.append(Submission(student, assignment, kind))
    return submissions


def _copy(template: Path, name: str) -> Path:
    target = template.parent / name
    shutil.copytree(template, target)
    return target


def _cells(root: Path, submissions: Sequence[Submission]) -> dict[tuple[str, str], list[dict]]:
    """Per-cell scores of each submission (one dict per graded notebook) in the copy's sqlite gradebook."""
    url = f"sqlite:///{root / 'gradebook.db'}"
    return {s.key: [x.cells for x in report.submission_scores(url, s.assignment, s.student)] for s in submissions}


def _nbconvert(notebook: Path, out_dir: Path) -> tuple[float, float]:
    """Bare ``jupyter nbconvert --execute`` of one notebook: (process wall time, kernel execution time)."""
    jupyter = Path(sys.executable).with_name("jupyter")
    cmd = [str(jupyter if jupyter.exists() else "jupyter"), "nbconvert", "--to", "notebook", "--execute"]
    cmd += ["--allow-errors", "--ExecutePreprocessor.timeout=600", "--output-dir", str(out_dir), str(notebook)]
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=notebook.parent, env=_unlimited_env(), capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"nbconvert {notebook} failed: {result.stderr[-1000:]}")
    cells = notebooks.read(out_dir / notebook.name).cells
    stamps = [c.get("metadata", {}).get("execution", {}) for c in cells if c.cell_type == "code"]
    starts = [datetime.fromisoformat(t["iopub.execute_input"].replace("Z", "+00:00")) for t in stamps if t]
    ends = [datetime.fromisoformat(t["shell.execute_reply"].replace("Z", "+00:00")) for t in stamps if t]
    return wall, (max(ends) - min(starts)).total_seconds() if starts else 0.0


def grade_class(
    course_root: Path,
    assignments: Sequence[str] = GRADING_ASSIGNMENTS,
    students: int = 8,
    workers: int | None = None,
    say: Callable[[str], None] = print,
) -> ClassBench:
    """Build the benchmark class in a temporary folder and grade it the four ways (see the module's docstring)."""
    workers = workers or max(1, os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(prefix="mlsys-bench-") as tmp:
        template = Path(tmp) / "template"
        say(f"  building the class: {students} students x {', '.join(assignments)}")
        bench = ClassBench(build_class(template, course_root, assignments, students), workers)
        total = len(bench.submissions)

        def load(label: str) -> None:
            bench.load.append((label, os.getloadavg()))

        load("before")
        root = _copy(template, "serial-nbgrader")
        for assignment in assignments:
            log = root / "logs" / f"serial_{assignment}.log"
            start = time.perf_counter()
            with open(log, "w") as out:
                code = subprocess.call(
                    [autograde.nbgrader_executable(), "autograde", assignment, "--force"],
                    cwd=root, env=_unlimited_env(), stdout=out, stderr=subprocess.STDOUT,
                )  # fmt: skip
            bench.serial_nbgrader_s[assignment] = time.perf_counter() - start
            if code != 0:
                bench.problems.append(f"plain nbgrader autograde {assignment} exited {code} (see {log.name})")
            say(f"  1. plain nbgrader autograde {assignment}: {bench.serial_nbgrader_s[assignment]:.1f} s")
        serial_cells = _cells(root, bench.submissions)
        load("after 1 (plain nbgrader, serial)")

        root = _copy(template, "parallel")
        start = time.perf_counter()
        outcomes = autograde.grade(root, assignments, workers=workers, progress=None)
        bench.parallel_s = time.perf_counter() - start
        say(f"  2. course grading, {workers} workers: {bench.parallel_s:.1f} s for {total} submissions")
        bench.problems += [f"course grading ({workers} workers): {o.summary}" for o in outcomes if o.status != "graded"]
        parallel_cells = _cells(root, bench.submissions)
        load(f"after 2 (course, {workers} workers)")

        out_dir = Path(tmp) / "nbconvert"
        for s in bench.submissions:
            graded_nb = root / "autograded" / s.student / s.assignment / f"{s.assignment}.ipynb"
            if not graded_nb.exists():
                bench.problems.append(f"no autograded notebook for {s.student}/{s.assignment}: nothing to run bare")
                continue
            nb = notebooks.read(graded_nb)
            for cell in nb.cells:  # run it as nbgrader did: from a clean notebook
                if cell.cell_type == "code":
                    cell.outputs, cell.execution_count = [], None
                cell.get("metadata", {}).pop("execution", None)
            bare = Path(tmp) / "bare" / s.student / s.assignment / graded_nb.name
            notebooks.write(nb, bare)
            s.nbconvert_s, s.kernel_s = _nbconvert(bare, out_dir / s.student)
            say(f"  3. bare nbconvert {s.assignment} {s.student} ({s.kind}): {s.nbconvert_s:.1f} s")
        load("after 3 (bare nbconvert)")

        root = _copy(template, "one-at-a-time")
        start = time.perf_counter()
        outcomes = autograde.grade(root, assignments, workers=1, progress=None)
        bench.one_at_a_time_s = time.perf_counter() - start
        by_key = {(o.student, o.assignment): o for o in outcomes}
        for s in bench.submissions:
            if s.key in by_key:
                s.pipeline_s = by_key[s.key].seconds
        say(f"  4. course grading, one at a time: {bench.one_at_a_time_s:.1f} s")
        bench.problems += [f"course grading (1 worker): {o.summary}" for o in outcomes if o.status != "graded"]
        alone_cells = _cells(root, bench.submissions)
        load("after 4 (course, 1 worker)")

        for s in bench.submissions:
            if not (serial_cells[s.key] == parallel_cells[s.key] == alone_cells[s.key]) or not serial_cells[s.key]:
                bench.problems.append(f"{s.student}/{s.assignment}: the gradings gave different (or no) scores")
    return bench


def _goal(value: float | None, goal: float, at_least: bool, valid: bool) -> str:
    if value is None:
        return "not measured"
    met = value >= goal if at_least else value <= goal
    verdict = ("met" if met else "NOT met") if valid else "not judged: see the problems below"
    return f"{value:.2f}x (goal {'>=' if at_least else '<='} {goal}x: {verdict})"


def class_markdown(bench: ClassBench) -> str:
    """The grading benchmark as Markdown: the four ways, the two ratios, each notebook's times."""
    n = len(bench.submissions)
    serial = sum(bench.serial_nbgrader_s.values())
    pipeline = sum(s.pipeline_s or 0.0 for s in bench.submissions)
    nbconvert = sum(s.nbconvert_s or 0.0 for s in bench.submissions)
    kernel = sum(s.kernel_s or 0.0 for s in bench.submissions)
    students = len({s.student for s in bench.submissions})
    valid = not bench.problems

    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        f"Class: {students} students x {len(bench.assignments)} assignments ({', '.join(bench.assignments)}) "
        f"= {n} submissions; kinds {', '.join(sorted({s.kind for s in bench.submissions}))}.",
        "",
        "Load average (1, 5, 15 min) while measuring, other users included: "
        + "; ".join(f"{label} {a:.2f} {b:.2f} {c:.2f}" for label, (a, b, c) in bench.load)
        + ".",
        "",
        "| way | wall time (s) | per submission (s) |",
        "|---|---:|---:|",
        f"| 1. plain nbgrader, serial: one `nbgrader autograde <assignment>` per assignment | {serial:.1f} "
        f"| {serial / n:.1f} |",
        f"| 2. course grading (`autograde.grade`), {bench.workers} workers | {bench.parallel_s:.1f} "
        f"| {bench.parallel_s / n:.1f} |",
        f"| 3. bare `jupyter nbconvert --execute`, one at a time (kernel busy {kernel:.1f} s of it) | {nbconvert:.1f} "
        f"| {nbconvert / n:.1f} |",
        f"| 4. course grading, 1 worker (sum of each submission's own time) | {bench.one_at_a_time_s:.1f} "
        f"({pipeline:.1f}) | {pipeline / n:.1f} |",
        "",
        f"- Speed-up, way 1 wall time / way 2 wall time: {_goal(bench.speedup, SPEEDUP_GOAL, True, valid)}",
        f"- Per-submission overhead, sum over submissions of the course's time per submission (way 4: pre-clean, "
        f"`nbgrader autograde --student`, reading the scores) / sum of the bare nbconvert process times of the same "
        f"notebooks as graded (way 3): {_goal(bench.overhead, OVERHEAD_GOAL, False, valid)}",
    ]
    if bench.problems:
        lines += ["", "Problems (the numbers above may not mean what they say):", ""]
        lines += [f"- {p}" for p in bench.problems]
    else:
        lines += ["- Scores: ways 1, 2 and 4 gave every submission the same per-cell scores."]
    lines += [
        "",
        "Each notebook (way 3 runs the notebook as nbgrader graded it: test cells restored, hidden tests included):",
        "",
        "| assignment | student | submits | bare nbconvert (s) | of which kernel busy (s) | course, alone (s) "
        "| course / bare |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for s in sorted(bench.submissions, key=lambda s: (s.assignment, s.student)):

        def fmt(x: float | None) -> str:
            return "-" if x is None else f"{x:.1f}"

        ratio = f"{s.pipeline_s / s.nbconvert_s:.2f}" if s.pipeline_s and s.nbconvert_s else "-"
        lines.append(
            f"| {s.assignment} | {s.student} | {s.kind} | {fmt(s.nbconvert_s)} | {fmt(s.kernel_s)} "
            f"| {fmt(s.pipeline_s)} | {ratio} |"
        )
    return "\n".join(lines)


# --- the report file ---------------------------------------------------------------

NOTEBOOKS_HEADING = "## Reference notebooks"
GRADING_HEADING = "## Grading a class"
_INTRO = {
    GRADING_HEADING: (
        "One demo class graded four ways, each on a fresh copy of it (`mlsys/grading/bench.py` says how).\n"
        "Other people's work on the same machine slows every way; the load average says how busy it was."
    ),
    NOTEBOOKS_HEADING: (
        "Each reference notebook in `source/` run top to bottom in a fresh kernel with nbclient, one at a time."
    ),
}


def write_report(path: Path, sections: dict[str, str]) -> None:
    """Write docs/benchmarks.md: the sections measured now, and the other sections as they were."""
    old: dict[str, str] = {}
    if path.exists():
        heading = None
        for line in path.read_text().splitlines():
            if line.startswith("## "):
                heading = line.strip()
                old[heading] = ""
            elif heading:
                old[heading] += line + "\n"
    today = time.strftime("%Y-%m-%d")
    parts = [
        "# Benchmarks\n\nWritten by `make bench` (`python -m mlsys.grading bench --write`); measured, never asserted.\n"
    ]
    for heading in (GRADING_HEADING, NOTEBOOKS_HEADING):
        if heading in sections:
            parts.append(f"{heading}\n\n{_INTRO[heading]}\nMeasured {today}.\n\n{sections[heading]}\n")
        elif old.get(heading, "").strip():
            parts.append(f"{heading}\n{old[heading].rstrip()}\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts))
