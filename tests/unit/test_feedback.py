"""mlsys.grading.feedback: hidden regions and their tracebacks are removed, visible failures kept."""

from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

from mlsys.grading.feedback import error_line, hide_hidden_tests, trim_hidden_context

SOURCE = "\n".join(
    [
        '"""doc."""',
        "assert visible()",
        "",
        "### BEGIN HIDDEN TESTS",
        "secret = 42",
        'assert f(secret) == 1, "f is wrong for large x"',
        "### END HIDDEN TESTS",
    ]
)


def _error(line, ename="AssertionError", evalue="f is wrong for large x"):
    return NotebookNode(
        output_type="error",
        ename=ename,
        evalue=evalue,
        traceback=[
            "\x1b[31m---------------------------------------------------------------------------\x1b[39m",
            "\x1b[31mAssertionError\x1b[39m  Traceback (most recent call last)\n"
            f"Cell \x1b[32mIn[7]\x1b[39m, line \x1b[32m{line}\x1b[39m\n"
            "      5 secret = 42\n----> 6 assert f(secret) == 1",
        ],
    )


def test_error_line_reads_ipython_tracebacks_with_colours():
    assert error_line(_error(6).traceback) == 6
    assert error_line(["no frame here"]) is None


def test_hidden_failure_becomes_a_note_without_code():
    cell = new_code_cell(SOURCE)
    cell.outputs = [_error(6)]
    hide_hidden_tests(cell)
    assert "secret" not in cell.source and "BEGIN HIDDEN" not in cell.source
    assert cell.outputs[0].output_type == "stream"
    text = cell.outputs[0].text
    assert "A hidden test did not pass (AssertionError: f is wrong for large x)" in text
    assert "secret = 42" not in text


def test_visible_failure_keeps_its_traceback():
    cell = new_code_cell(SOURCE)
    cell.outputs = [_error(2, evalue="visible message")]
    hide_hidden_tests(cell)
    assert cell.outputs[0].output_type == "error" and cell.outputs[0].evalue == "visible message"


def test_unparsable_traceback_is_treated_as_hidden():
    cell = new_code_cell(SOURCE)
    cell.outputs = [NotebookNode(output_type="error", ename="KeyboardInterrupt", evalue="", traceback=["?"])]
    hide_hidden_tests(cell)
    assert cell.outputs[0].output_type == "stream"


def test_cells_without_hidden_tests_are_untouched():
    cell = new_code_cell("assert True")
    cell.outputs = [_error(1)]
    hide_hidden_tests(cell)
    assert cell.source == "assert True" and cell.outputs[0].output_type == "error"


def test_visible_failure_loses_the_hidden_lines_of_its_context():
    traceback = [
        "\x1b[31mAssertionError\x1b[39m  Traceback (most recent call last)\n"
        "Cell \x1b[32mIn[8]\x1b[39m, line \x1b[32m2\x1b[39m\n"
        '      1 """doc."""\n----> 2 assert visible()\n      3 \n      4 ### BEGIN HIDDEN TESTS\n      5 secret = 42',
        "File /x/student.py:77, in visible()\n     76 def visible():\n---> 77     raise AssertionError",
    ]
    trimmed = trim_hidden_context(traceback, start=4)
    assert "secret" not in trimmed[0] and "BEGIN HIDDEN" not in trimmed[0]
    assert "----> 2 assert visible()" in trimmed[0]
    assert trimmed[1] == traceback[1], "frames of other files are kept as they are"
    cell = new_code_cell(SOURCE)
    cell.outputs = [_error(2, evalue="visible message")]
    cell.outputs[0].traceback[1] += "\n      4 ### BEGIN HIDDEN TESTS\n      5 secret = 42"
    hide_hidden_tests(cell)
    assert "secret" not in "".join(cell.outputs[0].traceback)
