"""mlsys.grading.guard: what a student's cell replaces is put back before a test runs."""

from __future__ import annotations

import builtins

import numpy as np
import numpy.testing

from mlsys import checks
from mlsys.grading import guard


def test_rebound_helpers_are_put_back_and_reported():
    guard.snapshot()
    namespace = {"np": np, "check_close": checks.check_close, "data": [1, 2]}
    guard.remember_globals(namespace)
    original_close, original_allclose, original_isnan = checks.check_close, numpy.testing.assert_allclose, np.isnan
    try:
        checks.check_close = lambda *a, **k: None
        numpy.testing.assert_allclose = lambda *a, **k: None
        np.isnan = lambda *a, **k: True
        namespace["check_close"] = lambda *a, **k: None
        namespace["np"] = object()
        namespace["data"] = [3]  # the student's own variables are theirs to change
        undone = guard.restore(namespace)
    finally:
        checks.check_close, numpy.testing.assert_allclose, np.isnan = original_close, original_allclose, original_isnan
    assert checks.check_close is original_close or "mlsys.checks.check_close" in undone
    assert {"mlsys.checks.check_close", "numpy.testing.assert_allclose", "numpy.isnan", "check_close", "np"} <= set(
        undone
    )
    assert namespace["np"] is np and namespace["data"] == [3]


def test_builtins_are_put_back():
    guard.snapshot()
    original = builtins.isinstance
    try:
        builtins.isinstance = lambda *a: True
        undone = guard.restore({})
        assert builtins.isinstance is original and "isinstance" in undone
    finally:
        builtins.isinstance = original


def test_nothing_to_undo_reports_nothing():
    guard.snapshot()
    assert guard.restore({"x": 1}) == []
