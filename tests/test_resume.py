"""A grading run that is killed or stopped halfway loses nothing, and the next run finishes the rest.

A small real course (three students of one fast assignment) is graded with the
course's command, one worker, and stopped twice: first with SIGKILL (a crash or
a lost machine), then with SIGTERM (a batch scheduler's stop). Each run keeps
what earlier runs finished, grades only the rest, leaves no nbgrader or kernel
running, and exports the grades it has.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from harness import ASSIGNMENTS, REPO

from mlsys.grading import autograde, demo, notebooks

ASSIGNMENT = "02_data_quality"
STUDENTS = ("ann", "bob", "cyd")

pytestmark = [
    pytest.mark.nbgrader,
    pytest.mark.skipif(ASSIGNMENT not in ASSIGNMENTS, reason=f"COURSE_ASSIGNMENTS leaves out {ASSIGNMENT}"),
]


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("resume")
    shutil.copy2(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    assert autograde.run_nbgrader(root, "generate_assignment", ASSIGNMENT, "--force") == 0
    source_nb = notebooks.read(root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    release_nb = notebooks.read(root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    builders = ("demo-reference", "demo-untouched", "demo-partial")
    for student, builder in zip(STUDENTS, builders, strict=True):
        nb = demo.STUDENTS[builder][0](source_nb, release_nb)
        notebooks.write(nb, root / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    return root


def _start(root: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "mlsys.grading", "--course-root", str(root), "grade", "--workers", "1"]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finished(root: Path) -> set[str]:
    return {p.stem for p in (root / "logs" / "state" / ASSIGNMENT).glob("*.json")}


def _wait_for(root: Path, count: int, proc: subprocess.Popen, limit: float = 300) -> None:
    deadline = time.monotonic() + limit
    while len(_finished(root)) < count:
        assert proc.poll() is None, "the grading run ended before it was stopped:\n" + proc.stdout.read()
        assert time.monotonic() < deadline, "grading made no progress"
        time.sleep(0.5)


def _running_for(root: Path) -> list[str]:
    """Command lines of processes still working in this course (nbgrader, kernels)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if str(root) in cmdline or cwd.startswith(str(root)):
            found.append(cmdline)
    return found


def _mtime(root: Path, student: str) -> float:
    return (root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").stat().st_mtime


def test_killed_and_stopped_runs_lose_nothing(course):
    # 1. killed outright once the first submission is finished
    proc = _start(course)
    _wait_for(course, 1, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    first = _finished(course)
    time.sleep(3)
    assert _running_for(course) == [], "a killed run must not leave nbgrader or a kernel running"
    kept = {s: _mtime(course, s) for s in first}

    # 2. stopped like a batch scheduler stops a job, after one more submission
    proc = _start(course)
    _wait_for(course, len(first) + 1, proc)
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=300)
    assert proc.returncode == 130, output
    assert "already graded from the same files: kept" in output, output
    assert "interrupted" in output and (course / "grades.csv").exists(), "grades are exported when a run stops"
    assert {s: _mtime(course, s) for s in first} == kept, "finished submissions must not be graded again"
    time.sleep(3)
    assert _running_for(course) == []

    # 3. the last run grades only what is left
    second = _finished(course)
    proc = _start(course)
    output, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, output
    assert f"{len(second)} submission(s) already graded from the same files" in output, output
    assert _finished(course) == set(STUDENTS)
    with open(course / "grading_log.csv") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert {s: rows[s]["status"] for s in STUDENTS} == dict.fromkeys(STUDENTS, "graded")
    assert rows["ann"]["score"] == rows["ann"]["max_score"] and rows["bob"]["score"] == "0"
    with open(course / "grades.csv") as f:
        exported = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(f)}
    assert exported["ann"] == float(rows["ann"]["max_score"]) and exported["bob"] == 0.0
    assert 0 < exported["cyd"] < exported["ann"]
