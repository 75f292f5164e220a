"""Instructor tools around real nbgrader.

- :mod:`~mlsys.grading.notebooks`: reading notebooks and their nbgrader cells;
  building reference and partial submissions from ``source/`` and ``release/``.
- :mod:`~mlsys.grading.preclean`: repairs a submission before nbgrader sees it
  (renamed notebook, duplicated graded cells, stripped metadata) and records what it found.
- :mod:`~mlsys.grading.autograde`: runs ``nbgrader autograde`` once per
  submission, in parallel, with progress, a time limit, retries, resume, shards
  and a recorded outcome.
- :mod:`~mlsys.grading.sandbox`: the kernel launcher that confines student code
  (bubblewrap, resource limits).
- :mod:`~mlsys.grading.execute` and :mod:`~mlsys.grading.guard`: nbgrader's
  executor, surviving dead and stuck kernels and undoing tampering before tests.
- :mod:`~mlsys.grading.feedback`: the nbgrader preprocessor that keeps hidden
  tests out of feedback.
- :mod:`~mlsys.grading.report`: scores from the gradebook, CSV export, tables.
- :mod:`~mlsys.grading.demo`: the demo class graded by ``make demo``.
- :mod:`~mlsys.grading.instructor_report`: the score histogram and per-test-cell
  pass rates written after grading.
- :mod:`~mlsys.grading.selfgrade`: ``make self-grade`` and ``make solutions``.

Command line: ``python -m mlsys.grading --help``.
"""
