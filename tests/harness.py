"""Test harness: a temporary course graded once per test session through real nbgrader.

The course holds every assignment in ``source/`` and these students:

- ``reference``: the reference solutions (must get every autograded point);
- ``untouched``: the release as generated (must get 0 on every test cell);
- ``mutants-<assignment>-<k>``: named wrong answers from ``tests/mutants/<assignment>.yml``,
  several per submission when they change different cells and lose different tests;
- correct alternative solutions from the same file (each must keep every point of its test
  cell) ride along in those submissions, on cells that no wrong answer of the submission changes
  and whose test no wrong answer of it loses; the few that find no place are graded as
  ``alternatives-<assignment>-<k>`` (14 such submissions instead of 21 for the whole course);
- ``bad-*``: the bad-submission suite of ``tests/bad_submissions.py`` (on its fast assignment).

Everything is graded by :func:`mlsys.grading.autograde.grade`, the same code as
``make demo`` and ``make grade``: one ``nbgrader autograde`` process per submission,
in parallel.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import bad_submissions
import yaml

from mlsys.grading import autograde, notebooks
from mlsys.grading.__main__ import feedback_and_export

REPO = Path(__file__).resolve().parents[1]
MUTANTS_DIR = Path(__file__).resolve().parent / "mutants"
#: Assignments under test: all of source/, or those named in COURSE_ASSIGNMENTS (while authoring one).
ASSIGNMENTS = [
    a
    for a in notebooks.assignment_ids(REPO)
    if not os.environ.get("COURSE_ASSIGNMENTS") or a in os.environ["COURSE_ASSIGNMENTS"].replace(",", " ").split()
]
#: COURSE_BAD_INPUT=0 leaves the bad-input students out (only while authoring; CI grades them).
BAD_INPUT = os.environ.get("COURSE_BAD_INPUT", "1") != "0"


def hidden_lines(source_nb, release_nb) -> set[str]:
    """Lines of the hidden tests that appear nowhere a student may legitimately see them.

    Feedback and self-grade output must contain none of these (short lines and
    comments, and lines also found in the release or the reference solutions, are
    left out: a student's own code may contain them).
    """
    shown = {
        line.strip()
        for nb in (release_nb, source_nb)
        for cell in nb.cells
        if not notebooks.is_test(cell)
        for line in cell.source.split("\n")
    }
    shown |= {line.strip() for cell in release_nb.cells for line in cell.source.split("\n")}
    lines = set()
    for cell in source_nb.cells:
        if notebooks.is_test(cell):
            for line in notebooks.split_hidden(cell.source)[1].split("\n"):
                line = line.strip()
                if len(line) >= 12 and not line.startswith("#") and not any(line in known for known in shown):
                    lines.add(line)
    return lines


@dataclass
class Mutant:
    """A named wrong answer: one solution cell changed, some test cells must lose points."""

    assignment: str
    name: str
    why: str
    cell: str
    loses: list[str]
    replace: list[tuple[str, str]] = field(default_factory=list)
    code: str | None = None
    requirement: str | None = None  # the requirement of the task text it violates, alone

    @property
    def id(self) -> str:
        return f"{self.assignment}:{self.name}"

    def apply(self, reference: str) -> str:
        """The mutated cell source; fails loudly if a replacement no longer matches the reference."""
        if self.code is not None:
            return self.code
        source = reference
        for old, new in self.replace:
            if old not in source:
                raise ValueError(f"mutant {self.id}: {old!r} not found in the reference of cell {self.cell!r}")
            source = source.replace(old, new)
        if source == reference:
            raise ValueError(f"mutant {self.id} does not change cell {self.cell!r}")
        return source


@dataclass
class Requirement:
    """One thing the task text of an exercise states or clearly implies."""

    assignment: str
    cell: str
    id: str
    text: str

    @property
    def key(self) -> str:
        return f"{self.assignment}:{self.id}"


@dataclass
class ExerciseContract:
    """What ``tests/mutants/<assignment>.yml`` says about an assignment.

    The file is either the requirement map (a mapping with ``requirements``, ``mutants`` and
    ``alternatives``) or, for an assignment not yet mapped, a plain list of mutants.
    """

    assignment: str
    mapped: bool
    requirements: list[Requirement]
    mutants: list[Mutant]
    alternatives: list[Mutant]  # correct answers: ``loses`` is empty


def _mutant(assignment: str, e: dict, correct: bool = False) -> Mutant:
    return Mutant(
        assignment=assignment,
        name=e["name"],
        why=e["why"],
        cell=e["cell"],
        loses=[] if correct else list(e["loses"]),
        replace=[tuple(pair) for pair in e.get("replace", [])],
        code=e.get("code"),
        requirement=e.get("requirement"),
    )


def load_contract(assignment: str) -> ExerciseContract:
    """The requirement map, mutants and alternatives of one assignment (empty if it has no file)."""
    path = MUTANTS_DIR / f"{assignment}.yml"
    entries = (yaml.safe_load(path.read_text()) if path.exists() else None) or []
    if isinstance(entries, list):
        return ExerciseContract(assignment, False, [], [_mutant(assignment, e) for e in entries], [])
    requirements = [
        Requirement(assignment, cell, r["id"], r["text"])
        for cell, items in (entries.get("requirements") or {}).items()
        for r in items
    ]
    return ExerciseContract(
        assignment,
        True,
        requirements,
        [_mutant(assignment, e) for e in entries.get("mutants") or []],
        [_mutant(assignment, e, correct=True) for e in entries.get("alternatives") or []],
    )


def load_mutants(assignment: str) -> list[Mutant]:
    """The named wrong answers of one assignment (empty list if it has no file)."""
    return load_contract(assignment).mutants


def load_alternatives(assignment: str) -> list[Mutant]:
    """The correct alternative solutions of one assignment."""
    return load_contract(assignment).alternatives


def group_mutants(mutants: list[Mutant]) -> list[list[Mutant]]:
    """Pack mutants into submissions: within one, cells differ and lost tests are disjoint."""
    groups: list[list[Mutant]] = []
    for mutant in mutants:
        for group in groups:
            cells = {m.cell for m in group}
            lost = {t for m in group for t in m.loses}
            if mutant.cell not in cells and not lost & set(mutant.loses):
                group.append(mutant)
                break
        else:
            groups.append([mutant])
    return groups


def pack_alternatives(
    wrong: list[list[Mutant]], alternatives: list[Mutant], test_of: dict[str, str]
) -> tuple[list[list[Mutant]], list[Mutant]]:
    """Place each correct alternative in a submission of wrong answers that leaves its cell and its test alone.

    Returns the alternatives riding along with each group of ``wrong`` (same order) and those that fit nowhere.
    """
    riders: list[list[Mutant]] = [[] for _ in wrong]
    leftover = []
    for alternative in alternatives:
        for group, ride in zip(wrong, riders, strict=True):
            cells = {m.cell for m in group + ride}
            lost = {t for m in group for t in m.loses}
            if alternative.cell not in cells and test_of[alternative.cell] not in lost:
                ride.append(alternative)
                break
        else:
            leftover.append(alternative)
    return riders, leftover


@dataclass
class GradedCourse:
    """Results of grading the temporary course."""

    root: Path
    outcomes: dict[tuple[str, str], autograde.Outcome]
    cells: dict[tuple[str, str], dict[str, tuple[float, float]]]  # (student, assignment) -> test cell -> (score, max)
    mutant_groups: dict[str, list[tuple[str, list[Mutant]]]]  # assignment -> [(student, mutants)]
    alternative_groups: dict[str, list[tuple[str, list[Mutant]]]] = field(default_factory=dict)


def build_course(
    root: Path,
    assignments: list[str] | None = None,
    workers: int | None = None,
    extra: dict[str, dict[str, list[Mutant]]] | None = None,
    course_students: bool = True,
    repo: Path = REPO,
    feedback: bool = True,
) -> GradedCourse:
    """Create, fill and grade the temporary course in ``root``.

    ``extra`` adds answer sets graded beside the course's own (``{assignment: {label: answers}}``,
    used by ``tools/blind_adversary.py``): each label's answers are packed into submissions like
    the mutants and recorded in ``mutant_groups`` under ``<label>-<assignment>-<k>``.
    ``course_students=False`` leaves out the course's own mutants, alternatives and bad input.
    ``repo`` is the course whose ``source/`` is graded (another checkout, to measure tests of the past).
    ``feedback=False`` skips writing feedback pages and the export (minutes for a large course).
    """
    assignments = assignments or ASSIGNMENTS
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(repo / "nbgrader_config.py", root / "nbgrader_config.py")
    for assignment in assignments:
        shutil.copytree(repo / "source" / assignment, root / "source" / assignment)
        code = autograde.run_nbgrader(
            root, "generate_assignment", assignment, "--force", log=root / f"generate_{assignment}.log"
        )
        assert code == 0, (root / f"generate_{assignment}.log").read_text()[-3000:]

    groups: dict[str, list[tuple[str, list[Mutant]]]] = {}
    alternative_groups: dict[str, list[tuple[str, list[Mutant]]]] = {}
    for assignment in assignments:
        source_nb = notebooks.read(root / "source" / assignment / f"{assignment}.ipynb")
        release_nb = notebooks.read(root / "release" / assignment / f"{assignment}.ipynb")
        reference = notebooks.reference_code(source_nb)

        def submit(student: str, nb, filename: str | None = None, assignment: str = assignment) -> None:
            path = root / "submitted" / student / assignment / (filename or f"{assignment}.ipynb")
            notebooks.write(nb, path)

        submit("reference", notebooks.with_solutions(release_nb, reference))
        submit("untouched", release_nb)
        groups[assignment], alternative_groups[assignment] = [], []
        packs: list[tuple[str, list[Mutant], list[Mutant]]] = []  # (student, wrong answers, alternatives)
        if course_students:
            wrong = group_mutants(load_mutants(assignment))
            riders, leftover = pack_alternatives(wrong, load_alternatives(assignment), test_cell_of(source_nb))
            packs += [(f"mutants-{assignment}-{k}", g, r) for k, (g, r) in enumerate(zip(wrong, riders, strict=True))]
            packs += [(f"alternatives-{assignment}-{k}", [], g) for k, g in enumerate(group_mutants(leftover))]
        for label, answers in ((extra or {}).get(assignment) or {}).items():
            packs += [(f"{label}-{assignment}-{k}", g, []) for k, g in enumerate(group_mutants(answers))]
        for student, group, alternatives in packs:
            code = dict(reference)
            for mutant in group + alternatives:
                code[mutant.cell] = mutant.apply(reference[mutant.cell])
            submit(student, notebooks.with_solutions(release_nb, code))
            if group:
                groups[assignment].append((student, group))
            if alternatives:
                alternative_groups[assignment].append((student, alternatives))
        if course_students and BAD_INPUT and assignment == bad_submissions.ASSIGNMENT:
            bad_submissions.build(root, source_nb, release_nb)

    outcomes = autograde.grade(root, workers=workers, progress=lambda line: print(line, flush=True))
    if feedback:
        feedback_and_export(root, outcomes)
    cells = {(o.student, o.assignment): s.cells for o in outcomes for s in o.scores}
    return GradedCourse(root, {(o.student, o.assignment): o for o in outcomes}, cells, groups, alternative_groups)


def test_cell_of(source_nb) -> dict[str, str]:
    """``{solution grade_id: grade_id of the test cell that follows it}``."""
    found, current = {}, None
    for cell in source_nb.cells:
        if notebooks.is_solution(cell) and cell.cell_type == "code":
            current = notebooks.grade_id(cell)
        elif notebooks.is_test(cell) and current:
            found[current], current = notebooks.grade_id(cell), None
    return found
