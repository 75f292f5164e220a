"""Pre-clean a submission before nbgrader sees it, and say what was found.

nbgrader stops a whole ``autograde`` batch on a duplicated graded cell and finds
no notebook when a student renamed it. This module repairs both in place
(keeping the original under ``precleaned_originals/``) and returns plain-words
notes that end up in the student's recorded outcome.
"""

from __future__ import annotations

import copy
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode

from mlsys.grading import notebooks

#: Where the untouched originals of repaired submissions are kept (ignored by git).
ORIGINALS = "precleaned_originals"


@dataclass
class PrecleanResult:
    """What the pre-clean found in one submission."""

    gradable: bool = True
    notes: list[str] = field(default_factory=list)


def _candidates(folder: Path, expected: str) -> list[Path]:
    return sorted(p for p in folder.glob("*.ipynb") if p.name != expected)


def _overlap(path: Path, wanted: set[str]) -> int:
    try:
        nb = notebooks.read(path)
    except Exception:  # an unreadable candidate simply does not match
        return 0
    return len(wanted & {notebooks.grade_id(c) for c in notebooks.nbgrader_cells(nb)})


def _backup(path: Path, course_root: Path, student: str, assignment: str) -> None:
    target = course_root / ORIGINALS / student / assignment / path.name
    if not target.exists():  # keep the very first original across re-runs
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def preclean(course_root: Path, student: str, assignment: str, source_nb: NotebookNode) -> PrecleanResult:
    """Repair ``submitted/<student>/<assignment>/<assignment>.ipynb`` in place.

    - a notebook saved under another name (``Copy1``...) is found by its graded
      cells and renamed back; extra notebooks are reported and left alone;
    - a graded cell that appears twice keeps its first copy; later copies stay
      in the notebook as ordinary cells (their code still runs);
    - deleted graded cells and stripped metadata are reported (nbgrader restores
      deleted graded cells from the gradebook);
    - an unreadable notebook is reported and not graded.
    """
    course_root = Path(course_root)
    result = PrecleanResult()
    folder = course_root / "submitted" / student / assignment
    expected = f"{assignment}.ipynb"
    path = folder / expected
    wanted = {notebooks.grade_id(c) for c in notebooks.nbgrader_cells(source_nb)}

    if not folder.is_dir():
        return PrecleanResult(False, ["no submission for this assignment"])
    others = _candidates(folder, expected)
    if not path.exists():
        scored = sorted(((_overlap(p, wanted), p) for p in others), key=lambda t: (-t[0], t[1].name))
        if not scored or scored[0][0] == 0:
            names = ", ".join(p.name for p in others) or "none"
            return PrecleanResult(False, [f"no notebook {expected} found (notebooks in the folder: {names})"])
        found = scored[0][1]
        _backup(found, course_root, student, assignment)
        found.rename(path)
        others.remove(found)
        result.notes.append(f"notebook was saved as {found.name}; graded it as {expected}")
    for extra in others:
        result.notes.append(f"extra notebook {extra.name} was not graded")

    try:
        nb = notebooks.read(path)
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError, KeyError) as error:
        return PrecleanResult(
            False, result.notes + [f"the notebook could not be read ({type(error).__name__}): not graded"]
        )

    changed = _restore_metadata(nb, source_nb, result)
    seen: set[str] = set()
    for cell in nb.cells:
        gid = notebooks.grade_id(cell)
        if gid is None:
            continue
        if gid in seen:
            del cell.metadata["nbgrader"]
            changed = True
            result.notes.append(f"graded cell '{gid}' appeared twice; the first copy was graded")
        seen.add(gid)

    missing = [gid for gid in _ordered(source_nb) if gid not in seen]
    if missing:
        result.notes.append("deleted graded cell(s) restored: " + ", ".join(missing))
    result.notes += _changed_tests(nb, source_nb)

    if changed:
        _backup(path, course_root, student, assignment)
        notebooks.write(nb, path)
    return result


def _restore_metadata(nb: NotebookNode, source_nb: NotebookNode, result: PrecleanResult) -> bool:
    """Give back the nbgrader metadata of cells that lost it, matching cells by their id.

    A notebook saved by a tool that drops cell metadata (or edited by hand)
    would otherwise have no graded cells at all: nbgrader would append the
    missing tests at the end, away from the code they test.
    """
    by_id = {c.get("id"): c for c in notebooks.nbgrader_cells(source_nb) if c.get("id")}
    present = {notebooks.grade_id(c) for c in nb.cells}
    restored = []
    for cell in nb.cells:
        original = by_id.get(cell.get("id"))
        if original is None or notebooks.grade_id(cell) or notebooks.grade_id(original) in present:
            continue
        if cell.cell_type != original.cell_type:
            continue
        cell.setdefault("metadata", {})["nbgrader"] = copy.deepcopy(original.metadata["nbgrader"])
        restored.append(notebooks.grade_id(original))
        present.add(notebooks.grade_id(original))
    if restored:
        result.notes.append(
            f"nbgrader metadata was missing from {len(restored)} graded cell(s); restored by cell id from the source"
        )
    return bool(restored)


def _changed_tests(nb: NotebookNode, source_nb: NotebookNode) -> list[str]:
    """Notes on test cells the student changed or unlocked (nbgrader grades the original anyway)."""

    def lines(text: str) -> list[str]:
        return [line.rstrip() for line in text.splitlines() if line.strip()]

    tests = {notebooks.grade_id(c): c.source for c in source_nb.cells if notebooks.is_test(c)}
    notes = []
    for cell in nb.cells:
        gid = notebooks.grade_id(cell)
        if gid not in tests:
            continue
        as_given = (lines(notebooks.split_hidden(tests[gid])[0]), lines(tests[gid]))  # release or source version
        if not notebooks.meta(cell).get("locked", True):
            notes.append(f"test cell '{gid}' had been unlocked; the original test was graded")
        elif lines(cell.source) not in as_given:
            notes.append(f"test cell '{gid}' had been changed; the original test was graded")
    return notes


def _ordered(source_nb: NotebookNode) -> list[str]:
    return [notebooks.grade_id(c) for c in notebooks.nbgrader_cells(source_nb)]
