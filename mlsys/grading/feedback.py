"""Feedback that keeps hidden tests hidden.

nbgrader's feedback shows a test cell's whole source and the traceback of any
failing assert, hidden ones included. :class:`HideHiddenTests` (enabled in
``nbgrader_config.py``) removes the hidden region from every test cell and
replaces an error raised inside it by a short note that keeps only the
exception's type and message. Hidden asserts are therefore written with
messages that say what is wrong without giving values away.
"""

from __future__ import annotations

import re

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode

from mlsys.grading import notebooks

try:  # the preprocessor base class lives in nbgrader; the helpers below do not need it
    from nbgrader.preprocessors import NbGraderPreprocessor as _Base
except ImportError:  # pragma: no cover (nbgrader is always installed in the course venv)
    from nbconvert.preprocessors import Preprocessor as _Base

ANSI = re.compile(r"\x1b\[[0-9;]*m")
CELL_LINE = re.compile(r"(?:Cell In\s*\[\d*\]|<ipython-input-[^>]*>|input-\d+-[0-9a-f]+), line (\d+)")


def error_line(traceback: list[str]) -> int | None:
    """Line (1-based, in the cell) where a cell's error was raised, or ``None``.

    IPython's first frame of a cell error reads ``Cell In[12], line 40``.
    """
    text = ANSI.sub("", "\n".join(traceback))
    match = CELL_LINE.search(text)
    return int(match.group(1)) if match else None


FRAME_LINE = re.compile(r"^\s*(?:-+>\s*)?(\d+)\b")


def trim_hidden_context(traceback: list[str], start: int) -> list[str]:
    """Drop the source lines numbered ``start`` and above from the test cell's own frame.

    IPython prints a few lines of context after the failing line; when a visible
    test fails near the end of the visible part, that context would show the
    first hidden lines. Only the first frame that names a cell (the test cell
    itself) is trimmed; frames of the student's own cells are kept.
    """
    trimmed, done = [], False
    for entry in traceback:
        plain = ANSI.sub("", entry)
        if not done and CELL_LINE.search(plain):
            done = True
            entry = "\n".join(line for line in plain.split("\n") if not _numbered_at_or_after(line, start))
        trimmed.append(entry)
    return trimmed


def _numbered_at_or_after(line: str, start: int) -> bool:
    match = FRAME_LINE.match(line)
    return bool(match) and int(match.group(1)) >= start


def hidden_start(source: str) -> int | None:
    """Line (1-based) of the ``### BEGIN HIDDEN TESTS`` marker, or ``None``."""
    for number, line in enumerate(source.split("\n"), start=1):
        if notebooks.HIDDEN_BEGIN in line:
            return number
    return None


def hide_hidden_tests(cell: NotebookNode) -> NotebookNode:
    """Strip the hidden region of a test cell and any traceback raised inside it."""
    start = hidden_start(cell.source)
    if start is None:
        return cell
    outputs = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            line = error_line(output.get("traceback", []))
            if line is None or line >= start:
                message = output.get("evalue") or "no message"
                output = NotebookNode(
                    output_type="stream",
                    name="stdout",
                    text=(
                        f"A hidden test did not pass ({output.get('ename', 'Error')}: {message}).\n"
                        "Hidden tests check values and subtle mistakes; their code is not shown.\n"
                    ),
                )
            else:
                output["traceback"] = trim_hidden_context(output.get("traceback", []), start)
        outputs.append(output)
    cell.outputs = outputs
    cell.source = notebooks.split_hidden(cell.source)[0].rstrip() + "\n# (hidden tests are not shown)"
    return cell


class HideHiddenTests(_Base):
    """nbgrader preprocessor for ``GenerateFeedback``: hidden tests and their tracebacks never reach students."""

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        if cell.cell_type == "code":
            cell = hide_hidden_tests(cell)
        return cell, resources
