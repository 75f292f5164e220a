"""Grade submissions through real ``nbgrader autograde``, one process per submission.

Every submission is pre-cleaned, then graded by its own ``nbgrader autograde
<assignment> --student <student>`` process, several at once. The processes are
forked from a helper that has nbgrader imported already
(:mod:`mlsys.grading.forkserver`), which saves each submission about 3 s of
start-up; without the helper (``MLSYS_FORK=off``, or it failed) each starts from
scratch. A process that runs past its time limit is killed with its kernel.
Whatever happens to one submission, the others are graded, and each gets an
:class:`Outcome` that says what happened in plain words.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from mlsys.grading import forkserver, notebooks, sandbox
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

    def read_scores(self, course_root: Path) -> bool:
        """Fill ``scores``, ``score`` and ``max_score`` from the gradebook; False when it has none."""
        self.scores = submission_scores(db_url(course_root), self.assignment, self.student)
        if self.scores:
            self.score = sum(s.auto_score for s in self.scores)
            self.max_score = sum(s.auto_max for s in self.scores)
        return bool(self.scores)

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


_running: set[subprocess.Popen] = set()


def run_nbgrader(
    course_root: Path,
    *args: str,
    log: Path | None = None,
    timeout: float | None = None,
    env: dict[str, str] | None = None,
) -> int:
    """Run ``nbgrader <args>`` in the course root; output goes to ``log`` (or is discarded)."""
    cmd = [nbgrader_executable(), *args]
    out = open(log, "w") if log else subprocess.DEVNULL
    try:
        # nbgrader (and through the kernel launcher, its kernel) dies with this process,
        # so a killed grading run leaves nothing running that could write to the gradebook.
        cmd = sandbox.killed_with_caller(cmd)
        proc = subprocess.Popen(
            cmd,
            cwd=course_root,
            env={**grading_env(), **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _running.add(proc)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # nbgrader and the kernel it started
            proc.wait()
            raise
        finally:
            _running.discard(proc)
    finally:
        if log:
            out.close()


_servers: set[forkserver.ForkServer] = set()


def stop_running() -> None:
    """Kill every nbgrader process this process started that is still running (and their kernels)."""
    for proc in list(_running):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for server in list(_servers):
        server.kill_running()


def start_fork_server(course_root: Path) -> forkserver.ForkServer | None:
    """A fork server for this grading run, or None (turned off, or it could not start: nbgrader starts as usual)."""
    if not forkserver.enabled():
        return None
    try:
        server = forkserver.ForkServer(course_root, grading_env(), nbgrader_executable())
    except (OSError, forkserver.ForkServerGone):
        return None
    _servers.add(server)
    return server


def stop_fork_server(server: forkserver.ForkServer | None) -> None:
    if server is not None:
        _servers.discard(server)
        server.close()


def run_autograde(
    course_root: Path, args: list[str], log: Path, timeout: float, server: forkserver.ForkServer | None
) -> int:
    """``nbgrader <args>`` for one submission: forked from ``server`` when there is one, else a new process."""
    if server is not None:
        try:
            return server.run(args, course_root, grading_env(), log, timeout)
        except forkserver.ForkServerGone:
            pass  # start it the ordinary way
    return run_nbgrader(course_root, *args, log=log, timeout=timeout)


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


#: How the note on a kernel that died in a cell begins.
KERNEL_DIED_NOTE = "the kernel died in "
_NETWORK_WORDS = ("name resolution", "network is unreachable", "name or service not known", "connection refused")
_FILE_ERRORS = ("FileNotFoundError", "PermissionError", "OSError", "OperationalError", "IsADirectoryError")


def _explain_error(where: str, ename: str, evalue: str) -> str | None:
    """A plain-words note for an error that says something about the submission, or None."""
    from mlsys.grading import execute, sandbox

    text = evalue.lower()
    if ename == "CellTimeoutError":
        return f"{where} ran past the per-cell time limit and was stopped"
    if ename == execute.KERNEL_STUCK:
        return f"{where} ran past the time limit and ignored the interrupt; later cells were not run"
    if ename in (execute.KERNEL_DIED, "DeadKernelError"):
        return f"{KERNEL_DIED_NOTE}{where} (os._exit, a crash or the memory limit); later cells were not run"
    if ename == "MemoryError" or "unable to allocate" in text:
        limit = sandbox.memory_limit_bytes() / (1 << 30)
        return f"{where} ran out of memory (grading allows {limit:g} GiB per notebook)"
    if any(word in text for word in _NETWORK_WORDS) or ename in ("URLError", "gaierror", "ConnectionError"):
        return f"{where} tried to use the network, which grading does not allow ({ename})"
    outside = "read-only file system" in text or "../" in evalue or "unable to open database" in text
    if ename in _FILE_ERRORS and outside:
        return f"{where} tried to read or write a file outside its own folder, which grading does not allow ({ename})"
    return None


def _inspect_autograded(path: Path) -> list[str]:
    """Plain-words notes on what the graded notebook shows: stopped cells, dead kernels, forbidden access."""
    from mlsys.grading import execute

    if not path.exists():
        return []
    notes: list[str] = []
    for cell in notebooks.read(path).cells:
        where = notebooks.grade_id(cell) or f"cell {cell.get('id', '?')}"
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                note = _explain_error(where, output.get("ename", ""), str(output.get("evalue", "")))
            elif output.get("output_type") == "stream" and output.get("text", "").startswith(execute.RESTORED):
                undone = output["text"][len(execute.RESTORED) :].strip()
                note = f"before {where} ran, grading put back what the submission had replaced: {undone}"
            elif output.get("output_type") == "stream" and output.get("text", "").startswith(execute.STDERR_KEPT):
                note = f"{where} printed on stderr (warnings); not counted as a failure"
            else:
                note = None
            if note and note not in notes:
                notes.append(note)
    return notes


def grade_one(
    course_root: Path,
    student: str,
    assignment: str,
    timeout: float = SUBMISSION_TIMEOUT_S,
    server: forkserver.ForkServer | None = None,
) -> Outcome:
    """Pre-clean and autograde one submission; never raises for a student's mistake.

    With a fork ``server``, the nbgrader process is forked from it (see
    :mod:`mlsys.grading.forkserver`); otherwise it starts from scratch.
    """
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
        code = run_autograde(
            course_root, ["autograde", assignment, "--student", student, "--force"], log, timeout, server
        )
    except subprocess.TimeoutExpired:
        outcome.status = "timed out"
        outcome.notes.append(f"grading was stopped after {timeout:g} s")
        code = None
    if code not in (0, None):
        outcome.status = "grading failed"
        outcome.notes.append(_last_error(log))
    outcome.notes += _inspect_autograded(course_root / "autograded" / student / assignment / f"{assignment}.ipynb")
    if code == 0:
        outcome.read_scores(course_root)
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


class GradingError(RuntimeError):
    """Grading itself cannot run (not a student's mistake): the command exits non-zero."""


class GradingInterrupted(KeyboardInterrupt):
    """The run was interrupted; ``outcomes`` holds what was finished (already saved)."""

    def __init__(self, outcomes: list[Outcome]):
        super().__init__("grading interrupted")
        self.outcomes = outcomes


def in_shard(student: str, assignment: str, shard: tuple[int, int] | None, shard_by: str = "student") -> bool:
    """Whether a submission belongs to shard ``(k, n)`` (1-based): crc32 of the student (or assignment) id mod n.

    The hash depends only on the id, so every machine computes the same split
    without knowing the rest of the class.
    """
    if shard is None:
        return True
    k, n = shard
    key = student if shard_by == "student" else assignment
    return zlib.crc32(key.encode()) % n == k - 1


# --- resuming: what was graded, and from which files --------------------------


def fingerprint(course_root: Path, student: str, assignment: str) -> str:
    """A hash of the files in a submission folder (name and content)."""
    folder = Path(course_root) / "submitted" / student / assignment
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _state_path(course_root: Path, student: str, assignment: str) -> Path:
    return Path(course_root) / "logs" / "state" / assignment / f"{student}.json"


def save_state(course_root: Path, outcome: Outcome) -> None:
    """Record a finished submission: its outcome and the fingerprint of what was graded."""
    path = _state_path(course_root, outcome.student, outcome.assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "fingerprint": fingerprint(course_root, outcome.student, outcome.assignment),
        "status": outcome.status,
        "seconds": outcome.seconds,
        "notes": outcome.notes,
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1))
    tmp.replace(path)  # atomic: a run killed here leaves the old record or the new one


def load_state(course_root: Path, student: str, assignment: str) -> Outcome | None:
    """The recorded outcome of a submission whose files have not changed since it was graded, or None."""
    path = _state_path(course_root, student, assignment)
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if record.get("status") not in FINAL or record.get("fingerprint") != fingerprint(course_root, student, assignment):
        return None
    outcome = Outcome(student, assignment, record["status"], record.get("seconds", 0.0), notes=record.get("notes", []))
    if outcome.status == "graded":
        if not outcome.read_scores(course_root):
            return None  # the gradebook lost it: grade again
    return outcome


#: Outcomes that are final for unchanged files; "grading failed" and "timed out" are tried again.
FINAL = ("graded", "not graded")


def grade_with_retry(
    course_root: Path,
    student: str,
    assignment: str,
    timeout: float,
    retries: int,
    server: forkserver.ForkServer | None = None,
) -> Outcome:
    """:func:`grade_one`, tried again when nbgrader itself failed (a kernel that did not start, a locked database).

    The retry starts nbgrader from scratch, in case the fork server is what failed.
    A submission whose kernel died in a cell is graded once more, from scratch: a native crash
    of the libraries (seen, rarely, in TensorFlow's MirroredStrategy under load) must not cost a
    correct answer its points, while a submission that ends its own kernel dies again. The second
    run's outcome stands either way, with a note that says what happened.
    """
    outcome = grade_one(course_root, student, assignment, timeout, server)
    for _ in range(retries):
        if outcome.status != "grading failed":
            break
        first = outcome.notes[-1] if outcome.notes else "?"
        time.sleep(2)
        outcome = grade_one(course_root, student, assignment, timeout)
        outcome.notes.append(f"graded again after a failure of the grader: {first}")
    died = [note for note in outcome.notes if note.startswith(KERNEL_DIED_NOTE)]
    if outcome.status == "graded" and died and retries:
        again = grade_one(course_root, student, assignment, timeout)
        if again.status == "graded":
            if any(note.startswith(KERNEL_DIED_NOTE) for note in again.notes):
                again.notes.append("graded again after the kernel died; it died again, so the submission ends it")
            else:
                again.notes.append(f"graded again after the kernel died once ({died[0]}); the second run completed")
            outcome = again
    return outcome


def grade(
    course_root: Path,
    assignments: Sequence[str] | None = None,
    students: Sequence[str] | None = None,
    workers: int | None = None,
    timeout: float = SUBMISSION_TIMEOUT_S,
    progress: Callable[[str], None] | None = print,
    shard: tuple[int, int] | None = None,
    shard_by: str = "student",
    force: bool = False,
    retries: int = 1,
) -> list[Outcome]:
    """Grade every matching submission in ``submitted/``, ``workers`` at a time.

    A submission already graded from the same files (a finished earlier run, or
    the finished part of a killed one) is not graded again unless ``force``.
    Each finished submission is recorded at once (``logs/state/``), so a run
    killed halfway loses nothing. Returns one :class:`Outcome` per submission,
    in a stable order, and writes them to ``grading_log.csv``.

    Raises :class:`GradingError` when grading cannot run at all, and
    :class:`GradingInterrupted` (with the finished outcomes) on Ctrl-C.
    """
    course_root = Path(course_root).resolve()
    if not (course_root / "nbgrader_config.py").exists():
        raise GradingError(f"{course_root} is not a course folder (no nbgrader_config.py)")
    if sandbox.enabled() and sandbox.problem():
        raise GradingError(
            f"the grading sandbox cannot run: {sandbox.problem()}. "
            f"Student code must not run unconfined; to grade trusted code without it, set {sandbox.MODE_ENV}=off."
        )
    pairs = [(s, a) for s, a in find_submissions(course_root, assignments, students) if in_shard(s, a, shard, shard_by)]
    # started first: it imports nbgrader while the gradebook is prepared and the first submissions pre-cleaned
    server = start_fork_server(course_root) if pairs else None
    try:
        return _grade_pairs(course_root, pairs, server, workers, timeout, progress, force, retries)
    finally:
        stop_fork_server(server)


def _grade_pairs(
    course_root: Path,
    pairs: list[tuple[str, str]],
    server: forkserver.ForkServer | None,
    workers: int | None,
    timeout: float,
    progress: Callable[[str], None] | None,
    force: bool,
    retries: int,
) -> list[Outcome]:
    for assignment in sorted({a for _, a in pairs}):
        ensure_assignment(course_root, assignment)
    # Students are created one at a time before the parallel part, so that
    # concurrent processes only ever update rows that already exist.
    _ensure_students(course_root, sorted({s for s, _ in pairs}))
    outcomes: list[Outcome] = []
    todo = []
    for student, assignment in pairs:
        earlier = None if force else load_state(course_root, student, assignment)
        if earlier is None:
            todo.append((student, assignment))
        else:
            outcomes.append(earlier)
    if progress and outcomes:
        progress(f"{len(outcomes)} submission(s) already graded from the same files: kept (use --force to regrade)")
    workers = workers or max(1, os.cpu_count() or 1)
    start = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        futures = {pool.submit(grade_with_retry, course_root, s, a, timeout, retries, server): (s, a) for s, a in todo}
        for done, future in enumerate(as_completed(futures), start=1):
            student, assignment = futures[future]
            try:
                outcome = future.result()
            except Exception as error:  # a bug of ours must not stop the batch either
                outcome = Outcome(student, assignment, "grading failed", notes=[f"{type(error).__name__}: {error}"])
            save_state(course_root, outcome)
            outcomes.append(outcome)
            write_outcomes(sorted(outcomes, key=_order), course_root / "grading_log.csv")
            if progress:
                progress(
                    f"[{done:>3}/{len(todo)}] {outcome.summary}  ({outcome.seconds:.0f} s; "
                    f"ETA {_eta(done, len(todo), time.perf_counter() - start)})"
                )
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        stop_running()
        outcomes.sort(key=_order)
        raise GradingInterrupted(outcomes) from None
    pool.shutdown()
    outcomes.sort(key=_order)
    write_outcomes(outcomes, course_root / "grading_log.csv")
    return outcomes


def _order(outcome: Outcome) -> tuple[str, str]:
    return outcome.assignment, outcome.student


def _ensure_students(course_root: Path, students: Sequence[str]) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(db_url(course_root)) as gb:
        for student in students:
            gb.update_or_create_student(student)


def write_outcomes(outcomes: Sequence[Outcome], path: Path) -> None:
    """The recorded outcome of every submission, one row each."""
    tmp = Path(path).with_suffix(".tmp")
    with open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "assignment", "status", "score", "max_score", "seconds", "notes"])
        for o in outcomes:
            score = "" if o.score is None else f"{o.score:g}"
            maximum = "" if o.max_score is None else f"{o.max_score:g}"
            writer.writerow(
                [o.student, o.assignment, o.status, score, maximum, f"{o.seconds:.1f}", " | ".join(o.notes)]
            )
    tmp.replace(path)
