"""Where the class struggles: a figure of total scores and the pass rate of every test cell.

Written next to ``grades.csv`` after each ``make grade`` / ``make demo``:

- ``grades_report.png``: one panel per assignment, a histogram of the students'
  total autograded scores (the dots under it are the students, one each);
- ``pass_rates.csv``: one row per (assignment, test cell): how many graded
  submissions passed it (full points), sorted so that the most-failed test
  cells come first; the same table is printed.

Only submissions that were graded (they have scores in the gradebook) count;
a submission that could not be graded is in ``grading_log.csv`` instead.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # autograde imports nbgrader's machinery; only its Outcome type is needed here
    from matplotlib.figure import Figure

    from mlsys.grading.autograde import Outcome

FIGURE_NAME = "grades_report.png"
CSV_NAME = "pass_rates.csv"


@dataclass
class PassRate:
    """How the graded submissions of one assignment did on one test cell."""

    assignment: str
    cell: str
    graded: int  # submissions with a score for this cell
    passed: int  # of those, how many got its full points
    mean_score: float
    max_score: float

    @property
    def rate(self) -> float:
        """Share of the graded submissions that got the cell's full points."""
        return self.passed / self.graded if self.graded else 0.0

    @property
    def share(self) -> float:
        """Mean share of the cell's points (partial credit counts here)."""
        return self.mean_score / self.max_score if self.max_score else 0.0


def _scored(outcomes: Sequence[Outcome]):
    """Every per-notebook score of the outcomes that have one."""
    return [s for o in outcomes for s in o.scores]


def pass_rates(outcomes: Sequence[Outcome]) -> list[PassRate]:
    """Pass rate of every test cell, most-failed first.

    Sorted by pass rate, then by the mean share of the cell's points (a cell
    most students half-pass comes before one they all pass), then by name.
    """
    collected: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for score in _scored(outcomes):
        for cell, pair in score.cells.items():
            collected.setdefault((score.assignment, cell), []).append(pair)
    rates = [
        PassRate(
            assignment=assignment,
            cell=cell,
            graded=len(pairs),
            passed=sum(s >= m for s, m in pairs),
            mean_score=float(np.mean([s for s, _ in pairs])),
            max_score=max(m for _, m in pairs),
        )
        for (assignment, cell), pairs in collected.items()
    ]
    return sorted(rates, key=lambda r: (r.rate, r.share, r.assignment, r.cell))


def totals(outcomes: Sequence[Outcome]) -> dict[str, tuple[list[float], float]]:
    """assignment -> (each graded submission's total autograded score, the assignment's maximum)."""
    result: dict[str, tuple[list[float], float]] = {}
    for score in _scored(outcomes):
        values, maximum = result.get(score.assignment, ([], 0.0))
        result[score.assignment] = ([*values, score.auto_score], max(maximum, score.auto_max))
    return dict(sorted(result.items()))


def figure(outcomes: Sequence[Outcome], columns: int = 5) -> Figure:
    """One panel per assignment: a histogram of total autograded scores, a dot per student under it."""
    from matplotlib.figure import Figure

    by_assignment = totals(outcomes)
    count = max(1, len(by_assignment))
    ncols = min(columns, count)
    nrows = -(-count // ncols)
    fig = Figure(figsize=(max(4.8, 3.2 * ncols), 2.8 * nrows + 0.4), dpi=100, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[len(by_assignment) :]:
        fig.delaxes(ax)
    if not by_assignment:
        axes[0].text(0.5, 0.5, "no graded submissions", ha="center", va="center", transform=axes[0].transAxes)
        axes[0].set_axis_off()
        return fig
    rng = np.random.default_rng(0)  # the dots' vertical jitter only
    for ax, (assignment, (values, maximum)) in zip(axes, by_assignment.items(), strict=False):
        edges = np.arange(0, np.ceil(maximum) + 2) - 0.5  # one bar per whole point
        counts, _, _ = ax.hist(values, bins=edges, color="#4c72b0", edgecolor="white")
        top = max(1.0, counts.max())
        ax.scatter(values, -top * (0.08 + 0.08 * rng.random(len(values))), s=12, color="#222222", clip_on=False)
        ax.axvline(float(np.median(values)), color="#c44e52", linestyle="--", linewidth=1)
        ax.set_xlim(-1, maximum + 1)
        ax.set_ylim(-top * 0.2, top * 1.15)
        ax.set_title(f"{assignment}\n{len(values)} graded, median {np.median(values):g}/{maximum:g}", fontsize=9)
        ax.set_xlabel("total autograded points")
        ax.set_ylabel("submissions")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_yticks([t for t in ax.get_yticks() if 0 <= t <= top * 1.15])  # no ticks beside the dots
    fig.suptitle("Total autograded score per student (dashed line: median)", fontsize=10)
    return fig


def rate_table(rates: Sequence[PassRate], limit: int | None = None) -> str:
    """The pass rates as plain text, in the order given (most-failed first from :func:`pass_rates`)."""
    shown = list(rates if limit is None else rates[:limit])
    width_a = max([len("assignment")] + [len(r.assignment) for r in shown]) + 2
    width_c = max([len("test cell")] + [len(r.cell) for r in shown]) + 2
    lines = ["assignment".ljust(width_a) + "test cell".ljust(width_c) + "pass rate   passed   mean points"]
    lines.append("-" * len(lines[0]))
    for r in shown:
        lines.append(
            r.assignment.ljust(width_a)
            + r.cell.ljust(width_c)
            + f"{r.rate:>8.0%}   {r.passed:>3}/{r.graded:<3}  {r.mean_score:>5.1f}/{r.max_score:g}"
        )
    if limit is not None and len(rates) > limit:
        lines.append(f"... {len(rates) - limit} more test cells")
    return "\n".join(lines)


def write_rates_csv(rates: Sequence[PassRate], path: Path) -> None:
    """``pass_rates.csv``: one row per test cell, in the order given."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["assignment", "cell", "graded", "passed", "pass_rate", "mean_score", "max_score"])
        for r in rates:
            writer.writerow(
                [r.assignment, r.cell, r.graded, r.passed, f"{r.rate:.3f}", f"{r.mean_score:.3g}", f"{r.max_score:g}"]
            )


def write(course_root: Path, outcomes: Sequence[Outcome], limit: int | None = 20) -> list[PassRate]:
    """Write ``grades_report.png`` and ``pass_rates.csv`` in ``course_root`` and print the table.

    ``limit`` caps the printed rows (the CSV has every test cell). Returns the pass rates.
    """
    course_root = Path(course_root)
    rates = pass_rates(outcomes)
    figure(outcomes).savefig(course_root / FIGURE_NAME)
    write_rates_csv(rates, course_root / CSV_NAME)
    print(f"  {FIGURE_NAME} written (total scores per assignment)", flush=True)
    print(f"  {CSV_NAME} written (pass rate of every test cell, most-failed first)", flush=True)
    if rates:
        print("\nTest cells by pass rate, most-failed first (passed = full points):\n")
        print(rate_table(rates, limit), flush=True)
    return rates
