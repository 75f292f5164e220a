"""Shared fixtures. The expensive one, ``graded_course``, grades a temporary course once per session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402


@pytest.fixture(scope="session")
def graded_course(tmp_path_factory: pytest.TempPathFactory) -> harness.GradedCourse:
    """Every assignment graded through real nbgrader: reference, untouched, mutants, bad input."""
    # nbgrader and the kernels it starts must come from this interpreter's venv.
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    # One worker more than cores: a submission's nbgrader process and kernel wait on each other part of
    # the time (measured on 18 submissions of 02: 2 workers 179 s and 145 s, 3 workers 145 s and 125 s).
    return harness.build_course(tmp_path_factory.mktemp("course"), workers=(os.cpu_count() or 1) + 1)
