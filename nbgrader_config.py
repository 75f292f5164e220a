"""nbgrader configuration of the course "Engineering ML systems".

Run every nbgrader command from this folder (nbgrader has no --config flag).
The course's own commands (``make demo``, ``make grade``, ``make test``) do.
"""

import os
import sys
from pathlib import Path

from mlsys.repro import QUIET_TF_ENV

c = get_config()  # noqa: F821 (injected by traitlets when it loads this file)

COURSE_ROOT = Path(__file__).resolve().parent

# --- the course and its gradebook -------------------------------------------
c.CourseDirectory.course_id = "mlsys"
c.CourseDirectory.root = str(COURSE_ROOT)
# sqlite at the course root; the busy timeout lets parallel autograde processes
# wait for the write lock instead of aborting with "database is locked".
# MLSYS_DB_URL, when set, replaces it: a shared gradebook for graders on several
# machines, e.g. MLSYS_DB_URL=postgresql+psycopg2://grader:secret@dbhost:5432/mlsys
# (the driver psycopg2-binary is pinned in requirements.txt; name it in the URL,
# as SQLAlchemy 2.1 reads a plain postgresql:// as psycopg 3; the database must exist).
c.CourseDirectory.db_url = os.environ.get("MLSYS_DB_URL") or f"sqlite:///{COURSE_ROOT / 'gradebook.db'}?timeout=60"

# --- executing submissions ---------------------------------------------------
# Cells train small models for a few seconds; 60 s leaves a slow laptop room
# and stops an infinite loop within a minute (the kernel is interrupted and
# grading goes on with the next cell).
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
# TensorFlow's C++ log lines are written to file descriptor 2. ipykernel would
# capture them into the cell as stderr, and nbgrader scores a test cell with any
# stderr output 0. Keep fd-level output out of the notebook, and keep the
# kernel's history in memory (nbgrader's own default for Python kernels).
c.Execute.extra_arguments = [
    "--HistoryManager.hist_file=:memory:",
    "--IPKernelApp.capture_fd_output=False",
]
# The kernel inherits this process' environment: quiet TensorFlow before it is
# imported. When nbgrader itself executes submissions (autograde, validate),
# Python warnings are off too: a library warning in a test cell must not cost a
# student points. JupyterLab, which also reads this file, keeps its warnings.
for key, value in QUIET_TF_ENV.items():
    os.environ.setdefault(key, value)
NBGRADER_COMMAND = sys.argv[1] if Path(sys.argv[0]).name == "nbgrader" and len(sys.argv) > 1 else None
if NBGRADER_COMMAND in ("autograde", "validate"):
    os.environ.setdefault("PYTHONWARNINGS", "ignore")

# A kernel that dies (os._exit, the memory limit) or a cell that ignores the
# interrupt would make nbgrader abandon the whole submission; the guarded
# executor fails that cell and every later one instead (a test cell that never
# ran must not count as passed), and grading goes on.
c.Autograde.autograde_preprocessors = [
    "mlsys.grading.execute.GuardedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# --- the sandbox -------------------------------------------------------------
# Student code runs in the kernel "mlsys-sandbox" while nbgrader autograde runs:
# bubblewrap, no network, the course folder hidden, a memory limit
# (mlsys/grading/sandbox.py; the README's threat model). The kernel talks to
# nbgrader over unix sockets, since it has no network. MLSYS_SANDBOX=off turns
# it off, for trusted code on a machine without bubblewrap.
if NBGRADER_COMMAND == "autograde":
    from mlsys.grading import sandbox

    if sandbox.enabled():
        sandbox.configure(c, COURSE_ROOT)

# A student who deletes a graded cell gets it back (a deleted test cell would
# otherwise silently score 0 and a deleted solution cell could not be graded).
c.OverwriteCells.add_missing_cells = True

# --- feedback ------------------------------------------------------------------
# Students see every exercise's score and the visible tests' messages, never the
# source of a hidden test nor the traceback of a failing hidden assert.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "mlsys.grading.feedback.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# --- the JupyterLab extension ---------------------------------------------------
# The assignment list needs a writable exchange; keep it inside the course.
c.Exchange.root = str(COURSE_ROOT / "exchange")
os.makedirs(c.Exchange.root, exist_ok=True)
