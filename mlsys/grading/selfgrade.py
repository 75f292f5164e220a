"""Self-grading for learners without an instructor, and the solutions on purpose.

``python -m mlsys.grading.selfgrade path/to/notebook.ipynb`` (``make self-grade NB=...``)
grades a learner's notebook exactly as an instructor's ``make grade`` would, hidden
tests included, in a private temporary course: it copies ``nbgrader_config.py``
and ``source/<assignment>/`` there, runs ``nbgrader generate_assignment``, puts
the notebook into ``submitted/self/<assignment>/``, grades it with
:func:`mlsys.grading.autograde.grade` (pre-clean, ``nbgrader autograde``, the
grading sandbox) and writes nbgrader's feedback page. The assignment is found
from the notebook's graded cells (their nbgrader ``grade_id``), so the file may
be called anything and live anywhere.

It prints one row per test cell (points and, for a failed test, what went wrong)
and the total, and copies the feedback page to ``artifacts/self-grade/``. What a
learner sees is what a student's feedback shows: the messages of visible tests,
and for a hidden test only that it did not pass and its message. Hidden test
code and the tracebacks of hidden asserts are removed by
:func:`mlsys.grading.feedback.hide_hidden_tests`, the preprocessor nbgrader's
feedback uses.

``python -m mlsys.grading.selfgrade --solution <assignment>`` (``make solutions
ID=...``) renders the instructor notebook, reference solutions and hidden tests
included, to ``artifacts/solutions/<assignment>.html``.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode

from mlsys import COURSE_ROOT
from mlsys.grading import autograde, feedback, notebooks

#: The student id of the learner in the private course.
STUDENT = "self"
EXERCISE = re.compile(r"^##\s+Exercise\s+([0-9.]+):\s*(.+?)\s*\((\d+)\s+points?\)", re.M)


class SelfGradeError(Exception):
    """A problem the learner can fix, said in words (printed without a traceback)."""


@dataclass
class Row:
    """One test cell of the learner's result."""

    exercise: str  # "2.1 Numbers stored as text", or "" outside an exercise
    cell: str
    score: float
    max_score: float
    messages: list[str] = field(default_factory=list)


@dataclass
class Result:
    """The learner's result for one notebook."""

    notebook: Path
    assignment: str
    status: str
    rows: list[Row]
    score: float | None
    max_score: float | None
    manual_max: float
    feedback: Path | None
    seconds: float
    notes: list[str] = field(default_factory=list)


# --- finding the notebook and its assignment ------------------------------------


def load_notebook(path: Path) -> NotebookNode:
    """The learner's notebook, or a :class:`SelfGradeError` that says what is wrong with ``path``."""
    if not path.exists():
        raise SelfGradeError(f"There is no file at {path}. Check the path (NB=path/to/your_notebook.ipynb).")
    if path.is_dir():
        raise SelfGradeError(f"{path} is a folder; give the path of your notebook file (.ipynb) inside it.")
    try:
        nb = notebooks.read(path)
    except Exception as error:  # nbformat raises several types for JSON, schema and version problems
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SelfGradeError(
            f"{path} is not a Jupyter notebook (it could not be read as one: {detail[:200]}). "
            "Give the .ipynb file you worked in."
        ) from error
    if not isinstance(nb.get("cells"), list):
        raise SelfGradeError(f"{path} is not a Jupyter notebook (it has no cells).")
    return nb


def _graded_ids(nb: NotebookNode) -> set[str]:
    return {gid for gid in (notebooks.grade_id(c) for c in nb.cells) if gid}


def identify(nb: NotebookNode, course_root: Path = COURSE_ROOT) -> str:
    """The assignment whose graded cells the notebook holds (by nbgrader ``grade_id``)."""
    sources = {
        a: _graded_ids(notebooks.read(course_root / "source" / a / f"{a}.ipynb"))
        for a in notebooks.assignment_ids(course_root)
    }
    shared = {gid for a, ids in sources.items() for gid in ids if any(gid in o for b, o in sources.items() if b != a)}
    mine = _graded_ids(nb) - shared  # "setup" and "interview_answer" are in every assignment
    overlap = {a: len(mine & (ids - shared)) for a, ids in sources.items()}
    best = max(overlap.values(), default=0)
    if best == 0:
        raise SelfGradeError(
            "This is not one of this course's notebooks: none of its cells carries the nbgrader id of a graded "
            f"cell of {', '.join(sources) or 'any assignment'}. Self-grade the notebook you got from release/ "
            "(or from your instructor), with its graded cells kept."
        )
    winners = [a for a, n in overlap.items() if n == best]
    if len(winners) > 1:
        raise SelfGradeError(
            f"This notebook holds graded cells of several assignments ({', '.join(winners)}); "
            "self-grade one assignment's notebook at a time."
        )
    return winners[0]


def exercises(source_nb: NotebookNode) -> dict[str, str]:
    """Test cell grade_id -> the heading of the exercise it belongs to ("2.1 Numbers stored as text")."""
    current, found = "", {}
    for cell in source_nb.cells:
        if cell.cell_type == "markdown":
            matches = EXERCISE.findall(cell.source)
            if matches:
                number, title, _ = matches[-1]
                current = f"{number} {title}"
        elif notebooks.is_test(cell):
            found[notebooks.grade_id(cell)] = current
    return found


# --- what went wrong in a test cell, without hidden tests ------------------------


def cell_messages(cell: NotebookNode) -> list[str]:
    """Plain-words reasons a graded test cell lost points, as its feedback shows them.

    The cell first goes through :func:`mlsys.grading.feedback.hide_hidden_tests`
    (hidden code removed; an error raised in the hidden part becomes a note with
    the exception's type and message only). Tracebacks are never printed.
    """
    cell = feedback.hide_hidden_tests(copy.deepcopy(cell))
    messages = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "error":
            name, value = output.get("ename", "Error"), str(output.get("evalue", "")).strip()
            if name == "NotImplementedError" and not value:
                value = "the function is not written yet (replace `raise NotImplementedError()` with your code)"
            messages.append(f"{name}: {value}" if value else name)
        elif kind == "stream" and output.get("text", "").startswith("A hidden test did not pass"):
            messages.append(output["text"].splitlines()[0])
        elif kind == "stream" and output.get("name") == "stderr":
            first = next((line for line in output.get("text", "").splitlines() if line.strip()), "")
            messages.append(f"the cell wrote to stderr, which nbgrader scores 0: {first[:160]}")
    return messages


# --- grading ---------------------------------------------------------------------------


def make_course(course_root: Path, assignment: str, where: Path) -> Path:
    """A private course in ``where`` with one assignment generated by nbgrader."""
    shutil.copy2(course_root / "nbgrader_config.py", where / "nbgrader_config.py")
    shutil.copytree(course_root / "source" / assignment, where / "source" / assignment)
    log = where / "logs" / f"generate_{assignment}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    if autograde.run_nbgrader(where, "generate_assignment", assignment, "--force", log=log) != 0:
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed:\n{log.read_text()[-2000:]}")
    return where


def self_grade(path: Path, course_root: Path = COURSE_ROOT, out_dir: Path | None = None, keep: bool = False) -> Result:
    """Grade one learner notebook against the hidden tests; see the module's docstring."""
    start = time.perf_counter()
    path = Path(path).expanduser().resolve()
    nb = load_notebook(path)
    assignment = identify(nb, course_root)
    source_nb = notebooks.read(course_root / "source" / assignment / f"{assignment}.ipynb")
    out_dir = Path(out_dir) if out_dir else course_root / "artifacts" / "self-grade" / assignment
    # The private course has its own sqlite gradebook, never a shared one.
    saved_db_url = os.environ.pop("MLSYS_DB_URL", None)
    root = Path(tempfile.mkdtemp(prefix="mlsys-selfgrade-"))
    try:
        make_course(course_root, assignment, root)
        notebooks.write(nb, root / "submitted" / STUDENT / assignment / f"{assignment}.ipynb")
        (outcome,) = autograde.grade(root, [assignment], [STUDENT], workers=1, progress=None)
        graded = root / "autograded" / STUDENT / assignment / f"{assignment}.ipynb"
        by_id = {notebooks.grade_id(c): c for c in notebooks.read(graded).cells} if graded.exists() else {}
        cells = outcome.scores[0].cells if outcome.scores else {}
        titles = exercises(source_nb)
        rows = []
        for gid in notebooks.test_ids(source_nb):
            score, maximum = cells.get(gid, (0.0, float(notebooks.meta(_cell(source_nb, gid)).get("points", 0))))
            messages = cell_messages(by_id[gid]) if gid in by_id and score < maximum else []
            if score < maximum and not messages:
                messages = ["lost points; see the feedback page" if cells else "not graded; see the notes below"]
            rows.append(Row(titles.get(gid, ""), gid, score, maximum, messages))
        page = None
        if outcome.score is not None:
            log = root / "logs" / "feedback.log"
            code = autograde.run_nbgrader(
                root, "generate_feedback", assignment, "--student", STUDENT, "--force", log=log
            )
            made = root / "feedback" / STUDENT / assignment / f"{assignment}.html"
            if code == 0 and made.exists() and notebooks.HIDDEN_BEGIN in made.read_text(errors="replace"):
                # a safety net: never hand out a page that shows hidden tests
                outcome.notes.append(
                    "no feedback page: nbgrader's page would show the hidden tests (the course's nbgrader_config.py "
                    "must list mlsys.grading.feedback.HideHiddenTests in GenerateFeedback.preprocessors)"
                )
            elif code == 0 and made.exists():
                out_dir.mkdir(parents=True, exist_ok=True)
                page = out_dir / f"{path.stem}.html"
                shutil.copy2(made, page)
            else:
                outcome.notes.append(f"the feedback page could not be written (nbgrader exit {code})")
        if outcome.status != "graded":
            keep = True  # the notes name logs inside it
        manual = sum(float(notebooks.meta(c).get("points", 0)) for c in source_nb.cells if notebooks.is_manual(c))
        return Result(
            notebook=path,
            assignment=assignment,
            status=outcome.status,
            rows=rows,
            score=outcome.score,
            max_score=outcome.max_score,
            manual_max=manual,
            feedback=page,
            seconds=time.perf_counter() - start,
            notes=list(outcome.notes) + ([f"the private course is kept in {root}"] if keep else []),
        )
    finally:
        if saved_db_url is not None:
            os.environ["MLSYS_DB_URL"] = saved_db_url
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def _cell(nb: NotebookNode, gid: str) -> NotebookNode:
    return next(c for c in nb.cells if notebooks.grade_id(c) == gid)


def format_result(result: Result) -> str:
    """The learner's score table, in plain text."""
    lines = [
        f"Self-grading {result.notebook}",
        f"assignment {result.assignment}: graded by nbgrader with the hidden tests, in a private temporary course "
        f"({result.seconds:.0f} s)",
        "",
    ]
    width = max([len("exercise")] + [len(r.exercise) for r in result.rows]) + 2
    cell_width = max([len("test cell")] + [len(r.cell) for r in result.rows]) + 2
    header = "exercise".ljust(width) + "test cell".ljust(cell_width) + "points"
    lines += [header, "-" * (len(header) + 4)]
    for row in result.rows:
        mark = "" if row.score >= row.max_score else "   <- lost points"
        lines.append(row.exercise.ljust(width) + row.cell.ljust(cell_width) + f"{row.score:g}/{row.max_score:g}{mark}")
        lines += [" " * 4 + message for message in row.messages]
    lines.append("-" * (len(header) + 4))
    if result.score is not None:
        lines.append("total".ljust(width + cell_width) + f"{result.score:g}/{result.max_score:g} autograded points")
    else:
        lines.append(f"total: no score ({result.status})")
    if result.manual_max:
        lines.append(
            f"(+{result.manual_max:g} points for the interview question, graded by hand: compare your answer with "
            f"the model answer, `make solutions ID={result.assignment}`)"
        )
    if result.notes:
        lines += ["", "Notes:"] + [f"  - {note}" for note in result.notes]
    if result.feedback:
        lines += ["", f"Feedback page (open it in a browser): {result.feedback}"]
    return "\n".join(lines)


# --- the solutions, on purpose ------------------------------------------------------------


def resolve_assignment(name: str, course_root: Path = COURSE_ROOT) -> str:
    """An assignment id from its full id or a unique prefix (``02`` -> ``02_data_quality``)."""
    known = notebooks.assignment_ids(course_root)
    if name in known:
        return name
    matches = [a for a in known if a.startswith(name)] if name else []
    if len(matches) == 1:
        return matches[0]
    raise SelfGradeError(f"No assignment {name!r}. The assignments are: {', '.join(known)}.")


def render_solution(assignment: str, course_root: Path = COURSE_ROOT, out_dir: Path | None = None) -> Path:
    """The instructor notebook as an HTML page (not executed), with a warning on top."""
    from nbconvert import HTMLExporter
    from nbformat.v4 import new_markdown_cell

    assignment = resolve_assignment(assignment, course_root)
    nb = notebooks.read(course_root / "source" / assignment / f"{assignment}.ipynb")
    nb.cells.insert(
        0,
        new_markdown_cell(
            f"> **Solutions of {assignment}.** This is the instructor notebook: it shows the reference solution "
            "of every exercise, the hidden tests and the model answer of the interview question. "
            "Try the exercises yourself first."
        ),
    )
    body, _ = HTMLExporter().from_notebook_node(nb)
    out_dir = Path(out_dir) if out_dir else course_root / "artifacts" / "solutions"
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / f"{assignment}.html"
    page.write_text(body, encoding="utf-8")
    return page


# --- command line ---------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mlsys.grading.selfgrade",
        description="Grade your notebook against the hidden tests, or render an assignment's solutions.",
    )
    parser.add_argument("notebook", nargs="?", type=Path, help="your notebook (.ipynb), any name, anywhere")
    parser.add_argument("--solution", metavar="ASSIGNMENT", help="render this assignment's solutions to HTML instead")
    parser.add_argument("--out", type=Path, default=None, help="folder for the HTML page (default: under artifacts/)")
    parser.add_argument("--keep", action="store_true", help="keep the private grading course (to look inside)")
    parser.add_argument("--course-root", type=Path, default=COURSE_ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = args.course_root.resolve()
    try:
        if args.solution is not None:
            page = render_solution(args.solution, root, args.out)
            print(f"Solutions written to {page}")
            print(
                "Warning: this page contains the reference solutions and the hidden tests. "
                "Open it only after you have tried the exercises yourself."
            )
            return 0
        if args.notebook is None:
            parser.error("give your notebook's path (or --solution ASSIGNMENT)")
        result = self_grade(args.notebook, root, args.out, keep=args.keep)
    except SelfGradeError as error:
        print(f"Cannot self-grade: {error}", file=sys.stderr)
        return 2
    print(format_result(result))
    return 0 if result.status == "graded" else 1


if __name__ == "__main__":
    sys.exit(main())
