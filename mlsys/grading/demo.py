"""The demo class that ``make demo`` builds in ``submitted/`` and grades.

Three ordinary students show the range of scores; four more show that bad
input is handled (each gets a recorded outcome and nobody else is affected).
All demo student ids start with ``demo-`` so that a real class in the same
course folder is never touched.
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from nbformat import NotebookNode

from mlsys.grading import notebooks

PREFIX = "demo-"


def _reference(source_nb: NotebookNode, release_nb: NotebookNode) -> NotebookNode:
    return notebooks.with_solutions(release_nb, notebooks.reference_code(source_nb))


def _untouched(source_nb: NotebookNode, release_nb: NotebookNode) -> NotebookNode:
    return copy.deepcopy(release_nb)


def _partial(source_nb: NotebookNode, release_nb: NotebookNode) -> NotebookNode:
    """Reference answers to the first half of the autograded exercises, stubs for the rest."""
    code = notebooks.reference_code(source_nb)
    ids = notebooks.solution_ids(source_nb)
    return notebooks.with_solutions(release_nb, {gid: code[gid] for gid in ids[: (len(ids) + 1) // 2]})


def _infinite_loop(source_nb: NotebookNode, release_nb: NotebookNode) -> NotebookNode:
    """Reference answers, but the last exercise's cell starts with a loop that never ends."""
    code = notebooks.reference_code(source_nb)
    last = notebooks.solution_ids(source_nb)[-1]
    code[last] = "while True:  # the student's loop never ends\n    pass\n\n" + code[last]
    return notebooks.with_solutions(release_nb, code)


def _deleted_test(source_nb: NotebookNode, release_nb: NotebookNode) -> NotebookNode:
    """Reference answers with the first test cell deleted (nbgrader restores it)."""
    nb = _reference(source_nb, release_nb)
    first_test = notebooks.test_ids(nb)[0]
    nb.cells = [c for c in nb.cells if notebooks.grade_id(c) != first_test]
    return nb


def _duplicated_cell(source_nb: NotebookNode, release_nb: NotebookNode) -> NotebookNode:
    """Reference answers with a solution cell pasted twice (metadata and all)."""
    nb = _reference(source_nb, release_nb)
    target = notebooks.solution_ids(nb)[0]
    index = next(i for i, c in enumerate(nb.cells) if notebooks.grade_id(c) == target)
    twin = copy.deepcopy(nb.cells[index])
    twin["id"] = twin.get("id", "cell") + "-copy"
    nb.cells.insert(index + 1, twin)
    return nb


#: student id -> (builder, file name template, what it shows, only the first assignment?)
STUDENTS: dict[str, tuple[Callable[[NotebookNode, NotebookNode], NotebookNode], str, str, bool]] = {
    "demo-reference": (_reference, "{a}.ipynb", "submits the reference solutions", False),
    "demo-untouched": (_untouched, "{a}.ipynb", "submits the release untouched", False),
    "demo-partial": (_partial, "{a}.ipynb", "solves the first half of the exercises", False),
    "demo-infinite-loop": (_infinite_loop, "{a}.ipynb", "a cell that loops forever", True),
    "demo-deleted-test": (_deleted_test, "{a}.ipynb", "deleted a test cell", True),
    "demo-duplicated-cell": (_duplicated_cell, "{a}.ipynb", "pasted a graded cell twice", True),
    "demo-renamed-notebook": (_reference, "{a}-Copy1.ipynb", "saved the notebook under another name", True),
}


def build_demo_class(course_root: Path, assignments: Sequence[str]) -> list[tuple[str, str]]:
    """Write the demo submissions into ``submitted/`` (replacing earlier demo ones).

    Needs ``release/`` to be generated. Returns the ``(student, assignment)`` pairs written.
    """
    course_root = Path(course_root)
    pairs = []
    for student, (build, filename, _, first_only) in STUDENTS.items():
        shutil.rmtree(course_root / "submitted" / student, ignore_errors=True)
        for assignment in assignments[:1] if first_only else assignments:
            source_nb = notebooks.read(course_root / "source" / assignment / f"{assignment}.ipynb")
            release_nb = notebooks.read(course_root / "release" / assignment / f"{assignment}.ipynb")
            folder = course_root / "submitted" / student / assignment
            notebooks.write(build(source_nb, release_nb), folder / filename.format(a=assignment))
            (folder / "timestamp.txt").write_text("2026-11-22 12:00:00.000000 UTC\n")
            pairs.append((student, assignment))
    return pairs


def clean_demo_outputs(course_root: Path) -> None:
    """Remove what earlier demo runs left for demo students (autograded copies, feedback, originals)."""
    for folder in ("submitted", "autograded", "feedback", "precleaned_originals"):
        for path in (Path(course_root) / folder).glob(f"{PREFIX}*"):
            shutil.rmtree(path, ignore_errors=True)
