"""Feedback shows scores and visible test messages, never hidden test code or tracebacks."""

from __future__ import annotations

import html
import re

import pytest
from harness import ASSIGNMENTS, hidden_lines

from mlsys.grading import notebooks

pytestmark = pytest.mark.nbgrader


def _text(path):
    """Visible text of a feedback page (tags and embedded images removed)."""
    raw = path.read_text()
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S)
    raw = re.sub(r"data:image/[^\"']+", " ", raw)
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


def _hidden_lines(graded_course, assignment):
    source = notebooks.read(graded_course.root / "source" / assignment / f"{assignment}.ipynb")
    release = notebooks.read(graded_course.root / "release" / assignment / f"{assignment}.ipynb")
    return hidden_lines(source, release)


def _own_lines(graded_course, student, assignment):
    """Lines of the submission's own (non-test) cells."""
    lines = set()
    for path in (graded_course.root / "submitted" / student / assignment).glob("*.ipynb"):
        try:
            nb = notebooks.read(path)
        except Exception:  # a corrupt notebook of the bad-input suite has no lines of its own
            continue
        lines |= {line.strip() for c in nb.cells if not notebooks.is_test(c) for line in c.source.split("\n")}
    return lines


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_never_shows_hidden_tests(graded_course, assignment):
    hidden = _hidden_lines(graded_course, assignment)
    assert hidden, "expected hidden test lines to search for"
    pages = sorted((graded_course.root / "feedback").glob(f"*/{assignment}/{assignment}.html"))
    graded = [s for (s, a), o in graded_course.outcomes.items() if a == assignment and o.score is not None]
    assert len(pages) == len(graded), "every graded submission should have a feedback page"
    for page in pages:
        text = _text(page)
        student = page.parents[1].name
        own = _own_lines(graded_course, student, assignment)  # a student's own code may repeat a hidden line
        leaked = [line for line in hidden if line in text and not any(line in mine for mine in own)]
        assert not leaked, f"{page} shows hidden test lines: {leaked[:3]}"
        assert "BEGIN HIDDEN TESTS" not in text


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_shows_scores_and_visible_messages(graded_course, assignment):
    root = graded_course.root / "feedback"
    untouched = _text(root / "untouched" / assignment / f"{assignment}.html")
    assert "NotImplementedError" in untouched, "the visible tests' failures should be shown"
    for student in ("reference", "untouched"):
        page = _text(root / student / assignment / f"{assignment}.html")
        for cell, (score, maximum) in graded_course.cells[(student, assignment)].items():
            assert f"Score: {score:.1f} / {maximum:.1f}" in page, f"{student}: the score of {cell} is not shown"
    for student, _ in graded_course.mutant_groups[assignment]:
        page = _text(root / student / assignment / f"{assignment}.html")
        assert "A hidden test did not pass" in page or "Error" in page, f"{student}: a failing test should be explained"
