"""The demo class builders and the grading driver's bookkeeping (no nbgrader run here)."""

from nbformat.v4 import new_output

from mlsys.grading import autograde, demo, notebooks


def test_demo_students_show_what_they_claim(tiny_source):
    release = tiny_source  # the builders only need nbgrader cells; a source notebook has them too
    build = {name: spec[0] for name, spec in demo.STUDENTS.items()}
    partial = build["demo-partial"](tiny_source, release)
    assert "return 2 * x" in partial.cells[2].source and "BEGIN SOLUTION" in partial.cells[4].source
    looping = build["demo-infinite-loop"](tiny_source, release)
    assert looping.cells[4].source.startswith("while True")
    deleted = build["demo-deleted-test"](tiny_source, release)
    assert "test_f" not in notebooks.test_ids(deleted)
    doubled = build["demo-duplicated-cell"](tiny_source, release)
    assert [notebooks.grade_id(c) for c in doubled.cells].count("f") == 2
    assert all(spec[1].format(a="x").endswith(".ipynb") for spec in demo.STUDENTS.values())
    assert all(name.startswith(demo.PREFIX) for name in demo.STUDENTS)


def test_find_submissions_filters_by_assignment_and_student(tiny_course):
    for student in ("ann", "bob"):
        (tiny_course / "submitted" / student / "tiny").mkdir(parents=True)
    (tiny_course / "submitted" / "ann" / "unknown_assignment").mkdir()
    assert autograde.find_submissions(tiny_course) == [("ann", "tiny"), ("bob", "tiny")]
    assert autograde.find_submissions(tiny_course, students=["bob"]) == [("bob", "tiny")]
    assert autograde.find_submissions(tiny_course, assignments=["other"]) == []


def test_inspect_autograded_names_timeouts_and_dead_kernels(tmp_path, tiny_source):
    nb = tiny_source
    nb.cells[2].outputs = [new_output("error", ename="CellTimeoutError", evalue="", traceback=[])]
    nb.cells[4].outputs = [new_output("error", ename="DeadKernelError", evalue="", traceback=[])]
    notebooks.write(nb, tmp_path / "a.ipynb")
    notes = autograde._inspect_autograded(tmp_path / "a.ipynb")
    assert notes == ["f ran past the per-cell time limit and was stopped", "the kernel died in g"]
    assert autograde._inspect_autograded(tmp_path / "missing.ipynb") == []


def test_outcome_summary_reads_as_a_sentence():
    outcome = autograde.Outcome("ann", "01_a", "graded", 3.0, 5, 7, ["renamed"])
    assert outcome.summary == "01_a  ann: graded, 5/7 pts; renamed"
    assert "no score" in autograde.Outcome("bob", "01_a", "not graded").summary
