"""The bad-submission suite (``tests/bad_submissions.py``), graded with everyone else through real nbgrader.

For every case: the batch completes, the outcome recorded for that student says
what happened, exactly the named test cells lose their points, a trick never
raises a score, and nobody else is affected (the reference students keep full
marks and no note; instructor files and other students' folders are unchanged).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import bad_submissions
import pytest
from bad_submissions import ASSIGNMENT, CASES
from harness import ASSIGNMENTS, BAD_INPUT, REPO

from mlsys.grading import notebooks

pytestmark = [
    pytest.mark.nbgrader,
    pytest.mark.skipif(not BAD_INPUT, reason="COURSE_BAD_INPUT=0 was set to leave the bad-input students out"),
    pytest.mark.skipif(ASSIGNMENT not in ASSIGNMENTS, reason=f"COURSE_ASSIGNMENTS leaves out {ASSIGNMENT}"),
]


def _test_ids() -> list[str]:
    return notebooks.test_ids(notebooks.read(REPO / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"))


@pytest.mark.parametrize("case", CASES, ids=[c.student for c in CASES])
def test_bad_submission_gets_its_exact_outcome(graded_course, case):
    outcome = graded_course.outcomes[(case.student, ASSIGNMENT)]
    assert outcome.status == case.status, outcome.summary
    if case.note:
        assert any(case.note.lower() in note.lower() for note in outcome.notes), (
            f"{case.student} ({case.what}): no note says '{case.note}': {outcome.notes}"
        )
    if case.status != "graded":
        assert outcome.scores == [] and outcome.score is None
        return
    cells = graded_course.cells[(case.student, ASSIGNMENT)]
    lost = case.lost_tests(_test_ids())
    assert set(cells) == set(_test_ids()), f"every test cell must be graded, got {sorted(cells)}"
    for test, (score, maximum) in cells.items():
        if test in lost:
            assert score == 0, f"{case.student} ({case.what}): {test} should score 0, got {score}/{maximum}"
        else:
            assert score == maximum, f"{case.student} ({case.what}): {test} should keep {maximum}, got {score}"


@pytest.mark.parametrize("case", [c for c in CASES if c.cheat], ids=[c.student for c in CASES if c.cheat])
def test_a_trick_never_raises_a_score(graded_course, case):
    """A cheat scores no more than the honest work it contains: the tricked exercise earns nothing."""
    cells = graded_course.cells[(case.student, ASSIGNMENT)]
    reference = graded_course.cells[("reference", ASSIGNMENT)]
    tricked = case.lost_tests(_test_ids())
    assert all(cells[t][0] == 0 for t in tricked)
    assert sum(s for s, _ in cells.values()) == sum(m for t, (_, m) in reference.items() if t not in tricked)


def test_every_submission_is_graded_and_recorded(graded_course):
    log = (graded_course.root / "grading_log.csv").read_text().splitlines()
    assert len(log) == 1 + len(graded_course.outcomes)
    expected = {c.student: c.status for c in CASES}
    statuses = {s: o.status for (s, a), o in graded_course.outcomes.items()}
    assert {s: statuses[s] for s in expected} == expected
    others = {s for s in statuses if s not in expected}
    assert {statuses[s] for s in others} == {"graded"}, "a bad submission must not stop anyone else's grading"


def test_reference_students_get_no_notes(graded_course):
    """The guards leave honest work alone: nothing restored, nothing reported."""
    for (student, assignment), outcome in graded_course.outcomes.items():
        if student == "reference":
            # "graded again ..." is the grader's own recovery (a crashed kernel re-run), not about the work
            notes = [note for note in outcome.notes if not note.startswith("graded again")]
            assert notes == [], f"{assignment}: {outcome.notes}"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_instructor_files_and_other_students_are_untouched(graded_course):
    root = graded_course.root
    for assignment in ASSIGNMENTS:
        name = f"{assignment}.ipynb"
        assert _digest(root / "source" / assignment / name) == _digest(REPO / "source" / assignment / name)
    for marker in bad_submissions.WRITE_OUTSIDE_MARKERS:
        path = Path(marker) if marker.startswith("/") else root / marker
        assert not path.exists(), f"a student's write escaped the sandbox: {path}"


def test_kept_originals_of_repaired_submissions(graded_course):
    originals = graded_course.root / "precleaned_originals"
    assert (originals / "bad-duplicated-cell" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
    assert (originals / "bad-renamed-notebook" / ASSIGNMENT / f"{ASSIGNMENT}-Copy1.ipynb").exists()
