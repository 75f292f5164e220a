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


def test_trace_calls_sees_a_package_however_it_is_imported():
    import functools

    from sklearn import metrics as m

    via_partial = functools.partial(m.accuracy_score, [0, 1])
    result, reached = checks.trace_calls(lambda: via_partial([0, 0]), watch=["sklearn"])
    assert result == 0.5 and reached and reached[0].startswith("sklearn.metrics")
    assert checks.trace_calls(lambda: float(np.mean([1, 2])), watch=["sklearn"])[1] == []


def test_trace_calls_watches_one_function_not_its_decorators_other_users():
    from scipy import stats

    # mannwhitneyu and ttest_ind share SciPy's _axis_nan_policy wrapper: only the one watched counts.
    assert checks.trace_calls(stats.ttest_ind, [1, 2, 3], [2, 3, 5], watch=["scipy.stats.mannwhitneyu"])[1] == []
    assert checks.trace_calls(stats.mannwhitneyu, [1, 2, 3], [2, 3, 5], watch=["scipy.stats.mannwhitneyu"])[1] == [
        "scipy.stats.mannwhitneyu"
    ]


def test_trace_calls_refuses_a_function_that_switches_the_watch_off():
    import sys

    with pytest.raises(AssertionError, match="switched off the check"):
        checks.trace_calls(lambda: sys.setprofile(None), watch=["sklearn"])


def test_check_by_hand_names_the_library_call_and_returns_the_result_otherwise():
    from sklearn.metrics import accuracy_score

    refused = r"asks you to count yourself; your function called sklearn\.metrics.*scikit-learn"
    with pytest.raises(AssertionError, match=refused):
        checks.check_by_hand(accuracy_score, [0, 1], [0, 0], task="count yourself", forbidden=["sklearn"])
    assert checks.check_by_hand(lambda a, b: 7, 1, 2, task="add", forbidden=["sklearn"]) == 7


def test_trace_calls_watches_a_dotted_module_as_a_package_and_refuses_a_name_it_cannot_find():
    from sklearn.inspection import permutation_importance
    from sklearn.linear_model import LinearRegression

    X, y = np.arange(12.0).reshape(6, 2), np.arange(6.0)
    model = LinearRegression().fit(X, y)
    reached = checks.trace_calls(permutation_importance, model, X, y, n_repeats=2, watch=["sklearn.inspection"])[1]
    assert reached and reached[0].startswith("sklearn.inspection"), reached
    assert checks.trace_calls(model.predict, X, watch=["sklearn.inspection"])[1] == []
    with pytest.raises(ValueError, match="names no module or function"):
        checks.trace_calls(model.predict, X, watch=["sklearn.inspection.no_such_function"])
