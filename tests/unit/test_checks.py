"""mlsys.checks: pass on right answers, fail with a message that names the problem."""

import numpy as np
import pytest

from mlsys import checks


def test_check_shape_accepts_wildcards_and_reports_the_shapes():
    checks.check_shape(np.zeros((3, 4)), (None, 4), "X")
    with pytest.raises(AssertionError, match=r"X has shape \(3, 5\); expected \(any, 4\)"):
        checks.check_shape(np.zeros((3, 5)), (None, 4), "X")
    with pytest.raises(AssertionError, match="Hint: flatten"):
        checks.check_shape(np.zeros((3, 2, 2)), (3, 4), "X", hint="flatten the images.")


def test_check_dtype_and_type():
    checks.check_dtype(np.zeros(2, dtype=np.float32), np.float32, "X")
    with pytest.raises(AssertionError, match="dtype float64; expected float32"):
        checks.check_dtype(np.zeros(2), np.float32, "X")
    checks.check_type((1, 2), tuple, "result")
    with pytest.raises(AssertionError, match="should be a tuple, got list"):
        checks.check_type([1, 2], tuple, "result")


def test_check_range_finite_and_between():
    checks.check_range([0, 0.5, 1], 0, 1, "p")
    with pytest.raises(AssertionError, match=r"from 0 to 16"):
        checks.check_range([0, 16], 0, 1, "X")
    with pytest.raises(AssertionError, match="1 NaN or infinite"):
        checks.check_finite([1.0, np.nan], "loss")
    checks.check_between(0.2, 0.19, 0.21, "share")
    with pytest.raises(AssertionError, match="is 0.5; expected between"):
        checks.check_between(0.5, 0.19, 0.21, "share")
    with pytest.raises(AssertionError, match="should be a number"):
        checks.check_between("a", 0, 1, "share")


def test_check_close_reports_only_the_size_of_the_error():
    checks.check_close([1.0, 2.0], [1.0, 2.0 + 1e-9], "v")
    with pytest.raises(AssertionError) as info:
        checks.check_close([1.0, 2.5], [1.0, 2.0], "v")
    assert "off by up to 0.5" in str(info.value)
    assert "2.0" not in str(info.value).replace("0.5", ""), "the expected value must not be given away"
    with pytest.raises(AssertionError, match="shape"):
        checks.check_close([1.0], [1.0, 2.0], "v")
