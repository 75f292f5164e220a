"""Every graded exercise proven through real ``nbgrader autograde``.

The reference solution gets every autograded point, the untouched release gets
0 on every test cell, each named wrong answer (tests/mutants/) loses the points
of the test cells it names, and only those, and each correct alternative
solution gets every point. tests/test_requirements.py checks that the wrong
answers cover every requirement of the task text.
"""

from __future__ import annotations

import pytest
from harness import ASSIGNMENTS, load_alternatives, load_mutants

from mlsys.grading import autograde

pytestmark = pytest.mark.nbgrader

ALL_MUTANTS = [m for a in ASSIGNMENTS for m in load_mutants(a)]
ALL_ALTERNATIVES = [m for a in ASSIGNMENTS for m in load_alternatives(a)]


def _cells(graded_course, student, assignment):
    outcome = graded_course.outcomes[(student, assignment)]
    assert outcome.status == "graded", f"{student}/{assignment} was not graded: {outcome.summary}"
    return graded_course.cells[(student, assignment)]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_solution_gets_every_point(graded_course, assignment):
    cells = _cells(graded_course, "reference", assignment)
    assert cells, "no autograded test cells were recorded"
    lost = {cell: f"{s:g}/{m:g}" for cell, (s, m) in cells.items() if s != m}
    assert not lost, f"the reference solution loses points on {lost}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_gets_zero(graded_course, assignment):
    cells = _cells(graded_course, "untouched", assignment)
    scored = {cell: s for cell, (s, _) in cells.items() if s != 0}
    assert not scored, f"the untouched release scores points on {scored}"


@pytest.mark.parametrize("mutant", ALL_MUTANTS, ids=lambda m: m.id)
def test_named_wrong_answer_loses_points(graded_course, mutant):
    student = next(s for s, group in graded_course.mutant_groups[mutant.assignment] if mutant in group)
    cells = _cells(graded_course, student, mutant.assignment)
    for test_cell in mutant.loses:
        assert test_cell in cells, f"{mutant.id} names unknown test cell {test_cell!r}"
        score, maximum = cells[test_cell]
        assert score < maximum, f"{mutant.id} ({mutant.why}) keeps all {maximum:g} points of {test_cell}"


@pytest.mark.parametrize("alternative", ALL_ALTERNATIVES, ids=lambda m: m.id)
def test_correct_alternative_gets_every_point(graded_course, alternative):
    """Stronger tests must not start rejecting right answers written another way."""
    groups = graded_course.alternative_groups[alternative.assignment]
    student, group = next((s, g) for s, g in groups if alternative in g)
    cells = _cells(graded_course, student, alternative.assignment)
    # the wrong answers it rides along with lose their own tests, and only those (test_wrong_answers_lose_nothing_else)
    wrong = next((g for s, g in graded_course.mutant_groups[alternative.assignment] if s == student), [])
    named = {t for m in wrong for t in m.loses}
    lost = {c: f"{s:g}/{m:g}" for c, (s, m) in cells.items() if s != m and c not in named}
    assert not lost, f"{student} (correct alternatives {', '.join(m.name for m in group)}) loses {lost}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_wrong_answers_lose_nothing_else(graded_course, assignment):
    """Mutants graded together must not cost points on test cells they do not name."""
    for student, group in graded_course.mutant_groups[assignment]:
        named = {t for m in group for t in m.loses}
        cells = _cells(graded_course, student, assignment)
        extra = {c: f"{s:g}/{m:g}" for c, (s, m) in cells.items() if c not in named and s != m}
        assert not extra, f"{student} ({', '.join(m.name for m in group)}) also loses {extra}: fix `loses` or the tests"


def test_reference_scores_are_identical_when_graded_again(graded_course):
    """Determinism: grading the reference solutions again, from scratch, changes no score.

    Once is enough to catch an unseeded source (the alternatives, graded beside
    the reference with the reference's other cells, are a second check); each
    extra round costs ten notebooks of the suite's time.
    """
    first = {a: graded_course.cells[("reference", a)] for a in ASSIGNMENTS}
    outcomes = autograde.grade(graded_course.root, students=["reference"], force=True, progress=None)
    again = {o.assignment: {c: v for s in o.scores for c, v in s.cells.items()} for o in outcomes}
    assert again == first
