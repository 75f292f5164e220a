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


# --- "by hand" means by hand -------------------------------------------------------------------------------------

#: Readable names of the libraries a by-hand exercise may refuse, by top-level package.
_LIBRARY_NAMES = {
    "sklearn": "scikit-learn",
    "imblearn": "imbalanced-learn",
    "fairlearn": "fairlearn",
    "scipy": "SciPy",
    "tensorflow": "TensorFlow",
    "keras": "Keras",
    "torch": "PyTorch",
    "pandas": "pandas",
    "statsmodels": "statsmodels",
}


def _code_objects(dotted: str) -> set:
    """The code object of the function named ``dotted`` (``"scipy.stats.mannwhitneyu"``), unwrapped.

    Only the innermost function of a ``__wrapped__`` chain counts: decorators' wrappers share one
    code object across many functions (TensorFlow's dispatch wrapper runs for every ``tf.*`` op,
    SciPy's ``_axis_nan_policy`` for most of ``scipy.stats``), so watching a wrapper would flag them all.
    """
    import importlib

    module_name, _, attribute = dotted.rpartition(".")
    try:
        target = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError):
        return set()
    while getattr(target, "__wrapped__", None) is not None:
        target = target.__wrapped__
    code = getattr(target, "__code__", None)
    return {code} if code is not None else set()


def _split_watch(watch: Sequence[str]) -> tuple[list[str], dict]:
    """``watch`` as packages (a top-level name, or a dotted name that is a module) and function code objects.

    A dotted name that is neither a module nor a function raises ``ValueError``: watching it
    would silently watch nothing.
    """
    import importlib

    packages, functions = [], {}
    for name in watch:
        if "." not in name:
            packages.append(name)
            continue
        try:
            importlib.import_module(name)
        except ImportError:
            codes = _code_objects(name)
            if not codes:
                raise ValueError(f"trace_calls: {name!r} names no module or function to watch") from None
            functions.update(dict.fromkeys(codes, name))
        else:
            packages.append(name)
    return packages, functions


def _module_of(frame) -> str:
    return frame.f_globals.get("__name__", "") or ""


def _in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def trace_calls(func: Any, *args: Any, watch: Sequence[str], **kwargs: Any) -> tuple[Any, list[str]]:
    """Call ``func(*args, **kwargs)``; return its result and the first library function of ``watch`` it reached.

    ``watch`` names packages or modules (``"sklearn"``, ``"sklearn.inspection"``: any of their
    code) or single functions (``"scipy.stats.mannwhitneyu"``: only that one). Which code runs is watched with
    ``sys.setprofile``, so a call is seen however the name was imported (at the top of the
    notebook, under another name, through a wrapper or ``functools.partial``). The list is empty
    when nothing watched ran, else it holds the public name of the first function reached.
    Raises ``AssertionError`` if ``func`` switched the watching off.
    """
    import sys

    packages, functions = _split_watch(watch)
    hits: list[str] = []

    def describe(frame) -> str | None:
        code = frame.f_code
        if code in functions:
            return functions[code]
        module = _module_of(frame)
        if not any(_in_package(module, package) for package in packages):
            return None
        name = f"{module}.{code.co_qualname}"
        wrapped = frame.f_locals.get("func") if "<locals>" in name else None  # a decorator's wrapper
        if wrapped is not None and hasattr(wrapped, "__qualname__"):
            name = f"{getattr(wrapped, '__module__', module)}.{wrapped.__qualname__}"
        return name.removesuffix(".__init__")

    def observe(frame, event, arg):
        if hits:
            return
        if event == "call":
            name = describe(frame)
        elif event == "c_call":
            module = getattr(arg, "__module__", None) or ""
            name = next((f"{module}.{arg.__qualname__}" for p in packages if _in_package(module, p)), None)
        else:
            return
        if name:
            hits.append(name)

    previous = sys.getprofile()
    sys.setprofile(observe)
    try:
        result = func(*args, **kwargs)
        tampered = sys.getprofile() is not observe
    finally:
        sys.setprofile(previous)
    if tampered:
        _fail("Your function switched off the check that watches what it calls (sys.setprofile).", None)
    # The library function reached, named without its private submodules.
    public = [
        ".".join(part for part in h.split(".") if not part.startswith("_") or part.startswith("__")) for h in hits
    ]
    return result, public


def check_by_hand(func: Any, *args: Any, task: str, forbidden: Sequence[str], **kwargs: Any) -> Any:
    """Call ``func(*args, **kwargs)`` and fail if it ran library code that does the exercise's whole job.

    ``forbidden`` is what :func:`trace_calls` watches: packages (``"imblearn"``) or single
    functions (``"scipy.stats.mannwhitneyu"``; the rest of SciPy stays allowed). ``task``
    completes the sentence "this exercise asks you to ...". Returns what ``func`` returned.
    """
    result, reached = trace_calls(func, *args, watch=forbidden, **kwargs)
    if reached:
        top = reached[0].split(".")[0]
        _fail(
            f"This exercise asks you to {task}; your function called {reached[0]} ({_LIBRARY_NAMES.get(top, top)}), "
            "which does the whole job. Write the computation yourself: the point is to know what the library computes.",
            None,
        )
    return result
