"""Self-grading (``make self-grade NB=...``) and the solutions page (``make solutions ID=...``).

The notebooks are graded for real, by nbgrader in a private temporary course,
through ``python -m mlsys.grading.selfgrade`` as a learner runs it: the
reference solutions get every autograded point, the untouched release gets 0,
and nothing printed or written shows a line of a hidden test.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import time

import harness
import nbformat
import pytest
from harness import REPO

from mlsys.grading import notebooks, selfgrade

ASSIGNMENT = "02_data_quality"
SOURCE = REPO / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
RELEASE = REPO / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def hidden_lines() -> set[str]:
    """Lines of the hidden tests that appear nowhere a learner may legitimately see them."""
    return harness.hidden_lines(notebooks.read(SOURCE), notebooks.read(RELEASE))


def page_text(path) -> str:
    raw = path.read_text()
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S)
    raw = re.sub(r"data:image/[^\"']+", " ", raw)
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The reference solutions and the untouched release, self-graded at once (two processes)."""
    tmp = tmp_path_factory.mktemp("learner")
    source, release = notebooks.read(SOURCE), notebooks.read(RELEASE)
    # saved anywhere, under any name: the assignment is found from the graded cells
    paths = {
        "reference": tmp / "my work" / "attempt (final).ipynb",
        "untouched": tmp / "Untitled1.ipynb",
    }
    notebooks.write(notebooks.with_solutions(release, notebooks.reference_code(source)), paths["reference"])
    notebooks.write(release, paths["untouched"])
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    start = time.perf_counter()
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "mlsys.grading.selfgrade", str(path), "--out", str(tmp / "feedback" / name)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, path in paths.items()
    }
    results = {}
    for name, proc in procs.items():
        out, _ = proc.communicate(timeout=600)
        results[name] = (proc.returncode, out, tmp / "feedback" / name / f"{paths[name].stem}.html")
    print(f"\n  self-graded two notebooks in {time.perf_counter() - start:.0f} s (in parallel)")
    return results


def _rows(out: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r"^.*?\b(test_\w+)\s+(\d+(?:\.\d+)?/\d+(?:\.\d+)?)", out, re.M)}


def test_reference_solution_gets_full_marks(graded):
    code, out, page = graded["reference"]
    assert code == 0, out
    assert f"assignment {ASSIGNMENT}" in out
    tests = notebooks.test_ids(notebooks.read(SOURCE))
    rows = _rows(out)
    assert sorted(rows) == sorted(tests), f"one row per test cell expected:\n{out}"
    for cell, points in rows.items():
        score, maximum = points.split("/")
        assert float(score) == float(maximum) > 0, f"{cell} scored {points}:\n{out}"
    assert re.search(r"^total\s+22/22 autograded points$", out, re.M), out
    assert "2.1 Numbers stored as text" in out, "rows should name their exercise"
    assert page.exists(), f"no feedback page at {page}:\n{out}"
    assert f"Feedback page (open it in a browser): {page}" in out


def test_untouched_release_gets_zero_and_says_why(graded):
    code, out, page = graded["untouched"]
    assert code == 0, out
    rows = _rows(out)
    assert len(rows) == 7 and all(float(p.split("/")[0]) == 0 for p in rows.values()), out
    assert re.search(r"^total\s+0/22 autograded points$", out, re.M), out
    assert out.count("NotImplementedError: the function is not written yet") == 7, out
    assert page.exists(), f"no feedback page at {page}:\n{out}"
    assert "Score: 0.0 / 3.0" in page_text(page), "the feedback page should show each test cell's score"


@pytest.mark.parametrize("name", ["reference", "untouched"])
def test_no_hidden_test_is_shown(graded, name):
    _, out, page = graded[name]
    assert page.exists(), f"no feedback page at {page}:\n{out}"
    for text, where in ((out, "the printed output"), (page_text(page), f"the feedback page {page}")):
        leaked = [line for line in hidden_lines() if line in text]
        assert not leaked, f"{where} shows hidden test lines: {leaked[:3]}"
        assert "BEGIN HIDDEN TESTS" not in text
    assert "Traceback" not in out and "Cell In[" not in out, "no traceback is printed"


def _fails(capsys, *argv) -> str:
    assert selfgrade.main([*map(str, argv)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "", "errors go to stderr"
    assert "Traceback" not in captured.err
    return captured.err


def test_errors_are_said_in_words(tmp_path, capsys):
    assert "There is no file at" in _fails(capsys, tmp_path / "missing.ipynb")
    assert "is a folder" in _fails(capsys, tmp_path)
    (tmp_path / "notes.ipynb").write_text("my notes, not a notebook")
    assert "is not a Jupyter notebook" in _fails(capsys, tmp_path / "notes.ipynb")
    (tmp_path / "data.ipynb").write_text('{"rows": [1, 2, 3]}')
    assert "is not a Jupyter notebook" in _fails(capsys, tmp_path / "data.ipynb")
    other = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('hello')")])
    notebooks.write(other, tmp_path / "other.ipynb")
    assert "not one of this course's notebooks" in _fails(capsys, tmp_path / "other.ipynb")
    # only the cells every assignment shares (the setup cell) do not tell which assignment it is
    release = notebooks.read(RELEASE)
    release.cells = [c for c in release.cells if notebooks.grade_id(c) == "setup"]
    notebooks.write(release, tmp_path / "setup_only.ipynb")
    assert "not one of this course's notebooks" in _fails(capsys, tmp_path / "setup_only.ipynb")
    assert "No assignment 'nope'" in _fails(capsys, "--solution", "nope")


def test_identify_finds_the_assignment_of_each_release():
    for assignment in notebooks.assignment_ids(REPO):
        nb = notebooks.read(REPO / "release" / assignment / f"{assignment}.ipynb")
        assert selfgrade.identify(nb, REPO) == assignment


def test_solutions_page_on_purpose(capsys):
    assert selfgrade.main(["--solution", ASSIGNMENT]) == 0
    out = capsys.readouterr().out
    page = REPO / "artifacts" / "solutions" / f"{ASSIGNMENT}.html"
    assert f"Solutions written to {page}" in out
    assert "contains the reference solutions" in out, "the command must warn that the page shows the solutions"
    text = page_text(page)
    assert "Solutions of 02_data_quality" in text, "the page should say on top that it holds the solutions"
    reference = notebooks.reference_code(notebooks.read(SOURCE))["clean_numeric"]
    stub = {line.strip() for c in notebooks.read(RELEASE).cells for line in c.source.split("\n")}
    body = [line.strip() for line in reference.split("\n") if len(line.strip()) > 8 and line.strip() not in stub]
    assert body, "the reference solution should have lines the release does not"
    assert all(line in text for line in body), "the page should show the reference solution"
    assert "BEGIN HIDDEN TESTS" in text, "the page should show the hidden tests"
    assert selfgrade.main(["--solution", "02"]) == 0, "a unique prefix names the assignment"
