"""A PostgreSQL gradebook (``MLSYS_DB_URL``) gives the same grades as sqlite, also when graded in shards.

A real PostgreSQL server (Debian's binaries, tests/pg_server.py) runs for this
module only. A small class of 02_data_quality (the fastest assignment) is graded
through the real command, ``python -m mlsys.grading --course-root <course> grade``:

- once on the sqlite gradebook, the baseline;
- once with ``MLSYS_DB_URL`` pointing at a PostgreSQL database;
- as two shards (``--shard 1/2`` and ``--shard 2/2``), two processes at the same
  time, each in its own copy of the course (as two grading machines would be)
  and both writing into one PostgreSQL database.

Every per-test-cell score must equal the sqlite baseline, and in the sharded run
every submission must be graded by exactly one of the two processes.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pg_server
import pytest
from harness import REPO, load_mutants

from mlsys.grading import autograde, demo, notebooks, report

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "02_data_quality"
#: Names chosen so that ``--shard 1/2`` and ``--shard 2/2`` each get two students (crc32 rule, checked below).
STUDENTS = ("reference", "untouched", "partial", "mutant")
GRADE_TIMEOUT_S = 600


def _shard_of(student: str, shards: int) -> int:
    """The shard (1-based) a student belongs to: zlib.crc32(id) % N == K - 1."""
    return zlib.crc32(student.encode()) % shards + 1


def test_mlsys_db_url_replaces_the_sqlite_gradebook(monkeypatch):
    url = "postgresql+psycopg2://grader@db.example:5432/mlsys"
    monkeypatch.setenv("MLSYS_DB_URL", url)
    assert report.db_url(REPO) == url
    monkeypatch.delenv("MLSYS_DB_URL")
    assert report.db_url(REPO) == f"sqlite:///{REPO / 'gradebook.db'}?timeout=60"


@pytest.fixture(scope="module")
def pg():
    """A PostgreSQL server for this module; stopped (and its folder removed) at the end."""
    try:
        server = pg_server.start()
    except pg_server.CannotStart as why:
        pytest.skip(f"cannot start a PostgreSQL server: {why}")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A course with the release generated and the class in submitted/, but no gradebook."""
    root = tmp_path_factory.mktemp("pg-template")
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MLSYS_DB_URL", raising=False)  # generate_assignment must not touch a server named outside
        mp.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
        log = root / "generate.log"
        assert autograde.run_nbgrader(root, "generate_assignment", ASSIGNMENT, "--force", log=log) == 0, (
            log.read_text()[-3000:]
        )
    source_nb = notebooks.read(root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    release_nb = notebooks.read(root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    reference = notebooks.reference_code(source_nb)
    mutant = load_mutants(ASSIGNMENT)[0]  # one named wrong answer: it loses some test cells, not all
    mutated = dict(reference) | {mutant.cell: mutant.apply(reference[mutant.cell])}
    submissions = {
        "reference": notebooks.with_solutions(release_nb, reference),
        "untouched": release_nb,
        "partial": demo.STUDENTS["demo-partial"][0](source_nb, release_nb),
        "mutant": notebooks.with_solutions(release_nb, mutated),
    }
    assert set(submissions) == set(STUDENTS)
    for student, nb in submissions.items():
        notebooks.write(nb, root / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    (root / "gradebook.db").unlink()  # each copy starts without a gradebook
    shutil.rmtree(root / "logs", ignore_errors=True)
    return root


def _copy(template: Path, name: str) -> Path:
    root = template.parent / name
    shutil.copytree(template, root)
    return root


def _grade(root: Path, db_url: str | None, *extra: str) -> subprocess.Popen:
    """Start ``python -m mlsys.grading --course-root <root> grade`` on sqlite (None) or ``db_url``."""
    env = autograde.grading_env()
    env.pop("MLSYS_DB_URL", None)
    if db_url:
        env["MLSYS_DB_URL"] = db_url
    cmd = [sys.executable, "-m", "mlsys.grading", "--course-root", str(root), "grade", *extra]
    return subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(proc: subprocess.Popen) -> str:
    try:
        output, _ = proc.communicate(timeout=GRADE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
        pytest.fail(f"grading ran past {GRADE_TIMEOUT_S} s:\n{output[-3000:]}")
    assert proc.returncode == 0, f"grading exited {proc.returncode}:\n{output[-3000:]}"
    return output


def _log(root: Path) -> dict[str, str]:
    """student -> status, from the course copy's grading_log.csv."""
    with open(root / "grading_log.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert all(r["assignment"] == ASSIGNMENT for r in rows)
    students = [r["student"] for r in rows]
    assert len(students) == len(set(students)), f"a submission appears twice in {root}/grading_log.csv: {students}"
    return {r["student"]: r["status"] for r in rows}


def _cells(url: str) -> dict[str, dict[str, tuple[float, float]]]:
    """student -> test cell -> (score, max) from a gradebook."""
    result = {}
    for student in STUDENTS:
        scores = report.submission_scores(url, ASSIGNMENT, student)
        assert len(scores) == 1, f"{student}: {len(scores)} graded notebooks in {url}"
        result[student] = scores[0].cells
    return result


@pytest.fixture(scope="module")
def sqlite_cells(template) -> dict[str, dict[str, tuple[float, float]]]:
    """The baseline: the class graded on the sqlite gradebook."""
    root = _copy(template, "on-sqlite")
    output = _finish(_grade(root, None))
    assert _log(root) == dict.fromkeys(STUDENTS, "graded"), output[-3000:]
    cells = _cells(f"sqlite:///{root / 'gradebook.db'}")
    # The comparisons below mean something only if the class has different scores.
    reference, untouched = cells["reference"], cells["untouched"]
    assert reference and all(s == m for s, m in reference.values()), f"reference lost points: {reference}"
    assert all(s == 0 for s, _ in untouched.values()), f"untouched release got points: {untouched}"
    for student in ("partial", "mutant"):
        total = sum(s for s, _ in cells[student].values())
        assert 0 < total < sum(m for _, m in reference.values()), f"{student} should get some points: {cells[student]}"
    return cells


def test_postgres_gradebook_gives_the_sqlite_grades(pg, template, sqlite_cells):
    root = _copy(template, "on-postgres")
    url = pg.create_database("whole_class")
    output = _finish(_grade(root, url))
    assert _log(root) == dict.fromkeys(STUDENTS, "graded"), output[-3000:]
    assert not (root / "gradebook.db").exists(), "MLSYS_DB_URL was set, yet a sqlite gradebook was written"
    assert _cells(url) == sqlite_cells
    assert (root / "grades.csv").exists(), "nbgrader export did not write grades.csv from PostgreSQL"


def test_two_shards_at_once_grade_each_submission_once(pg, template, sqlite_cells):
    expected = {k: {s for s in STUDENTS if _shard_of(s, 2) == k} for k in (1, 2)}
    assert expected[1] and expected[2], f"pick student names that fill both shards: {expected}"
    url = pg.create_database("sharded")
    roots = {k: _copy(template, f"shard-{k}") for k in (1, 2)}
    # As before grading on several machines (make release): the gradebook knows the assignment.
    env = autograde.grading_env() | {"MLSYS_DB_URL": url}
    setup = subprocess.run(
        [autograde.nbgrader_executable(), "generate_assignment", ASSIGNMENT, "--force"],
        cwd=roots[1], env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert setup.returncode == 0, setup.stdout[-2000:] + setup.stderr[-2000:]

    first = _grade(roots[1], url, "--shard", "1/2", "--shard-by", "student", "--workers", "1")
    second = _grade(roots[2], url, "--shard", "2/2", "--shard-by", "student", "--workers", "1")
    assert first.poll() is None, "shard 1/2 ended before shard 2/2 started:\n" + _finish(first)[-3000:]
    outputs = {1: _finish(first), 2: _finish(second)}

    for k in (1, 2):
        graded = _log(roots[k])
        assert set(graded) == expected[k], (
            f"shard {k}/2 graded {sorted(graded)}, expected {sorted(expected[k])}:\n{outputs[k][-3000:]}"
        )
        assert set(graded.values()) == {"graded"}, graded
        logged = {p.stem for p in (roots[k] / "logs" / "autograde" / ASSIGNMENT).glob("*.log")}
        assert logged == expected[k], f"shard {k}/2 ran nbgrader autograde for {sorted(logged)}"
    assert _cells(url) == sqlite_cells
