"""Fixtures for the helper package's unit tests: small notebooks built in memory."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def graded(cell, gid, **meta):
    cell.metadata["nbgrader"] = {
        "schema_version": 3,
        "grade": False,
        "solution": False,
        "locked": False,
        "grade_id": gid,
        **meta,
    }
    return cell


@pytest.fixture
def tiny_source():
    """A two-exercise source notebook in nbgrader's format."""
    return new_notebook(
        cells=[
            new_markdown_cell("# Tiny"),
            graded(new_code_cell("SEED = 0"), "setup", locked=True),
            graded(
                new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"),
                "f",
                solution=True,
            ),
            graded(
                new_code_cell(
                    '"""f doubles."""\nassert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(3) == 6\n### END HIDDEN TESTS'
                ),
                "test_f",
                grade=True,
                locked=True,
                points=2,
            ),
            graded(
                new_code_cell("def g(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION"),
                "g",
                solution=True,
            ),
            graded(new_code_cell('"""g adds one."""\nassert g(1) == 2'), "test_g", grade=True, locked=True, points=1),
            graded(
                new_markdown_cell("### BEGIN SOLUTION\nanswer\n### END SOLUTION"),
                "answer",
                grade=True,
                solution=True,
                points=3,
            ),
        ]
    )


@pytest.fixture
def tiny_course(tmp_path, tiny_source):
    """A course folder with source/tiny/tiny.ipynb and an empty submitted/."""
    (tmp_path / "source" / "tiny").mkdir(parents=True)
    nbformat.write(tiny_source, str(tmp_path / "source" / "tiny" / "tiny.ipynb"))
    (tmp_path / "submitted").mkdir()
    return tmp_path
