"""Grade submissions through real ``nbgrader autograde``, one process per submission.

Every submission is pre-cleaned, then graded by its own ``nbgrader autograde
<assignment> --student <student>`` process, several at once. A process that runs
past its time limit is killed with its kernel. Whatever happens to one
submission, the others are graded, and each gets an :class:`Outcome` that says
what happened in plain words.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from mlsys.grading import notebooks
from mlsys.grading.preclean import preclean
from mlsys.grading.report import SubmissionScore, db_url, submission_scores
from mlsys.repro import QUIET_TF_ENV

#: Wall-clock limit for one submission, all cells together. The per-cell limit
#: (``Execute.timeout`` in nbgrader_config.py) stops an infinite loop much sooner;
#: this one catches a kernel that ignores interrupts.
SUBMISSION_TIMEOUT_S = 900


@dataclass
class Outcome:
    """What happened to one submission."""

    student: str
    assignment: str
    status: str  # "graded", "not graded", "grading failed" or "timed out"
    seconds: float = 0.0
    score: float | None = None
    max_score: float | None = None
    notes: list[str] = field(default_factory=list)
    scores: list[SubmissionScore] = field(default_factory=list)  # per notebook and test cell, from the gradebook

    @property
    def summary(self) -> str:
        """One line for a person."""
        points = f"{self.score:g}/{self.max_score:g} pts" if self.score is not None else "no score"
        text = f"{self.assignment}  {self.student}: {self.status}, {points}"
        return text + ("; " + "; ".join(self.notes) if self.notes else "")


def nbgrader_executable() -> str:
    """The ``nbgrader`` script next to this Python (the course's virtual environment)."""
    candidate = Path(sys.executable).with_name("nbgrader")
    return str(candidate) if candidate.exists() else "nbgrader"


def grading_env() -> dict[str, str]:
    """Environment for nbgrader and the kernels it starts.

    The interpreter's ``bin/`` goes first on PATH: nbgrader runs ``alembic`` by
    name when it creates a gradebook, and kernels must start from this venv.
    """
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.update({k: env.get(k, v) for k, v in QUIET_TF_ENV.items()})
    # Several submissions grade at once: one thread per TensorFlow kernel avoids
    # oversubscribing the cores.
    env.setdefault("TF_NUM_INTRAOP_THREADS", "1")
    env.setdefault("TF_NUM_INTEROP_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def run_nbgrader(course_root: Path, *args: str, log: Path | None = None, timeout: float | None = None) -> int:
    """Run ``nbgrader <args>`` in the course root; output goes to ``log`` (or is discarded)."""
    cmd = [nbgrader_executable(), *args]
    out = open(log, "w") if log else subprocess.DEVNULL
    try:
        proc = subprocess.Popen(
            cmd, cwd=course_root, env=grading_env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # nbgrader and the kernel it started
            proc.wait()
            raise
    finally:
        if log:
            out.close()


def ensure_assignment(course_root: Path, assignment: str) -> None:
    """Make sure the gradebook knows ``assignment`` (``generate_assignment`` records it)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url(course_root)) as gb:
        try:
            gb.find_assignment(assignment)
            return
        except MissingEntry:
            pass
    log = Path(course_root) / "logs" / f"generate_{assignment}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    if run_nbgrader(course_root, "generate_assignment", assignment, "--force", log=log) != 0:
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed; see {log}")


def find_submissions(
    course_root: Path, assignments: Sequence[str] | None = None, students: Sequence[str] | None = None
) -> list[tuple[str, str]]:
    """``(student, assignment)`` pairs under ``submitted/``, filtered by the names given."""
    submitted = Path(course_root) / "submitted"
    known = notebooks.assignment_ids(course_root)
    pairs = []
    for student_dir in sorted(p for p in submitted.glob("*") if p.is_dir()):
        if students and student_dir.name not in students:
            continue
        for assignment_dir in sorted(p for p in student_dir.glob("*") if p.is_dir()):
            name = assignment_dir.name
            if name in known and (not assignments or name in assignments):
                pairs.append((student_dir.name, name))
    return pairs


def _inspect_autograded(path: Path) -> list[str]:
    """Plain-words notes on cells that timed out or lost their kernel."""
    if not path.exists():
        return []
    notes = []
    for cell in notebooks.read(path).cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            where = notebooks.grade_id(cell) or f"cell {cell.get('id', '?')}"
            if output.get("ename") == "CellTimeoutError":
                notes.append(f"{where} ran past the per-cell time limit and was stopped")
            elif output.get("ename") == "DeadKernelError":
                notes.append(f"the kernel died in {where}")
    return notes


def grade_one(course_root: Path, student: str, assignment: str, timeout: float = SUBMISSION_TIMEOUT_S) -> Outcome:
    """Pre-clean and autograde one submission; never raises for a student's mistake."""
    course_root = Path(course_root)
    start = time.perf_counter()
    source_nb = notebooks.read(course_root / "source" / assignment / f"{assignment}.ipynb")
    cleaned = preclean(course_root, student, assignment, source_nb)
    outcome = Outcome(student, assignment, "graded", notes=list(cleaned.notes))
    if not cleaned.gradable:
        outcome.status = "not graded"
        outcome.seconds = time.perf_counter() - start
        return outcome
    log = course_root / "logs" / "autograde" / assignment / f"{student}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    try:
        code = run_nbgrader(
            course_root, "autograde", assignment, "--student", student, "--force", log=log, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        outcome.status = "timed out"
        outcome.notes.append(f"grading was stopped after {timeout:g} s (the kernel ignored interrupts?)")
        code = None
    if code not in (0, None):
        outcome.status = "grading failed"
        outcome.notes.append(_last_error(log))
    outcome.notes += _inspect_autograded(course_root / "autograded" / student / assignment / f"{assignment}.ipynb")
    outcome.scores = submission_scores(db_url(course_root), assignment, student) if code == 0 else []
    if outcome.scores:
        outcome.score = sum(s.auto_score for s in outcome.scores)
        outcome.max_score = sum(s.auto_max for s in outcome.scores)
    outcome.seconds = time.perf_counter() - start
    return outcome


def _last_error(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    errors = [line for line in lines if "[ERROR]" in line or "Error" in line]
    detail = (errors or lines or ["no output"])[-1]
    return f"nbgrader could not grade this submission: {detail[:300]} (log: {log})"


def _eta(done: int, total: int, elapsed: float) -> str:
    if done == 0:
        return "?"
    remaining = elapsed / done * (total - done)
    return f"{int(remaining // 60)}m{int(remaining % 60):02d}s"


def grade(
    course_root: Path,
    assignments: Sequence[str] | None = None,
    students: Sequence[str] | None = None,
    workers: int | None = None,
    timeout: float = SUBMISSION_TIMEOUT_S,
    progress: Callable[[str], None] | None = print,
) -> list[Outcome]:
    """Grade every matching submission in ``submitted/``, ``workers`` at a time.

    Returns one :class:`Outcome` per submission, in a stable order, and writes
    them to ``grading_log.csv``.
    """
    course_root = Path(course_root).resolve()
    pairs = find_submissions(course_root, assignments, students)
    for assignment in sorted({a for _, a in pairs}):
        ensure_assignment(course_root, assignment)
    # Students are created one at a time before the parallel part, so that
    # concurrent processes only ever update rows that already exist.
    _ensure_students(course_root, sorted({s for s, _ in pairs}))
    workers = workers or max(1, os.cpu_count() or 1)
    outcomes: list[Outcome] = []
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(grade_one, course_root, s, a, timeout): (s, a) for s, a in pairs}
        for future in as_completed(futures):
            student, assignment = futures[future]
            try:
                outcome = future.result()
            except Exception as error:  # a bug of ours must not stop the batch either
                outcome = Outcome(student, assignment, "grading failed", notes=[f"{type(error).__name__}: {error}"])
            outcomes.append(outcome)
            if progress:
                done = len(outcomes)
                progress(
                    f"[{done:>3}/{len(pairs)}] {outcome.summary}  ({outcome.seconds:.0f} s; "
                    f"ETA {_eta(done, len(pairs), time.perf_counter() - start)})"
                )
    outcomes.sort(key=lambda o: (o.assignment, o.student))
    write_outcomes(outcomes, course_root / "grading_log.csv")
    return outcomes


def _ensure_students(course_root: Path, students: Sequence[str]) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(db_url(course_root)) as gb:
        for student in students:
            gb.update_or_create_student(student)


def write_outcomes(outcomes: Sequence[Outcome], path: Path) -> None:
    """The recorded outcome of every submission, one row each."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "assignment", "status", "score", "max_score", "seconds", "notes"])
        for o in outcomes:
            score = "" if o.score is None else f"{o.score:g}"
            maximum = "" if o.max_score is None else f"{o.max_score:g}"
            writer.writerow(
                [o.student, o.assignment, o.status, score, maximum, f"{o.seconds:.1f}", " | ".join(o.notes)]
            )
