"""The bad-submission suite: what a careless or cheating student can hand in, and what must happen.

Each :class:`BadCase` builds one student's submission folder for one assignment
and states the exact outcome: the recorded status, a phrase the recorded notes
must contain, and which test cells lose their points (every other test cell must
keep them). ``tests/test_bad_input.py`` grades them all in the shared temporary
course (``tests/harness.py``) beside the reference and mutant students, so a bad
case that disturbed grading of others would show there too.

Most cases start from the reference solutions and add one trick, so that the
points a trick costs (or would have won) are exactly visible.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode

from mlsys.grading import demo, notebooks

#: The assignment the suite runs on: a fast one (about 8 s a notebook).
ASSIGNMENT = "02_data_quality"

Build = Callable[[NotebookNode, NotebookNode, Path], None]


@dataclass
class BadCase:
    """One bad submission and the outcome it must get."""

    student: str
    what: str
    build: Build
    status: str = "graded"
    note: str | None = None  # a phrase the recorded notes must contain
    lost: list[str] = field(default_factory=list)  # test cells that must score 0; "<id>+" means it and all after
    cheat: bool = False  # the trick would raise the score if it worked

    def lost_tests(self, test_ids: list[str]) -> set[str]:
        lost = set()
        for name in self.lost:
            if name.endswith("+"):
                lost |= set(test_ids[test_ids.index(name[:-1]) :])
            else:
                lost.add(name)
        return lost


def _write(nb: NotebookNode, folder: Path, name: str | None = None) -> None:
    notebooks.write(nb, folder / (name or f"{ASSIGNMENT}.ipynb"))


def _reference_with(cell: str, change: Callable[[str], str]) -> Build:
    """Reference answers, with one solution cell's code changed."""

    def build(source_nb: NotebookNode, release_nb: NotebookNode, folder: Path) -> None:
        code = notebooks.reference_code(source_nb)
        code[cell] = change(code[cell])
        _write(notebooks.with_solutions(release_nb, code), folder)

    return build


def _prefix(text: str) -> Callable[[str], str]:
    return lambda code: text + "\n" + code


def _from_demo(demo_id: str, name: str | None = None) -> Build:
    def build(source_nb: NotebookNode, release_nb: NotebookNode, folder: Path) -> None:
        _write(demo.STUDENTS[demo_id][0](source_nb, release_nb), folder, name)

    return build


def _edited_test(unlock: bool) -> Build:
    """The untouched stub for the first exercise, and its test cell emptied (and maybe unlocked)."""

    def build(source_nb: NotebookNode, release_nb: NotebookNode, folder: Path) -> None:
        code = notebooks.reference_code(source_nb)
        del code["clean_numeric"]
        nb = notebooks.with_solutions(release_nb, code)
        for cell in nb.cells:
            if notebooks.grade_id(cell) == "test_clean_numeric":
                cell.source = "# my function is right, trust me\nassert True"
                if unlock:
                    cell.metadata["nbgrader"]["locked"] = False
                    cell.metadata.pop("editable", None)
                    cell.metadata.pop("deletable", None)
        _write(nb, folder)

    return build


def _stripped_metadata(source_nb: NotebookNode, release_nb: NotebookNode, folder: Path) -> None:
    nb = notebooks.with_solutions(release_nb, notebooks.reference_code(source_nb))
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
    _write(nb, folder)


def _extra_notebook(source_nb: NotebookNode, release_nb: NotebookNode, folder: Path) -> None:
    _write(notebooks.with_solutions(release_nb, notebooks.reference_code(source_nb)), folder)
    _write(copy.deepcopy(release_nb), folder, "scratch.ipynb")


def _missing_notebook(source_nb: NotebookNode, release_nb: NotebookNode, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.txt").write_text("I ran out of time, sorry.\n")


def _corrupt_notebook(source_nb: NotebookNode, release_nb: NotebookNode, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{ASSIGNMENT}.ipynb").write_text('{"cells": [{"cell_type": "code", "source": "x = 1"')


IGNORE_INTERRUPTS = """import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C (and the grader's interrupt) no longer stops this loop
while True:
    pass
"""

KERNEL_EXIT = """import os
os._exit(0)  # the kernel process ends here
"""

MEMORY_HOG = """def _grab_memory():
    blocks = []
    while True:
        blocks.append(np.ones(10**8))  # 800 MB more each time, until something stops it

_grab_memory()
"""

NETWORK = """import urllib.request
urllib.request.urlopen("https://pypi.org/simple/", timeout=10).read()  # fetch something from the internet
"""

READ_SOURCE = """import json, pathlib
# copy the instructor's solution out of source/ (three folders up from autograded/<student>/<assignment>/)
_source = pathlib.Path("../../../source/02_data_quality/02_data_quality.ipynb")
for _cell in json.loads(_source.read_text())["cells"]:
    if _cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "clean_numeric":
        exec("".join(_cell["source"]))
"""

READ_GRADEBOOK = """import sqlite3
# look at the gradebook: the instructor's copy of every graded cell
_db = sqlite3.connect("file:../../../gradebook.db?mode=ro", uri=True)
_cells = _db.execute("select name, source from source_cell").fetchall()
exec(dict(_cells)["clean_numeric"])
"""

WRITE_OUTSIDE = """import pathlib
pathlib.Path("/tmp/mlsys-sandbox-escape.txt").write_text("written by a student")  # lands in a private /tmp
pathlib.Path("../../reference/02_data_quality/planted.txt").write_text("x")  # another student's folder
"""

WRITE_OUTSIDE_MARKERS = ("/tmp/mlsys-sandbox-escape.txt", "submitted/reference/02_data_quality/planted.txt")

REBIND_CHECKS = """from mlsys import checks
import numpy.testing

# make the tests' helpers accept anything ...
checks.check_close = lambda *args, **kwargs: None
checks.check_type = lambda *args, **kwargs: None
numpy.testing.assert_allclose = lambda *args, **kwargs: None
np.isnan = lambda *args, **kwargs: True
# ... and turn every later cell, the tests included, into `pass`
get_ipython().input_transformers_cleanup.append(lambda lines: ["pass\\n"])
"""


def _rebinds_checks(source_nb: NotebookNode, release_nb: NotebookNode, folder: Path) -> None:
    """No exercise done; the first solution cell rebinds the checks and blanks every later cell."""
    _write(notebooks.with_solutions(release_nb, {"clean_numeric": REBIND_CHECKS}), folder)


STDERR_WARNINGS = """
import sys
import warnings

_clean_numeric = clean_numeric

def clean_numeric(values):
    warnings.simplefilter("always")
    warnings.warn("clean_numeric: parsing numbers stored as text", UserWarning)
    print(f"debug: cleaning {len(values)} values", file=sys.stderr)
    return _clean_numeric(values)
"""

#: clean_customers calls clean_numeric: when the first exercise is broken, both tests fail.
CLEAN_NUMERIC_BROKEN = ["test_clean_numeric", "test_clean_customers"]

CASES = [
    BadCase(
        "bad-infinite-loop",
        "a loop that never ends in the last exercise",
        _from_demo("demo-infinite-loop"),
        note="time limit",
        lost=["test_serve_records"],
    ),
    BadCase(
        "bad-ignores-interrupt",
        "a loop that ignores the interrupt (SIGINT ignored)",
        _reference_with("find_label_leaks", _prefix(IGNORE_INTERRUPTS)),
        note="ignored the interrupt",
        lost=["test_find_label_leaks+"],
    ),
    BadCase(
        "bad-kernel-exit",
        "os._exit(0) in an exercise",
        _reference_with("fit_preprocessor", _prefix(KERNEL_EXIT)),
        note="kernel died",
        lost=["test_fit_preprocessor+"],
    ),
    BadCase(
        "bad-memory-hog",
        "allocates memory until stopped",
        _reference_with("clean_customers", _prefix(MEMORY_HOG)),
        note="ran out of memory",
        lost=["test_clean_customers"],
    ),
    BadCase(
        "bad-network",
        "downloads from the internet",
        _reference_with("find_overlap", _prefix(NETWORK)),
        note="network",
        lost=["test_find_overlap"],
    ),
    BadCase(
        "bad-reads-source",
        "copies the solution out of source/",
        _reference_with("clean_numeric", lambda code: READ_SOURCE),
        note="outside its own folder",
        lost=CLEAN_NUMERIC_BROKEN,
        cheat=True,
    ),
    BadCase(
        "bad-reads-gradebook",
        "copies a cell out of the gradebook",
        _reference_with("clean_numeric", lambda code: READ_GRADEBOOK),
        note="outside its own folder",
        lost=CLEAN_NUMERIC_BROKEN,
        cheat=True,
    ),
    BadCase(
        "bad-writes-outside",
        "writes into /tmp and into another student's folder",
        _reference_with("find_overlap", _prefix(WRITE_OUTSIDE)),
        note="outside its own folder",
        lost=["test_find_overlap"],
    ),
    BadCase("bad-deleted-test", "deleted a test cell", _from_demo("demo-deleted-test"), note="restored"),
    BadCase(
        "bad-duplicated-cell", "pasted a graded cell twice", _from_demo("demo-duplicated-cell"), note="appeared twice"
    ),
    BadCase(
        "bad-edited-test",
        "emptied the test of an exercise left undone",
        _edited_test(unlock=False),
        note="had been changed",
        lost=CLEAN_NUMERIC_BROKEN,
        cheat=True,
    ),
    BadCase(
        "bad-unlocked-test",
        "unlocked and emptied a test cell",
        _edited_test(unlock=True),
        note="had been unlocked",
        lost=CLEAN_NUMERIC_BROKEN,
        cheat=True,
    ),
    BadCase(
        "bad-stripped-metadata", "saved without any nbgrader metadata", _stripped_metadata, note="restored by cell id"
    ),
    BadCase(
        "bad-renamed-notebook",
        "saved the notebook as a copy",
        _from_demo("demo-renamed-notebook", f"{ASSIGNMENT}-Copy1.ipynb"),
        note="Copy1",
    ),
    BadCase(
        "bad-extra-notebook", "handed in a scratch notebook too", _extra_notebook, note="extra notebook scratch.ipynb"
    ),
    BadCase(
        "bad-missing-notebook", "handed in no notebook", _missing_notebook, status="not graded", note="no notebook"
    ),
    BadCase(
        "bad-corrupt-notebook",
        "a notebook file cut off half way",
        _corrupt_notebook,
        status="not graded",
        note="could not be read",
    ),
    BadCase(
        "bad-rebinds-checks",
        "no work done; replaces the check helpers and blanks the test cells",
        _rebinds_checks,
        note="put back",
        lost=["test_clean_numeric+"],
        cheat=True,
    ),
    BadCase(
        "bad-stderr-warnings",
        "its function prints warnings on stderr",
        _reference_with("clean_numeric", lambda code: code + STDERR_WARNINGS),
        note="stderr",
    ),
]


def build(course_root: Path, source_nb: NotebookNode, release_nb: NotebookNode) -> None:
    """Write every case's submission folder under ``submitted/``."""
    for case in CASES:
        folder = Path(course_root) / "submitted" / case.student / ASSIGNMENT
        case.build(source_nb, release_nb, folder)
