"""Execution time of each reference notebook (``make bench``); reported, never asserted."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mlsys.grading import notebooks
from mlsys.grading.autograde import grading_env


@dataclass
class BenchRow:
    """Timing of one notebook run top to bottom in a fresh kernel."""

    assignment: str
    seconds: float
    slowest_cell: str
    slowest_seconds: float
    errors: int


def time_notebook(path: Path) -> BenchRow:
    """Execute ``path`` (the instructor version, solutions and hidden tests included)."""
    from nbclient import NotebookClient

    nb = notebooks.read(path)
    env = grading_env()
    for key in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
        env.pop(key, None)  # a learner's kernel runs alone and may use every core
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        client = NotebookClient(nb, timeout=600, resources={"metadata": {"path": str(path.parent)}})
        start = time.perf_counter()
        client.execute()
        total = time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(saved)
    cell_times = []
    errors = 0
    for index, cell in enumerate(nb.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            from datetime import datetime

            seconds = (
                datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
                - datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
            ).total_seconds()
            cell_times.append((seconds, notebooks.grade_id(cell) or f"cell {index}"))
        errors += sum(o.get("output_type") == "error" for o in cell.get("outputs", []))
    slow_s, slow_name = max(cell_times) if cell_times else (0.0, "-")
    return BenchRow(path.stem, total, slow_name, slow_s, errors)


def run(course_root: Path, assignments: Sequence[str]) -> list[BenchRow]:
    """Time every assignment's reference notebook, printing as it goes."""
    rows = []
    for assignment in assignments:
        row = time_notebook(Path(course_root) / "source" / assignment / f"{assignment}.ipynb")
        print(f"  {assignment}: {row.seconds:.1f} s", flush=True)
        rows.append(row)
    return rows


def markdown(rows: Sequence[BenchRow]) -> str:
    """The report as a Markdown table, with the machine it ran on."""
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "",
        "| notebook | run top to bottom (s) | slowest cell | its time (s) | errors |",
        "|---|---:|---|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r.assignment} | {r.seconds:.1f} | {r.slowest_cell} | {r.slowest_seconds:.1f} | {r.errors} |")
    return "\n".join(lines)
