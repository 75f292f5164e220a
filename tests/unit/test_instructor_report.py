"""mlsys.grading.instructor_report: pass rates, their order, the CSV, the printed table and the figure."""

import csv
import struct

import matplotlib.image

from mlsys.grading import instructor_report
from mlsys.grading.autograde import Outcome
from mlsys.grading.report import SubmissionScore


def _outcome(student, assignment, cells, status="graded"):
    score = SubmissionScore(
        student,
        assignment,
        auto_score=sum(s for s, _ in cells.values()),
        auto_max=sum(m for _, m in cells.values()),
        manual_max=3,
        cells=cells,
    )
    return Outcome(student, assignment, status, score=score.auto_score, max_score=score.auto_max, scores=[score])


def _class():
    """01_a: test_x passed by 3 of 4, test_y by 1 of 4; 02_b: test_z by 1 of 2; one submission not graded."""
    return [
        _outcome("ann", "01_a", {"test_x": (3, 3), "test_y": (4, 4)}),
        _outcome("bob", "01_a", {"test_x": (0, 3), "test_y": (0, 4)}),
        _outcome("cat", "01_a", {"test_x": (3, 3), "test_y": (0, 4)}),
        _outcome("dan", "01_a", {"test_x": (3, 3), "test_y": (2, 4)}),  # partial credit is not a pass
        _outcome("ann", "02_b", {"test_z": (2, 2)}),
        _outcome("bob", "02_b", {"test_z": (0, 2)}),
        Outcome("eve", "02_b", "not graded", notes=["no notebook found"]),
    ]


def test_pass_rates_count_full_points_only_and_put_the_most_failed_first():
    rates = instructor_report.pass_rates(_class())
    got = [(r.assignment, r.cell, r.passed, r.graded) for r in rates]
    assert got == [("01_a", "test_y", 1, 4), ("02_b", "test_z", 1, 2), ("01_a", "test_x", 3, 4)]
    assert [r.rate for r in rates] == [0.25, 0.5, 0.75]
    assert rates[0].mean_score == 1.5 and rates[0].max_score == 4


def test_equal_pass_rates_are_ordered_by_the_share_of_points():
    outcomes = [
        _outcome("ann", "01_a", {"test_p": (0, 4), "test_q": (0, 2)}),
        _outcome("bob", "01_a", {"test_p": (2, 4), "test_q": (0, 2)}),
    ]
    rates = instructor_report.pass_rates(outcomes)
    assert [r.rate for r in rates] == [0.0, 0.0]
    assert [r.cell for r in rates] == ["test_q", "test_p"]  # nobody got a point of test_q: it comes first


def test_totals_leave_out_submissions_without_scores():
    totals = instructor_report.totals(_class())
    assert totals == {"01_a": ([7, 0, 3, 5], 7), "02_b": ([2, 0], 2)}


def test_write_makes_the_csv_the_png_and_prints_the_table(tmp_path, capsys):
    rates = instructor_report.write(tmp_path, _class())
    rows = list(csv.DictReader(open(tmp_path / "pass_rates.csv")))
    assert [(r["assignment"], r["cell"]) for r in rows] == [(r.assignment, r.cell) for r in rates]
    assert rows[0] == {
        "assignment": "01_a",
        "cell": "test_y",
        "graded": "4",
        "passed": "1",
        "pass_rate": "0.250",
        "mean_score": "1.5",
        "max_score": "4",
    }
    png = (tmp_path / "grades_report.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    image = matplotlib.image.imread(tmp_path / "grades_report.png")
    assert image.shape[:2] == (height, width) and width > height > 100
    printed = capsys.readouterr().out
    table = printed[printed.index("\nassignment") + 1 :].splitlines()
    assert table[2].split()[:4] == ["01_a", "test_y", "25%", "1/4"]
    assert table[4].split()[:4] == ["01_a", "test_x", "75%", "3/4"]


def test_figure_has_one_panel_per_assignment_with_every_student():
    fig = instructor_report.figure(_class())
    assert len(fig.axes) == 2
    assert [ax.get_title().split("\n")[0] for ax in fig.axes] == ["01_a", "02_b"]
    for ax, graded in zip(fig.axes, (4, 2), strict=True):
        assert sum(p.get_height() for p in ax.patches) == graded  # the histogram counts each graded submission
        assert len(ax.collections[0].get_offsets()) == graded  # one dot per submission
    assert fig.axes[0].get_title().endswith("median 4/7")


def test_figure_wraps_many_assignments_into_rows_without_empty_panels():
    outcomes = [_outcome("ann", f"{k:02d}_x", {"test": (1, 1)}) for k in range(1, 8)]
    fig = instructor_report.figure(outcomes)
    assert len(fig.axes) == 7
    assert len({round(ax.get_position().y0, 2) for ax in fig.axes}) == 2  # 5 panels on the first row, 2 on the next


def test_nothing_graded_still_writes_both_files(tmp_path):
    rates = instructor_report.write(tmp_path, [Outcome("eve", "01_a", "not graded")])
    assert rates == []
    assert (tmp_path / "grades_report.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "pass_rates.csv").read_text().splitlines() == [
        "assignment,cell,graded,passed,pass_rate,mean_score,max_score"
    ]
