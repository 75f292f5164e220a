"""mlsys.grading.preclean: each repair and each note, on a tiny course."""

import copy

from nbformat.v4 import new_notebook

from mlsys.grading import notebooks
from mlsys.grading.preclean import preclean


def _submit(course, nb, name="tiny.ipynb", student="s"):
    path = course / "submitted" / student / "tiny" / name
    notebooks.write(nb, path)
    return path


def test_a_clean_submission_has_no_notes(tiny_course, tiny_source):
    _submit(tiny_course, tiny_source)
    result = preclean(tiny_course, "s", "tiny", tiny_source)
    assert result.gradable and result.notes == []


def test_renamed_notebook_is_found_by_its_cells(tiny_course, tiny_source):
    _submit(tiny_course, tiny_source, "tiny-Copy1.ipynb")
    _submit(tiny_course, new_notebook(), "scratch.ipynb")
    result = preclean(tiny_course, "s", "tiny", tiny_source)
    assert result.gradable
    assert (tiny_course / "submitted" / "s" / "tiny" / "tiny.ipynb").exists()
    assert any("tiny-Copy1.ipynb" in n for n in result.notes)
    assert any("extra notebook scratch.ipynb" in n for n in result.notes)
    assert (tiny_course / "precleaned_originals" / "s" / "tiny" / "tiny-Copy1.ipynb").exists()


def test_no_matching_notebook_is_not_graded(tiny_course, tiny_source):
    (tiny_course / "submitted" / "s" / "tiny").mkdir(parents=True)
    result = preclean(tiny_course, "s", "tiny", tiny_source)
    assert not result.gradable and "no notebook tiny.ipynb" in result.notes[0]
    assert not preclean(tiny_course, "nobody", "tiny", tiny_source).gradable


def test_duplicated_graded_cell_keeps_the_first_copy(tiny_course, tiny_source):
    nb = copy.deepcopy(tiny_source)
    twin = copy.deepcopy(nb.cells[2])
    twin.source = "def f(x):\n    return 2 * x  # edited copy"
    twin["id"] = "twin"
    nb.cells.insert(3, twin)
    path = _submit(tiny_course, nb)
    result = preclean(tiny_course, "s", "tiny", tiny_source)
    assert result.gradable and any("'f' appeared twice" in n for n in result.notes)
    cleaned = notebooks.read(path)
    assert [notebooks.grade_id(c) for c in cleaned.cells].count("f") == 1
    assert "edited copy" in cleaned.cells[3].source, "the later copy's code stays (it still runs)"


def test_deleted_cells_and_stripped_metadata_are_reported(tiny_course, tiny_source):
    nb = copy.deepcopy(tiny_source)
    nb.cells = [c for c in nb.cells if notebooks.grade_id(c) != "test_g"]
    _submit(tiny_course, nb)
    assert "test_g" in preclean(tiny_course, "s", "tiny", tiny_source).notes[0]
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
    path = _submit(tiny_course, nb)
    notes = preclean(tiny_course, "s", "tiny", tiny_source).notes
    assert "restored by cell id" in notes[0]
    assert "test_g" in notes[1], "a cell deleted and stripped is still reported as deleted"
    restored = notebooks.read(path)
    expected = [g for g in map(notebooks.grade_id, tiny_source.cells) if g and g != "test_g"]
    assert [notebooks.grade_id(c) for c in restored.cells if notebooks.grade_id(c)] == expected


def test_changed_and_unlocked_test_cells_are_reported(tiny_course, tiny_source):
    nb = copy.deepcopy(tiny_source)
    test = next(c for c in nb.cells if notebooks.grade_id(c) == "test_f")
    test.source = "assert True"
    _submit(tiny_course, nb)
    assert "'test_f' had been changed" in preclean(tiny_course, "s", "tiny", tiny_source).notes[0]
    test.metadata["nbgrader"]["locked"] = False
    _submit(tiny_course, nb)
    assert "'test_f' had been unlocked" in preclean(tiny_course, "s", "tiny", tiny_source).notes[0]


def test_unreadable_notebook_is_reported_not_graded(tiny_course, tiny_source):
    path = tiny_course / "submitted" / "s" / "tiny" / "tiny.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text("{ not json")
    result = preclean(tiny_course, "s", "tiny", tiny_source)
    assert not result.gradable and "could not be read" in result.notes[-1]
