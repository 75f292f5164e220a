"""Static checks of every source notebook and its mutants (fast: nothing is executed).

The conventions fixed by 01_pipeline, enforced for every assignment:
a locked setup cell first; headings "## Exercise N.M: title (P points)" whose P
equals the points of the test cells that follow; each solution cell followed by
a test cell; each test cell opening with a one-line docstring, with visible
checks and a hidden region; a manually graded interview question; no outputs.
"""

from __future__ import annotations

import re

import pytest
from harness import ASSIGNMENTS, REPO, load_mutants

from mlsys.grading import notebooks

EXERCISE = re.compile(r"^##\s+Exercise\s+[\d.]+:.*\((\d+(?:\.\d+)?) points?\)\s*$", re.M)
INTERVIEW = re.compile(r"^##\s+Interview question\s+\((\d+(?:\.\d+)?) points?, graded by hand\)\s*$", re.M)


def _source(assignment):
    return notebooks.read(REPO / "source" / assignment / f"{assignment}.ipynb")


@pytest.fixture(params=ASSIGNMENTS)
def assignment(request):
    return request.param


def test_assignment_ids_follow_the_syllabus(assignment):
    assert re.fullmatch(r"(0[1-9]|10)_[a-z_]+", assignment), f"{assignment} is not a syllabus id like 01_pipeline"


def test_grade_ids_and_cell_ids_are_unique(assignment):
    nb = _source(assignment)
    ids = [notebooks.grade_id(c) for c in notebooks.nbgrader_cells(nb)]
    assert len(ids) == len(set(ids)), f"duplicated grade_id: {sorted({i for i in ids if ids.count(i) > 1})}"
    cell_ids = [c.get("id") for c in nb.cells]
    assert len(cell_ids) == len(set(cell_ids)), "duplicated cell id"
    for gid in ids:
        assert re.fullmatch(r"[a-z][a-z0-9_]+", gid), f"grade_id {gid!r} should be descriptive snake_case"


def test_no_outputs_in_source(assignment):
    for cell in _source(assignment).cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"cell {cell.get('id')} has outputs: clear them"


def test_setup_cell_comes_first_and_is_locked(assignment):
    code_cells = [c for c in _source(assignment).cells if c.cell_type == "code"]
    setup = code_cells[0]
    assert notebooks.grade_id(setup) == "setup" and notebooks.meta(setup).get("locked"), (
        "first code cell: locked 'setup'"
    )
    assert "setup_notebook(SEED" in setup.source, "the setup cell calls mlsys.repro.setup_notebook(SEED)"


def test_every_test_cell_has_points_docstring_visible_and_hidden_tests(assignment):
    tests = [c for c in _source(assignment).cells if notebooks.is_test(c)]
    for cell in tests:
        gid = notebooks.grade_id(cell)
        meta = notebooks.meta(cell)
        assert float(meta.get("points", 0)) > 0, f"{gid} has no points"
        assert meta.get("locked"), f"{gid} must be locked"
        assert gid.startswith("test_"), f"test cell {gid} should be named test_<what it checks>"
        assert re.match(r'^"""[^\n]+"""\n', cell.source), f"{gid} should open with a one-line docstring"
        visible, hidden = notebooks.split_hidden(cell.source)
        assert notebooks.HIDDEN_BEGIN in cell.source and hidden.strip(), f"{gid} has no hidden tests"
        assert re.search(r"\bassert\b|checks\.check_", visible), f"{gid} has no visible test"
        assert cell.source.rstrip().endswith(notebooks.HIDDEN_END), f"{gid}: hidden tests come last in the cell"


def test_every_solution_cell_is_tested_before_the_next_one(assignment):
    pending = None
    for cell in _source(assignment).cells:
        if notebooks.is_solution(cell) and not notebooks.is_manual(cell):
            assert pending is None, f"solution cell {pending} has no test cell after it"
            pending = notebooks.grade_id(cell)
            assert notebooks.SOLUTION_BEGIN in cell.source and notebooks.SOLUTION_END in cell.source, (
                f"{pending}: keep the def line outside ### BEGIN/END SOLUTION so students see the signature"
            )
        elif notebooks.is_test(cell):
            pending = None
    assert pending is None, f"solution cell {pending} has no test cell after it"


def test_points_in_headings_equal_metadata(assignment):
    sections: list[tuple[str, float, float]] = []  # heading, points written, points in metadata
    for cell in _source(assignment).cells:
        if cell.cell_type == "markdown":
            for regex in (EXERCISE, INTERVIEW):
                match = regex.search(cell.source)
                if match:
                    sections.append((match.group(0).strip(), float(match.group(1)), 0.0))
        if notebooks.meta(cell).get("grade"):
            assert sections, f"graded cell {notebooks.grade_id(cell)} comes before any exercise heading"
            heading, written, total = sections[-1]
            sections[-1] = (heading, written, total + float(notebooks.meta(cell)["points"]))
    assert sections, "no '## Exercise N.M: title (P points)' headings found"
    for heading, written, total in sections:
        assert written == total, f"'{heading}' says {written:g} points; its graded cells hold {total:g}"


def test_size_of_the_assignment(assignment):
    nb = _source(assignment)
    n_exercises = len(notebooks.solution_ids(nb))
    assert 5 <= n_exercises <= 7, f"{n_exercises} autograded exercises; the syllabus asks for 5 to 7"
    auto = sum(float(notebooks.meta(c)["points"]) for c in nb.cells if notebooks.is_test(c))
    assert 15 <= auto <= 25, f"{auto:g} autograded points; aim for about 20"
    manual = [c for c in nb.cells if notebooks.is_manual(c)]
    assert len(manual) == 1 and manual[0].cell_type == "markdown", "one manually graded interview answer (markdown)"
    assert notebooks.SOLUTION_BEGIN in manual[0].source and "Mark scheme" in manual[0].source, (
        "the interview answer's solution holds a model answer and a mark scheme"
    )


def test_every_exercise_has_a_hint(assignment):
    for cell in _source(assignment).cells:
        if cell.cell_type == "markdown" and EXERCISE.search(cell.source):
            assert "<details>" in cell.source and "Hint" in cell.source, (
                f"{EXERCISE.search(cell.source).group(0)}: add a hint"
            )


def test_every_test_cell_is_failed_by_a_named_wrong_answer(assignment):
    nb = _source(assignment)
    mutants = load_mutants(assignment)
    tests = set(notebooks.test_ids(nb))
    covered = {t for m in mutants for t in m.loses}
    assert tests <= covered, f"test cells without a mutant in tests/mutants/{assignment}.yml: {sorted(tests - covered)}"


def test_mutants_apply_to_the_current_reference(assignment):
    nb = _source(assignment)
    reference = notebooks.reference_code(nb)
    tests = set(notebooks.test_ids(nb))
    names = [m.name for m in load_mutants(assignment)]
    assert len(names) == len(set(names)), "mutant names must be unique"
    for mutant in load_mutants(assignment):
        assert mutant.cell in reference, f"{mutant.id}: no solution cell {mutant.cell!r}"
        assert set(mutant.loses) <= tests, f"{mutant.id}: unknown test cells {set(mutant.loses) - tests}"
        assert mutant.why.strip(), f"{mutant.id}: say what is wrong"
        mutant.apply(reference[mutant.cell])  # raises if a replacement no longer matches


def _names(source: str) -> tuple[set[str], set[str], set[tuple[str, str]], set[str]]:
    """Names a cell binds and reads: (assigned, module imports, from-imports as (name, origin), loaded)."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), set(), set(), set()
    assigned, modules, from_imports, loaded = set(), set(), set(), set()

    def top_level(node):
        """Walk the cell's own scope: function and class bodies have names of their own."""
        for child in ast.iter_child_nodes(node):
            yield child
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
                yield from top_level(child)

    for node in top_level(tree):
        if isinstance(node, ast.Name):
            (assigned if isinstance(node.ctx, ast.Store) else loaded).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            assigned.add(node.name)
        elif isinstance(node, ast.Import):
            modules.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            from_imports.update((a.asname or a.name, f"{node.module}.{a.name}") for a in node.names)
    return assigned, modules, from_imports, loaded


def test_test_cells_do_not_clobber_names_the_notebook_uses_later(assignment):
    """Test cells run in the notebook's namespace: a name they rebind must not be read by a later cell.

    Harmless rebinding: ``import keras`` where the notebook already has ``keras``,
    or the very same ``from x import y`` the notebook made.
    """
    clobbered: dict[str, str] = {}
    bound: set[str] = set()
    notebook_from_imports: set[tuple[str, str]] = set()
    for cell in _source(assignment).cells:
        if cell.cell_type != "code":
            continue
        assigned, modules, from_imports, loaded = _names(cell.source)
        if notebooks.is_test(cell):
            rebound = assigned | (modules - bound) | {n for n, o in from_imports - notebook_from_imports if n in bound}
            clobbered.update({n: notebooks.grade_id(cell) for n in rebound if n not in clobbered})
            continue
        stored = assigned | modules | {n for n, _ in from_imports}
        used = {n: clobbered[n] for n in loaded - stored if n in clobbered}
        assert not used, (
            f"cell {cell.get('id')} reads {used} (name: test cell that reassigned it); rename in one of them"
        )
        bound |= stored
        notebook_from_imports |= from_imports
        for name in stored:
            clobbered.pop(name, None)


def test_no_test_cell_gives_partial_credit(assignment):
    """nbgrader reads a number that a test cell's last line returns as partial credit; ours are all or nothing.

    A test cell ending in an expression (``len(result)``, a call that returns a
    value) would hand out a fraction of its points without saying why; each
    exercise's points are earned by passing its test cell, which the feedback
    explains by the failing test's message.
    """
    import ast

    for cell in _source(assignment).cells:
        if notebooks.is_test(cell):
            last = ast.parse(cell.source).body[-1]
            assert not isinstance(last, ast.Expr), (
                f"{notebooks.grade_id(cell)} ends with an expression: {ast.unparse(last)[:80]}"
            )
