"""The demo class builders and the grading driver's bookkeeping (no nbgrader run here)."""

import pytest
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


def test_inspect_autograded_explains_what_the_outputs_show(tmp_path, tiny_source):
    from mlsys.grading import execute

    nb = tiny_source
    nb.cells[2].outputs = [new_output("error", ename="CellTimeoutError", evalue="", traceback=[])]
    nb.cells[3].outputs = [
        new_output("stream", name="stdout", text=f"{execute.RESTORED} numpy.isnan\n"),
        new_output("stream", name="stdout", text=execute.STDERR_KEPT + "UserWarning: x"),
    ]
    nb.cells[4].outputs = [new_output("error", ename=execute.KERNEL_DIED, evalue="", traceback=[])]
    nb.cells[5].outputs = [new_output("error", ename=execute.NOT_RUN, evalue="not run", traceback=[])]
    notebooks.write(nb, tmp_path / "a.ipynb")
    notes = autograde._inspect_autograded(tmp_path / "a.ipynb")
    assert notes == [
        "f ran past the per-cell time limit and was stopped",
        "before test_f ran, grading put back what the submission had replaced: numpy.isnan",
        "test_f printed on stderr (warnings); not counted as a failure",
        "the kernel died in g (os._exit, a crash or the memory limit); later cells were not run",
    ]
    assert autograde._inspect_autograded(tmp_path / "missing.ipynb") == []


@pytest.mark.parametrize(
    ("ename", "evalue", "words"),
    [
        ("MemoryError", "", "ran out of memory"),
        ("URLError", "<urlopen error [Errno -3] Temporary failure in name resolution>", "network"),
        (
            "FileNotFoundError",
            "[Errno 2] No such file: '../../../source/a.ipynb'",
            "outside its own folder",
        ),
        ("OSError", "[Errno 30] Read-only file system: '../../x'", "outside its own folder"),
        ("KernelDidNotStop", "", "ignored the interrupt"),
    ],
)
def test_errors_that_say_something_get_a_note(ename, evalue, words):
    assert words in autograde._explain_error("f", ename, evalue)


def test_ordinary_errors_get_no_note():
    assert autograde._explain_error("f", "NameError", "name 'x' is not defined") is None
    assert autograde._explain_error("f", "FileNotFoundError", "No such file: 'data.csv'") is None


def test_shards_split_the_class_without_overlap():
    students = [f"s{i:03d}" for i in range(200)]
    shards = [{s for s in students if autograde.in_shard(s, "a", (k, 3))} for k in (1, 2, 3)]
    assert set().union(*shards) == set(students)
    assert sum(len(s) for s in shards) == len(students)
    assert all(40 < len(s) < 95 for s in shards), [len(s) for s in shards]
    assert all(autograde.in_shard(s, "a", None) for s in students)
    by_assignment = [autograde.in_shard("x", a, (1, 2), "assignment") for a in ("01_a", "02_b", "03_c", "04_d")]
    assert True in by_assignment and False in by_assignment


def test_state_is_kept_only_for_unchanged_files(tiny_course):
    folder = tiny_course / "submitted" / "ann" / "tiny"
    folder.mkdir(parents=True)
    (folder / "tiny.ipynb").write_text("{}")
    autograde.save_state(tiny_course, autograde.Outcome("ann", "tiny", "not graded", 1.0, notes=["unreadable"]))
    kept = autograde.load_state(tiny_course, "ann", "tiny")
    assert kept is not None and kept.status == "not graded" and kept.notes == ["unreadable"]
    (folder / "tiny.ipynb").write_text('{"changed": 1}')
    assert autograde.load_state(tiny_course, "ann", "tiny") is None, "a resubmission must be graded again"
    autograde.save_state(tiny_course, autograde.Outcome("ann", "tiny", "grading failed", 1.0))
    assert autograde.load_state(tiny_course, "ann", "tiny") is None, "a failed grading is tried again"


def test_outcome_summary_reads_as_a_sentence():
    outcome = autograde.Outcome("ann", "01_a", "graded", 3.0, 5, 7, ["renamed"])
    assert outcome.summary == "01_a  ann: graded, 5/7 pts; renamed"
    assert "no score" in autograde.Outcome("bob", "01_a", "not graded").summary


def _runs(monkeypatch, *outcomes):
    """grade_one replaced by a fake that returns the given outcomes in turn; returns the calls seen."""
    calls, queue = [], list(outcomes)
    monkeypatch.setattr(autograde, "grade_one", lambda *args, **kwargs: calls.append(args) or queue.pop(0))
    return calls


DIED = autograde.KERNEL_DIED_NOTE + "cell-33 (os._exit, a crash or the memory limit); later cells were not run"


def test_a_kernel_that_died_once_is_graded_again_and_the_complete_run_stands(monkeypatch):
    calls = _runs(
        monkeypatch,
        autograde.Outcome("ann", "a", "graded", 1.0, 9, 20, [DIED]),
        autograde.Outcome("ann", "a", "graded", 1.0, 20, 20, []),
    )
    outcome = autograde.grade_with_retry(None, "ann", "a", 60, 1)
    assert len(calls) == 2 and outcome.score == 20
    assert outcome.notes == [f"graded again after the kernel died once ({DIED}); the second run completed"]


def test_a_submission_that_ends_its_kernel_keeps_the_second_runs_score(monkeypatch):
    calls = _runs(
        monkeypatch,
        autograde.Outcome("ann", "a", "graded", 1.0, 9, 20, [DIED]),
        autograde.Outcome("ann", "a", "graded", 1.0, 9, 20, [DIED]),
    )
    outcome = autograde.grade_with_retry(None, "ann", "a", 60, 1)
    assert len(calls) == 2 and outcome.score == 9
    assert outcome.notes == [DIED, "graded again after the kernel died; it died again, so the submission ends it"]


def test_an_ordinary_graded_submission_is_graded_once(monkeypatch):
    calls = _runs(monkeypatch, autograde.Outcome("ann", "a", "graded", 1.0, 20, 20, []))
    assert autograde.grade_with_retry(None, "ann", "a", 60, 1).score == 20 and len(calls) == 1
