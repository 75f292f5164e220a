"""Student-facing checks used by the visible tests.

Each check raises ``AssertionError`` with a message that says what is wrong and
what was expected, without giving the answer away. They are conveniences for
the *visible* tests; hidden tests use plain asserts so that a student who
rebinds these helpers cannot make a hidden test pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def _fail(message: str, hint: str | None) -> None:
    raise AssertionError(message + (f" Hint: {hint}" if hint else ""))


def check_implemented(func: Any, name: str | None = None) -> None:
    """Fail with a friendly message while an exercise still raises NotImplementedError."""
    label = name or getattr(func, "__name__", "this function")
    if not callable(func):
        _fail(f"{label} should be a function, got {type(func).__name__}.", None)


def check_type(value: Any, expected: type | tuple[type, ...], name: str, hint: str | None = None) -> None:
    """``value`` is an instance of ``expected``."""
    if not isinstance(value, expected):
        names = " or ".join(t.__name__ for t in (expected if isinstance(expected, tuple) else (expected,)))
        _fail(f"{name} should be a {names}, got {type(value).__name__}.", hint)


def check_shape(array: Any, expected: Sequence[int | None], name: str, hint: str | None = None) -> None:
    """``array`` has the expected shape; ``None`` in ``expected`` matches any size."""
    shape = np.shape(array)
    ok = len(shape) == len(expected) and all(e is None or s == e for s, e in zip(shape, expected, strict=True))
    if not ok:
        pretty = "(" + ", ".join("any" if e is None else str(e) for e in expected) + ")"
        _fail(f"{name} has shape {tuple(shape)}; expected {pretty}.", hint)


def check_dtype(array: Any, expected: Any, name: str, hint: str | None = None) -> None:
    """``array`` has dtype ``expected`` (e.g. ``np.float32``)."""
    dtype = np.asarray(array).dtype
    if dtype != np.dtype(expected):
        _fail(f"{name} has dtype {dtype}; expected {np.dtype(expected)}.", hint)


def check_range(array: Any, low: float, high: float, name: str, hint: str | None = None) -> None:
    """Every value of ``array`` lies in ``[low, high]``."""
    values = np.asarray(array, dtype=float)
    if values.size and (np.nanmin(values) < low or np.nanmax(values) > high):
        _fail(
            f"{name} has values from {np.nanmin(values):.3g} to {np.nanmax(values):.3g}; "
            f"expected all in [{low}, {high}].",
            hint,
        )


def check_finite(array: Any, name: str, hint: str | None = None) -> None:
    """No NaN or infinity in ``array``."""
    values = np.asarray(array, dtype=float)
    if not np.all(np.isfinite(values)):
        _fail(f"{name} contains {int(np.sum(~np.isfinite(values)))} NaN or infinite value(s).", hint)


def check_close(actual: Any, expected: Any, name: str, atol: float = 1e-6, hint: str | None = None) -> None:
    """``actual`` equals ``expected`` within ``atol``, reporting the worst difference only."""
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    if a.shape != e.shape:
        _fail(f"{name} has shape {a.shape}; expected {e.shape}.", hint)
    if not np.allclose(a, e, atol=atol, rtol=0, equal_nan=True):
        worst = float(np.nanmax(np.abs(a - e))) if a.size else float("nan")
        _fail(f"{name} is off by up to {worst:.3g} (tolerance {atol:g}).", hint)


def check_between(value: float, low: float, high: float, name: str, hint: str | None = None) -> None:
    """A scalar lies in ``[low, high]``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        _fail(f"{name} should be a number, got {type(value).__name__}.", hint)
    if not low <= number <= high:
        _fail(f"{name} is {number:.4g}; expected between {low} and {high}.", hint)
