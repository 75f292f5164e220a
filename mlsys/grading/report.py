"""Scores out of the gradebook: per cell, per submission, tables and CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from traitlets.config.loader import PyFileConfigLoader


def db_url(course_root: Path) -> str:
    """The gradebook URL that ``nbgrader_config.py`` in ``course_root`` sets."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()
    url = config.CourseDirectory.get("db_url")
    return str(url) if url else f"sqlite:///{Path(course_root) / 'gradebook.db'}"


@dataclass
class SubmissionScore:
    """Autograded result of one student's notebook."""

    student: str
    assignment: str
    auto_score: float
    auto_max: float
    manual_max: float
    cells: dict[str, tuple[float, float]] = field(default_factory=dict)  # test grade_id -> (score, max)


def submission_scores(url: str, assignment: str, student: str) -> list[SubmissionScore]:
    """Scores of every notebook ``student`` submitted for ``assignment`` (empty if none)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(url) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return []
        results = []
        for notebook in submission.notebooks:
            cells: dict[str, tuple[float, float]] = {}
            manual_max = 0.0
            for grade in notebook.grades:
                if grade.auto_score is None and grade.cell_type == "markdown":
                    manual_max += grade.max_score
                    continue
                if grade.cell_type == "code" and grade.auto_score is not None:
                    cells[grade.name] = (float(grade.auto_score), float(grade.max_score))
            results.append(
                SubmissionScore(
                    student=student,
                    assignment=assignment,
                    auto_score=sum(s for s, _ in cells.values()),
                    auto_max=sum(m for _, m in cells.values()),
                    manual_max=manual_max,
                    cells=cells,
                )
            )
        return results


def score_table(scores: Iterable[SubmissionScore], students: Sequence[str], assignments: Sequence[str]) -> str:
    """A student x assignment table of autograded points, as plain text."""
    by_key = {(s.student, s.assignment): s for s in scores}
    width = max([len("student")] + [len(s) for s in students]) + 2
    cols = [max(8, len(a) + 2) for a in assignments]  # each column as wide as its name
    lines = ["student".ljust(width) + "".join(a.rjust(c) for a, c in zip(assignments, cols, strict=True))]
    lines.append("-" * len(lines[0]))
    for student in students:
        row = student.ljust(width)
        for assignment, c in zip(assignments, cols, strict=True):
            s = by_key.get((student, assignment))
            row += (f"{s.auto_score:g}/{s.auto_max:g}" if s else "-").rjust(c)
        lines.append(row)
    return "\n".join(lines)


def write_cell_csv(scores: Iterable[SubmissionScore], path: Path) -> None:
    """One row per (student, assignment, test cell): the per-exercise scores."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "assignment", "cell", "score", "max_score"])
        for s in scores:
            for cell, (score, maximum) in s.cells.items():
                writer.writerow([s.student, s.assignment, cell, f"{score:g}", f"{maximum:g}"])
