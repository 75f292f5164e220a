"""mlsys.grading.notebooks: markers, hidden regions and submissions built from source and release."""

import pytest

from mlsys.grading import notebooks


def test_strip_markers_keeps_the_code_between_them():
    source = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"
    assert notebooks.strip_markers(source) == "def f():\n    return 1"


def test_split_hidden_separates_visible_and_hidden_lines():
    visible, hidden = notebooks.split_hidden("a\n### BEGIN HIDDEN TESTS\nb\n### END HIDDEN TESTS\nc")
    assert visible == "a\nc" and hidden == "b"


def test_cell_kinds_and_ids(tiny_source):
    assert notebooks.solution_ids(tiny_source) == ["f", "g"]
    assert notebooks.solution_ids(tiny_source, autograded_only=False) == ["f", "g", "answer"]
    assert notebooks.test_ids(tiny_source) == ["test_f", "test_g"]
    assert notebooks.reference_code(tiny_source)["f"] == "def f(x):\n    return 2 * x"


def test_with_solutions_fills_named_cells_only(tiny_source):
    nb = notebooks.with_solutions(tiny_source, {"g": "def g(x):\n    return 0"})
    by_id = {notebooks.grade_id(c): c.source for c in nb.cells}
    assert by_id["g"] == "def g(x):\n    return 0"
    assert "BEGIN SOLUTION" in by_id["f"], "cells not named keep what they had"
    assert "return x + 1" in tiny_source.cells[4].source, "the input notebook is not modified"
    with pytest.raises(KeyError, match="nope"):
        notebooks.with_solutions(tiny_source, {"nope": ""})


def test_assignment_ids_lists_folders_with_their_notebook(tmp_path, tiny_source):
    notebooks.write(tiny_source, tmp_path / "source" / "02_x" / "02_x.ipynb")
    (tmp_path / "source" / "03_empty").mkdir()
    assert notebooks.assignment_ids(tmp_path) == ["02_x"]
