"""Helper package of the course "Engineering ML systems".

Students and instructors both have it. Each module is a room named for what it
holds:

- :mod:`mlsys.data`: offline data sets and generators (nothing downloads).
- :mod:`mlsys.repro`: seeding and a quiet TensorFlow for the notebooks' setup cell.
- :mod:`mlsys.plots`: plotting helpers that return matplotlib Figures.
- :mod:`mlsys.checks`: student-facing checks whose messages say what is wrong
  without giving the answer.
- :mod:`mlsys.grading`: instructor tools around real nbgrader (pre-clean of
  submissions, parallel autograde, the demo class, feedback, grade reports).
"""

from pathlib import Path

__version__ = "0.1.0"

#: The course root (the folder holding ``nbgrader_config.py``, ``source/`` and ``data/``).
COURSE_ROOT = Path(__file__).resolve().parent.parent
