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
c.CourseDirectory.db_url = f"sqlite:///{COURSE_ROOT / 'gradebook.db'}?timeout=60"

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
if Path(sys.argv[0]).name == "nbgrader" and {"autograde", "validate"} & set(sys.argv[1:2]):
    os.environ.setdefault("PYTHONWARNINGS", "ignore")

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
