"""mlsys.grading.report: the gradebook URL, the score table and the per-exercise CSV."""

import csv

from mlsys.grading.report import SubmissionScore, db_url, score_table, write_cell_csv


def test_db_url_comes_from_the_course_config(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        'c = get_config()\nc.CourseDirectory.db_url = "sqlite:///x.db?timeout=5"\n'
    )
    assert db_url(tmp_path) == "sqlite:///x.db?timeout=5"
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    assert db_url(tmp_path) == f"sqlite:///{tmp_path / 'gradebook.db'}"


def _scores():
    return [
        SubmissionScore("ann", "01_a", 5, 7, 3, {"test_x": (3, 3), "test_y": (2, 4)}),
        SubmissionScore("bob", "01_a", 0, 7, 3, {"test_x": (0, 3), "test_y": (0, 4)}),
    ]


def test_score_table_has_a_row_per_student_and_dashes_for_missing():
    table = score_table(_scores(), ["ann", "bob", "cat"], ["01_a", "02_b"]).splitlines()
    assert table[0].split() == ["student", "01_a", "02_b"]
    assert table[2].split() == ["ann", "5/7", "-"]
    assert table[3].split() == ["bob", "0/7", "-"]
    assert table[4].split() == ["cat", "-", "-"]


def test_cell_csv_has_one_row_per_test_cell(tmp_path):
    write_cell_csv(_scores(), tmp_path / "out.csv")
    rows = list(csv.DictReader(open(tmp_path / "out.csv")))
    assert len(rows) == 4
    assert rows[1] == {"student": "ann", "assignment": "01_a", "cell": "test_y", "score": "2", "max_score": "4"}
