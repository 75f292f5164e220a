"""Undo a submission's tampering with the checking machinery before each test cell runs.

Imported inside the grading kernel by :class:`mlsys.grading.execute.GuardedExecute`
before the first cell, it takes a snapshot of what tests rely on: the builtins,
``numpy``, ``numpy.testing``, ``pandas.testing``, ``math``, ``mlsys.checks``,
their ``sys.modules`` entries, IPython's input and AST transformers, the
shell's methods, and the tracing hooks; event callbacks a student's cell
registered are removed. Before each test cell,
:func:`restore` puts back whatever a student's cell replaced (say
``np.testing.assert_allclose = lambda *a, **k: None``) and reports it, so the
test runs against the real functions and the outcome says what was undone.

This stops rebinding, the trick a student would try. It is not a security
boundary: code running in the same process can defeat any check made there
(the README's threat model).
"""

from __future__ import annotations

import importlib
import sys

_PROTECTED_MODULES = ("builtins", "math", "numpy", "numpy.testing", "pandas.testing", "mlsys.checks")
_CHECK_MODULES = ("numpy.testing", "pandas.testing", "mlsys.checks")

#: Builtins that the kernel itself swaps on every request (ipykernel's ``input``).
_KERNEL_OWNED = {"input", "raw_input", "getpass"}
#: Shell methods through which a cell runs and errors are reported.
_SHELL_METHODS = (
    "run_cell",
    "run_cell_async",
    "run_ast_nodes",
    "run_code",
    "transform_cell",
    "showtraceback",
    "showsyntaxerror",
)

_modules: dict[str, object] = {}
_attributes: dict[str, dict[str, object]] = {}
_shell_state: dict[str, object] = {}
_globals: dict[str, object] = {}


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def snapshot() -> None:
    """Remember the pristine state (call once, before any student code runs)."""
    for state in (_modules, _attributes, _shell_state, _globals):
        state.clear()
    for name in _PROTECTED_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        _modules[name] = module
        _attributes[name] = dict(vars(module))
    shell = _shell()
    if shell is not None:
        _shell_state.update(
            input_transformers_cleanup=list(shell.input_transformers_cleanup),
            input_transformers_post=list(shell.input_transformers_post),
            ast_transformers=list(shell.ast_transformers),
            methods={name: vars(shell).get(name, _MISSING) for name in _SHELL_METHODS},
            classes={cls: dict(vars(cls)) for cls in type(shell).__mro__ if cls is not object},
        )


def remember_globals(namespace: dict) -> None:
    """Remember the names an instructor cell bound to checking modules or functions (``np``, ``check_close``)."""
    checkers = {id(v) for name in _CHECK_MODULES for v in _attributes.get(name, {}).values() if callable(v)}
    for name, value in namespace.items():
        if name.startswith("_"):
            continue
        if any(value is module for module in _modules.values()) or id(value) in checkers:
            _globals[name] = value


def restore(namespace: dict) -> list[str]:
    """Put back everything replaced since :func:`snapshot`; return what was put back, in words."""
    undone: list[str] = []
    for name, module in _modules.items():
        if sys.modules.get(name) is not module:
            sys.modules[name] = module
            undone.append(f"sys.modules[{name!r}]")
        current = vars(module)
        for attr, value in _attributes[name].items():
            if name == "builtins" and attr in _KERNEL_OWNED:
                continue
            if current.get(attr, _MISSING) is not value:
                setattr(module, attr, value)
                undone.append(f"{'' if name == 'builtins' else name + '.'}{attr}")
    for name, value in _globals.items():
        if namespace.get(name, _MISSING) is not value:
            namespace[name] = value
            undone.append(name)
    shell = _shell()
    if shell is not None and _shell_state:
        for attr in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
            if getattr(shell, attr) != _shell_state[attr]:
                getattr(shell, attr)[:] = _shell_state[attr]
                undone.append(f"IPython {attr}")
        for event, callbacks in shell.events.callbacks.items():
            # libraries register callbacks too (matplotlib's inline backend); a submission's own are in __main__
            own = [cb for cb in callbacks if getattr(cb, "__module__", None) == "__main__"]
            for callback in own:
                callbacks.remove(callback)
            if own:
                undone.append(f"IPython {event!r} callbacks")
        for attr, value in _shell_state["methods"].items():
            if vars(shell).get(attr, _MISSING) is not value:
                if value is _MISSING:
                    delattr(shell, attr)
                else:
                    setattr(shell, attr, value)
                undone.append(f"IPython shell.{attr}")
        for cls, saved in _shell_state["classes"].items():
            for attr, value in saved.items():
                if vars(cls).get(attr, _MISSING) is not value:
                    try:
                        setattr(cls, attr, value)
                        undone.append(f"{cls.__name__}.{attr}")
                    except (AttributeError, TypeError):
                        pass
    if sys.gettrace() is not None:
        sys.settrace(None)
        undone.append("sys.settrace")
    if sys.getprofile() is not None:
        sys.setprofile(None)
        undone.append("sys.setprofile")
    return undone


class _Missing:
    pass


_MISSING = _Missing()
