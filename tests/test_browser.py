"""End to end in a real browser: ``make lab``'s JupyterLab, a student's notebook, nbgrader's extensions.

A temporary course (``nbgrader_config.py`` and ``source/02_data_quality``; never
the repository's ``source/`` or ``release/``) is served by ``python -m mlsys.lab``
on a free loopback port with a token, and headless Debian Chromium drives it:

1. the untouched release notebook, run top to bottom, fails its first visible
   test with ``NotImplementedError``;
2. the same notebook with the reference solutions filled in runs without an
   error, and nbgrader's *Validate* button says it passes all the tests;
3. the formgrader loads and lists the assignment, and JupyterLab's *Nbgrader*
   commands exist (the lab extension is on).

Screenshots go to ``artifacts/screenshots/`` (ignored by git). The tests skip,
saying why, only where Chromium or its driver cannot be started.
"""

from __future__ import annotations

import shutil

import pytest
from lab_browser import REPO, RUN_ALL_JS, RUN_CELL_JS, SCROLL_JS, Browser, BrowserUnavailable, Lab, error_outputs

from mlsys.grading import autograde, notebooks
from mlsys.lab import course_exchange

ASSIGNMENT = "02_data_quality"
SHOTS = REPO / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A private course: the config, one assignment's source, and a learner's two notebooks in work/."""
    root = tmp_path_factory.mktemp("lab-course")
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    source_nb = notebooks.read(REPO / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    release_nb = notebooks.read(REPO / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    notebooks.write(release_nb, root / "work" / "untouched" / f"{ASSIGNMENT}.ipynb")
    solved = notebooks.with_solutions(release_nb, notebooks.reference_code(source_nb))
    notebooks.write(solved, root / "work" / "solved" / f"{ASSIGNMENT}.ipynb")
    # the instructor releases the assignment to the exchange that `make lab` gives the assignment list
    exchange = course_exchange(root) or root / "exchange"
    exchange.mkdir(parents=True, exist_ok=True)
    for step in ("generate_assignment", "release_assignment"):
        log = root / f"{step}.log"
        code = autograde.run_nbgrader(root, step, ASSIGNMENT, "--force", f"--Exchange.root={exchange}", log=log)
        assert code == 0, f"nbgrader {step} failed:\n{log.read_text()[-2000:]}"
    return root


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium; the module skips, with the reason, when it cannot start."""
    chromium = Browser(tmp_path_factory.mktemp("chromium"))
    try:
        chromium.start()
    except BrowserUnavailable as why:
        chromium.stop()
        print(f"\nskipping the browser tests: {why}")
        pytest.skip(str(why))
    try:
        yield chromium
    finally:
        chromium.stop()


@pytest.fixture(scope="module")
def lab(course, browser, tmp_path_factory):
    """``python -m mlsys.lab`` on the temporary course; stopped with its kernels at the end, even on failure."""
    server = Lab(root=course, home=tmp_path_factory.mktemp("lab-home"))
    try:
        server.start()
        browser.driver.get(server.url("lab"))
        browser.wait_for("return !!(window.jupyterapp && window.jupyterapp.started)", 90, "JupyterLab to start")
        browser.wait_for("return document.querySelector('#jp-main-dock-panel') !== null", 30, "the main area")
        yield server
    finally:
        server.stop()


def _run_all(browser: Browser, lab: Lab, path: str) -> dict:
    result = browser.driver.execute_async_script(RUN_ALL_JS, path)
    lab.remember_children()
    assert "error" not in result, f"JupyterLab could not run {path}: {result.get('error')}"
    return result


def test_untouched_release_fails_its_visible_tests_in_jupyterlab(browser, lab):
    result = _run_all(browser, lab, f"work/untouched/{ASSIGNMENT}.ipynb")
    errors = error_outputs(result["cells"])
    assert errors, "running the untouched release should stop on an error"
    assert errors[0][1]["ename"] == "NotImplementedError", f"first error: {errors[0][1]['ename']}"
    assert result["ok"] is False, "JupyterLab should report that Run All stopped on the error"
    # Run All stops at the first cell that calls a stub; the student then runs the exercise's test cell.
    test_cell = next(c for c in result["cells"] if notebooks.meta(c).get("grade_id") == "test_clean_numeric")
    ran = browser.driver.execute_async_script(RUN_CELL_JS, test_cell["index"])
    assert "error" not in ran, ran.get("error")
    cell = ran["cell"]
    assert ran["ok"] is False and cell["execution_count"], "the test cell should run and fail"
    failures = [o for o in cell["outputs"] if o["output_type"] == "error"]
    assert [o["ename"] for o in failures] == ["NotImplementedError"], f"visible test outputs: {cell['outputs']}"
    assert "clean_numeric" in "".join(failures[0]["traceback"]), "the traceback should point at the student's stub"
    browser.driver.execute_async_script(SCROLL_JS, test_cell["index"])
    shown = browser.wait_for(
        "return [...document.querySelectorAll('.jp-Cell.jp-mod-active .jp-OutputArea-output')]"
        ".map(e => e.innerText).join('\\n')",
        30,
        "the test cell's error to be rendered",
    )
    assert "NotImplementedError" in shown, f"the visible test's failure should be on the page, got {shown[:300]!r}"
    browser.screenshot(SHOTS / "01_untouched_release_fails.png")
    print(f"\n  untouched: Run All took {result['seconds']:.1f} s, stopped on NotImplementedError; the test fails")


def test_reference_solutions_pass_and_validate(browser, lab):
    path = f"work/solved/{ASSIGNMENT}.ipynb"
    result = _run_all(browser, lab, path)
    errors = error_outputs(result["cells"])
    assert not errors, f"the reference solutions raised: {[(o['ename'], o.get('evalue')) for _, o in errors][:3]}"
    assert result["ok"] is True, "Run All should finish without an error"
    unrun = [c["index"] for c in result["cells"] if c.get("source") and c.get("execution_count") is None]
    assert not unrun, f"cells {unrun} did not run"
    tests = [c for c in result["cells"] if notebooks.meta(c).get("grade") and not notebooks.meta(c).get("solution")]
    assert len(tests) == 7, f"expected 7 test cells, found {len(tests)}"
    # the same visible test that failed on the untouched release, now without an error
    first_test = next(c for c in tests if notebooks.meta(c).get("grade_id") == "test_clean_numeric")
    assert first_test["execution_count"] and not first_test["outputs"], first_test["outputs"]
    browser.driver.execute_async_script(SCROLL_JS, first_test["index"])
    browser.screenshot(SHOTS / "02_reference_solutions_pass.png")
    print(f"\n  solved: Run All took {result['seconds']:.1f} s, {len(tests)} test cells ran without an error")

    # nbgrader's Validate button (the validate_assignment server extension runs `nbgrader validate`)
    button = browser.wait_for(
        "return [...document.querySelectorAll('.jp-NotebookPanel-toolbar jp-button')]"
        ".find(b => b.offsetParent !== null && b.innerText.trim() === 'Validate')",
        30,
        "nbgrader's Validate button in the notebook toolbar",
    )
    button.click()
    message = browser.wait_for(
        "const m = document.querySelector('#validation-message');"
        "return m && (m.classList.contains('validation-success') || m.classList.contains('validation-failed')"
        " || m.innerText.length > 0) ? m.className + '|' + m.innerText : null",
        180,
        "nbgrader's validation dialog",
    )
    lab.remember_children()
    browser.screenshot(SHOTS / "03_validate_passes.png")
    assert "validation-success" in message, f"Validate did not pass: {message[:800]}"
    assert "passes all the tests" in message
    browser.driver.execute_script("document.querySelector('.jp-Dialog .jp-mod-accept')?.click()")


def test_formgrader_loads_and_lists_the_assignment(browser, lab):
    driver = browser.driver
    commands = driver.execute_script(
        "return ['nbgrader:open-formgrader', 'nbgrader:open-assignment-list']"
        ".filter(c => window.jupyterapp.commands.hasCommand(c))"
    )
    assert commands == ["nbgrader:open-formgrader", "nbgrader:open-assignment-list"], (
        f"nbgrader's lab extension should add its commands; found {commands}"
    )
    # a student's view: the released assignment is listed, and Fetch downloads it
    driver.execute_script("window.jupyterapp.commands.execute('nbgrader:open-assignment-list')")
    released = browser.wait_for(
        "const w = [...document.querySelectorAll('.jp-MainAreaWidget')].find(w => w.offsetParent !== null"
        " && /Released assignments/.test(w.innerText)); return w && /" + ASSIGNMENT + "/.test(w.innerText)"
        " ? w.innerText : null",
        60,
        "the assignment list to show the released assignment",
    )
    assert "does not exist" not in released, f"the assignment list has no exchange: {released[:400]}"
    assert "mlsys" in released, "the course id should be shown"
    fetch = browser.wait_for(
        "return [...document.querySelectorAll('button')].find(b => b.offsetParent !== null"
        " && b.innerText.trim() === 'Fetch')",
        30,
        "the Fetch button",
    )
    fetch.click()
    browser.wait_for(
        "const list = document.querySelector('#fetched_assignments_list');"
        "return list && list.innerText.includes('" + ASSIGNMENT + "')",
        60,
        "the fetched assignment under Downloaded assignments",
    )
    assert (lab.root / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists(), "Fetch should copy the notebook into the course"
    browser.screenshot(SHOTS / "04_assignment_list.png")

    driver.get(lab.url("formgrader"))
    browser.wait_for(
        "return document.readyState === 'complete' && document.body.innerText.includes('" + ASSIGNMENT + "')",
        60,
        "the formgrader to list the assignment",
    )
    text = driver.execute_script("return document.body.innerText")
    assert "Manage Assignments" in text, "the formgrader's Manage Assignments page should load"
    assert "does not exist" not in text, "the formgrader should find the course's exchange"
    assert "released" in text, "the assignment released in the fixture should show as released"
    browser.screenshot(SHOTS / "05_formgrader.png")
