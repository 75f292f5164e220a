"""Instructor tools around real nbgrader.

- :mod:`~mlsys.grading.notebooks`: reading notebooks and their nbgrader cells;
  building reference and partial submissions from ``source/`` and ``release/``.
- :mod:`~mlsys.grading.preclean`: repairs a submission before nbgrader sees it
  (renamed notebook, duplicated graded cells) and records what it found.
- :mod:`~mlsys.grading.autograde`: runs ``nbgrader autograde`` once per
  submission, in parallel, with progress, a time limit and a recorded outcome.
- :mod:`~mlsys.grading.feedback`: the nbgrader preprocessor that keeps hidden
  tests out of feedback.
- :mod:`~mlsys.grading.report`: scores from the gradebook, CSV export, tables.
- :mod:`~mlsys.grading.demo`: the demo class graded by ``make demo``.

Command line: ``python -m mlsys.grading --help``.
"""
