"""Notebooks and their nbgrader cells: reading, writing, building submissions."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path

import nbformat
from nbformat import NotebookNode

SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"


def read(path: str | Path) -> NotebookNode:
    """Read a notebook (format 4)."""
    return nbformat.read(str(path), as_version=4)


def write(nb: NotebookNode, path: str | Path) -> None:
    """Write a notebook, creating its folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def meta(cell: NotebookNode) -> dict:
    """The cell's nbgrader metadata, or ``{}``."""
    return dict(cell.get("metadata", {}).get("nbgrader", {}) or {})


def grade_id(cell: NotebookNode) -> str | None:
    """The cell's nbgrader ``grade_id``, or ``None`` for an ordinary cell."""
    return meta(cell).get("grade_id")


def is_solution(cell: NotebookNode) -> bool:
    """A cell the student writes in."""
    return bool(meta(cell).get("solution"))


def is_test(cell: NotebookNode) -> bool:
    """An autograded test cell: graded, not a solution, code."""
    m = meta(cell)
    return bool(m.get("grade")) and not m.get("solution") and cell.cell_type == "code"


def is_manual(cell: NotebookNode) -> bool:
    """A manually graded answer (graded solution cell), e.g. the interview question."""
    m = meta(cell)
    return bool(m.get("grade")) and bool(m.get("solution"))


def nbgrader_cells(nb: NotebookNode) -> list[NotebookNode]:
    """Every cell that carries a grade_id, in order."""
    return [cell for cell in nb.cells if grade_id(cell)]


def strip_markers(source: str) -> str:
    """Remove the ``### BEGIN/END SOLUTION`` lines, keeping the code between them."""
    lines = [line for line in source.split("\n") if line.strip() not in (SOLUTION_BEGIN, SOLUTION_END)]
    return "\n".join(lines)


def split_hidden(source: str) -> tuple[str, str]:
    """``(visible, hidden)`` parts of a test cell's source."""
    visible, hidden, inside = [], [], False
    for line in source.split("\n"):
        if HIDDEN_BEGIN in line:
            inside = True
        elif HIDDEN_END in line:
            inside = False
        elif inside:
            hidden.append(line)
        else:
            visible.append(line)
    return "\n".join(visible), "\n".join(hidden)


def reference_code(source_nb: NotebookNode) -> dict[str, str]:
    """The reference solution of every solution cell, keyed by grade_id."""
    return {grade_id(c): strip_markers(c.source) for c in source_nb.cells if is_solution(c)}


def with_solutions(release_nb: NotebookNode, code: Mapping[str, str]) -> NotebookNode:
    """A copy of a release notebook whose solution cells hold ``code`` (by grade_id).

    Cells not named in ``code`` keep the release's stub, as a student who left
    them untouched would.
    """
    nb = copy.deepcopy(release_nb)
    unknown = set(code) - {grade_id(c) for c in nb.cells if is_solution(c)}
    if unknown:
        raise KeyError(f"no solution cell with grade_id {sorted(unknown)} in the release notebook")
    for cell in nb.cells:
        gid = grade_id(cell)
        if is_solution(cell) and gid in code:
            cell.source = code[gid]
    return nb


def solution_ids(nb: NotebookNode, autograded_only: bool = True) -> list[str]:
    """grade_ids of the solution cells (by default only those checked by tests, not manual answers)."""
    return [grade_id(c) for c in nb.cells if is_solution(c) and not (autograded_only and is_manual(c))]


def test_ids(nb: NotebookNode) -> list[str]:
    """grade_ids of the autograded test cells, in order."""
    return [grade_id(c) for c in nb.cells if is_test(c)]


def assignment_ids(course_root: Path) -> list[str]:
    """Assignments that exist: folders ``source/<id>/`` holding ``<id>.ipynb``."""
    source = Path(course_root) / "source"
    return sorted(p.name for p in source.iterdir() if (p / f"{p.name}.ipynb").exists()) if source.exists() else []
