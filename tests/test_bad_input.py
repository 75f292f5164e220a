"""Bad input never stops grading: each bad submission gets a clear recorded outcome."""

from __future__ import annotations

import pytest
from harness import ASSIGNMENTS, BAD_INPUT

pytestmark = [
    pytest.mark.nbgrader,
    pytest.mark.skipif(not BAD_INPUT, reason="COURSE_BAD_INPUT=0 was set to leave the bad-input students out"),
]

FIRST = ASSIGNMENTS[0]


def _outcome(graded_course, student):
    return graded_course.outcomes[(student, FIRST)]


def _full(graded_course, student):
    cells = graded_course.cells[(student, FIRST)]
    return all(s == m for s, m in cells.values())


def test_infinite_loop_is_stopped_and_the_rest_graded(graded_course):
    outcome = _outcome(graded_course, "bad-infinite-loop")
    assert outcome.status == "graded"
    assert any("time limit" in note for note in outcome.notes), outcome.notes
    cells = graded_course.cells[("bad-infinite-loop", FIRST)]
    lost = [c for c, (s, m) in cells.items() if s < m]
    assert len(lost) == 1, f"only the exercise behind the endless loop should lose points, lost: {lost}"


def test_deleted_test_cell_is_restored_and_graded(graded_course):
    outcome = _outcome(graded_course, "bad-deleted-test")
    assert outcome.status == "graded" and _full(graded_course, "bad-deleted-test")
    assert any("restored" in note for note in outcome.notes), outcome.notes


def test_duplicated_graded_cell_keeps_first_copy(graded_course):
    outcome = _outcome(graded_course, "bad-duplicated-cell")
    assert outcome.status == "graded" and _full(graded_course, "bad-duplicated-cell")
    assert any("appeared twice" in note for note in outcome.notes), outcome.notes
    original = graded_course.root / "precleaned_originals" / "bad-duplicated-cell" / FIRST / f"{FIRST}.ipynb"
    assert original.exists(), "the student's original notebook should be kept"


def test_renamed_notebook_is_found_and_graded(graded_course):
    outcome = _outcome(graded_course, "bad-renamed-notebook")
    assert outcome.status == "graded" and _full(graded_course, "bad-renamed-notebook")
    assert any("Copy1" in note for note in outcome.notes), outcome.notes


def test_every_submission_has_a_recorded_outcome(graded_course):
    log = (graded_course.root / "grading_log.csv").read_text().splitlines()
    assert len(log) == 1 + len(graded_course.outcomes)
    assert {o.status for o in graded_course.outcomes.values()} == {"graded"}
