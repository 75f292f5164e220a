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
    return harness.build_course(tmp_path_factory.mktemp("course"))
