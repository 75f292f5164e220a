"""The requirement map: every requirement of an exercise's task text is enforced, shown by a wrong answer.

``tests/mutants/<assignment>.yml`` lists, per solution cell, the requirements the
exercise's italic task text and its section state or clearly imply; each named wrong
answer (mutant) violates one requirement alone; correct alternatives are written
another way. Static checks here (nothing is executed): the map covers every
exercise, every requirement has a mutant, every mutant names a requirement of its
cell, every exercise has a correct alternative, and every exercise whose text asks
for the work by hand refuses the library call in a visible test.
tests/test_grading.py grades the mutants (each must lose its exercise's points) and
the alternatives (each must get every point) through real nbgrader.
"""

from __future__ import annotations

import re

import pytest
from harness import ASSIGNMENTS, REPO, load_contract

from mlsys.grading import notebooks

#: Words of a task text that ask the student to do the work themselves.
BY_HAND = re.compile(r"\bby hand\b|\bwith NumPy\b|\bNumPy only\b|\bUse NumPy\b|\byourself\b", re.I)


def _exercises(assignment):
    """``{solution grade_id: (task markdown, visible part of its test cell)}`` in notebook order."""
    nb = notebooks.read(REPO / "source" / assignment / f"{assignment}.ipynb")
    found, markdown, current = {}, "", None
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "## Exercise" in cell.source:
            markdown = cell.source[cell.source.index("## Exercise") :]
        elif notebooks.is_solution(cell) and cell.cell_type == "code":
            current = notebooks.grade_id(cell)
            found[current] = (markdown, "")
        elif notebooks.is_test(cell) and current:
            found[current] = (found[current][0], notebooks.split_hidden(cell.source)[0])
            current = None
    return found


def _contract(assignment):
    contract = load_contract(assignment)
    if not contract.mapped:
        pytest.fail(f"tests/mutants/{assignment}.yml is a plain list of mutants: write its requirement map")
    return contract


@pytest.fixture(params=ASSIGNMENTS)
def assignment(request):
    return request.param


def test_every_exercise_has_requirements_and_alternatives(assignment):
    contract = _contract(assignment)
    exercises = set(_exercises(assignment))
    mapped = {r.cell for r in contract.requirements}
    assert not exercises - mapped, f"exercises without requirements: {sorted(exercises - mapped)}"
    assert not mapped - exercises, f"requirements for cells that are not exercises: {sorted(mapped - exercises)}"
    with_alternative = {a.cell for a in contract.alternatives}
    assert not exercises - with_alternative, (
        f"exercises without a correct alternative: {sorted(exercises - with_alternative)}"
    )


def test_requirement_ids_are_unique_and_described(assignment):
    contract = _contract(assignment)
    ids = [r.id for r in contract.requirements]
    assert len(ids) == len(set(ids)), f"duplicated requirement ids: {sorted({i for i in ids if ids.count(i) > 1})}"
    for r in contract.requirements:
        assert re.fullmatch(r"[a-z][a-z0-9_]+", r.id), f"requirement id {r.id!r} should be snake_case"
        assert len(r.text) >= 15, f"requirement {r.key} needs a sentence saying what the task text asks"
    names = [m.name for m in contract.mutants + contract.alternatives]
    assert len(names) == len(set(names)), (
        f"duplicated mutant or alternative names: {sorted({n for n in names if names.count(n) > 1})}"
    )


def test_every_mutant_names_a_requirement_of_its_cell(assignment):
    contract = _contract(assignment)
    by_id = {r.id: r for r in contract.requirements}
    for mutant in contract.mutants:
        assert mutant.requirement, f"mutant {mutant.id} names no requirement"
        assert mutant.requirement in by_id, f"mutant {mutant.id} names unknown requirement {mutant.requirement!r}"
        assert by_id[mutant.requirement].cell == mutant.cell, (
            f"mutant {mutant.id} changes cell {mutant.cell!r} but names requirement {mutant.requirement!r} "
            f"of cell {by_id[mutant.requirement].cell!r}"
        )
        assert mutant.loses, f"mutant {mutant.id} names no test cell that must lose points"


def test_every_requirement_has_a_mutant(assignment):
    """Each requirement is shown enforced by a wrong answer; tests/test_grading.py checks it loses points."""
    contract = _contract(assignment)
    covered = {m.requirement for m in contract.mutants}
    missing = [r.key for r in contract.requirements if r.id not in covered]
    assert not missing, f"requirements with no mutant that violates them: {missing}"


def test_by_hand_exercises_refuse_the_library_in_a_visible_test(assignment):
    """An exercise whose text says 'by hand', 'with NumPy' or 'yourself' refuses the whole-job call at once."""
    contract = _contract(assignment)
    for cell, (markdown, visible) in _exercises(assignment).items():
        task = markdown.split("<details>")[0]
        if not BY_HAND.search(task):
            continue
        assert "checks.check_by_hand(" in visible, (
            f"{assignment}:{cell}: the task text asks for the work by hand; its visible test should call "
            "checks.check_by_hand(...) with the library functions it replaces"
        )
        by_hand = [r for r in contract.requirements if r.cell == cell and r.id.endswith("by_hand")]
        assert by_hand, f"{assignment}:{cell}: the requirement map needs a '<name>_by_hand' requirement with a mutant"
