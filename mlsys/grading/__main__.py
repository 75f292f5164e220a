"""Command line of the course's grading tools: ``python -m mlsys.grading <command>``.

Commands (the Makefile calls them):

- ``release``: regenerate ``release/`` from ``source/`` with nbgrader.
- ``demo``: regenerate the release, build the demo class, grade it, write
  feedback and grades.csv, print the score table.
- ``grade``: grade what is in ``submitted/`` (optionally some assignments,
  students or one shard), keeping what earlier runs finished; write feedback,
  grades.csv and the instructor report, print the score table.
- ``bench``: time each reference notebook and grade a demo class four ways
  (speed-up over serial nbgrader, overhead over bare nbconvert); reported, never asserted.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mlsys import COURSE_ROOT
from mlsys.grading import autograde, demo, instructor_report, notebooks, report


def _say(step: str) -> None:
    print(f"\n== {step}", flush=True)


def regenerate_release(course_root: Path, assignments: Sequence[str]) -> None:
    """``nbgrader generate_assignment --force`` for each assignment; stops on the first failure."""
    for assignment in assignments:
        log = course_root / "logs" / f"generate_{assignment}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        code = autograde.run_nbgrader(course_root, "generate_assignment", assignment, "--force", log=log)
        if code != 0:
            sys.exit(f"nbgrader generate_assignment {assignment} failed (exit {code}); see {log}")
        print(f"  release/{assignment}/ generated ({time.perf_counter() - start:.1f} s)", flush=True)


def feedback_and_export(course_root: Path, outcomes: Sequence[autograde.Outcome], workers: int | None = None) -> None:
    """Feedback for every graded submission, then ``grades.csv`` and the per-exercise CSV."""
    graded = [o for o in outcomes if o.status in ("graded", "timed out") and o.score is not None]
    by_assignment: dict[str, list[autograde.Outcome]] = {}
    for o in graded:
        by_assignment.setdefault(o.assignment, []).append(o)
    workers = max(1, min(workers or os.cpu_count() or 1, len(by_assignment) or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for assignment in pool.map(lambda a: write_feedback(course_root, a, by_assignment[a]), sorted(by_assignment)):
            print(f"  feedback/<student>/{assignment}/ written", flush=True)
    log = course_root / "logs" / "export.log"
    if autograde.run_nbgrader(course_root, "export", "--to", str(course_root / "grades.csv"), log=log) != 0:
        print(f"  nbgrader export failed; see {log}", flush=True)
    else:
        print("  grades.csv written (nbgrader export)", flush=True)
    scores = [s for o in graded for s in o.scores]
    report.write_cell_csv(scores, course_root / "grades_by_exercise.csv")
    print("  grades_by_exercise.csv written (one row per test cell)", flush=True)
    instructor_report.write(course_root, graded)


def write_feedback(course_root: Path, assignment: str, graded: Sequence[autograde.Outcome]) -> str:
    """``nbgrader generate_feedback`` for the ``graded`` submissions of one assignment, in one process.

    One nbgrader process per assignment, not per student: starting nbgrader costs
    about 5 s, writing one page about 1 s. Other students' autograded folders
    (not graded in this run) are excluded by name. nbgrader goes on past a
    student whose page fails and names that student in its log; the student's
    outcome then says so.
    """
    log = course_root / "logs" / "feedback" / f"{assignment}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    wanted = {o.student for o in graded}
    folder = course_root / "autograded"
    others = sorted(d.name for d in folder.iterdir() if d.name not in wanted) if folder.is_dir() else []
    args = ["generate_feedback", assignment, "--force"]
    if any("," in name for name in others):  # nbgrader's exclusion list is comma-separated
        for o in graded:
            one = log.with_name(f"{assignment}-{o.student}.log")
            if autograde.run_nbgrader(course_root, *args, "--student", o.student, log=one) != 0:
                o.notes.append(f"feedback could not be generated (log: {one})")
        return assignment
    if others:
        args.append("--CourseDirectory.student_id_exclude=" + ",".join(others))
    if autograde.run_nbgrader(course_root, *args, log=log) != 0:
        text = log.read_text(errors="replace") if log.exists() else ""
        failed = set(re.findall(rf"error processing assignment '{re.escape(assignment)}' for student '([^']*)'", text))
        for o in graded:
            if o.student in failed or not failed:
                o.notes.append(f"feedback could not be generated (log: {log})")
    return assignment


def print_results(outcomes: Sequence[autograde.Outcome]) -> None:
    """The student x assignment table of autograded points, then every recorded note."""
    scores = [s for o in outcomes for s in o.scores]
    students = sorted({o.student for o in outcomes})
    assignments = sorted({o.assignment for o in outcomes})
    print("\nAutograded points (manually graded interview questions are not included):\n")
    print(report.score_table(scores, students, assignments))
    noted = [o for o in outcomes if o.notes or o.status != "graded"]
    if noted:
        print("\nRecorded outcomes (also in grading_log.csv):")
        for o in noted:
            print(f"  - {o.summary}")


def cmd_release(args: argparse.Namespace) -> int:
    root = args.course_root
    regenerate_release(root, args.assignments or notebooks.assignment_ids(root))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    root = args.course_root
    start = time.perf_counter()
    assignments = args.assignments or notebooks.assignment_ids(root)
    if not assignments:
        sys.exit("no assignments under source/")
    _say(f"1/5 Regenerating release/ for {', '.join(assignments)}")
    regenerate_release(root, assignments)
    _say("2/5 Building the demo class in submitted/")
    demo.clean_demo_outputs(root)
    pairs = demo.build_demo_class(root, assignments)
    for student, (_, _, what, _) in demo.STUDENTS.items():
        print(f"  {student:<24} {what}")
    _say(f"3/5 Autograding {len(pairs)} submissions with nbgrader ({args.workers or 'all'} workers)")
    from mlsys.grading import sandbox

    if sandbox.enabled() and sandbox.problem():
        # The demo class is the course's own code: show grading without the sandbox rather than not at all.
        print(f"  note: {sandbox.problem()}; the demo class is graded without the sandbox")
        os.environ[sandbox.MODE_ENV] = "off"
    outcomes = autograde.grade(root, assignments, sorted({s for s, _ in pairs}), workers=args.workers, force=True)
    _say("4/5 Feedback and grade export")
    feedback_and_export(root, outcomes, args.workers)
    _say("5/5 Results")
    print_results(outcomes)
    print(f"\nDemo finished in {time.perf_counter() - start:.0f} s wall time.")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    root = args.course_root
    start = time.perf_counter()
    # A batch scheduler stops a job with SIGTERM: finish like Ctrl-C, saving what was graded.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        outcomes = autograde.grade(
            root,
            args.assignments,
            args.students,
            workers=args.workers,
            shard=args.shard,
            shard_by=args.shard_by,
            force=args.force,
        )
    except autograde.GradingError as error:
        print(f"grading could not run: {error}", file=sys.stderr)
        return 2
    except autograde.GradingInterrupted as stop:
        print(
            f"\ninterrupted: {len(stop.outcomes)} submission(s) finished and saved; run the same command again to "
            "grade the rest (finished ones are kept).",
            flush=True,
        )
        if stop.outcomes:
            feedback_and_export(root, stop.outcomes, args.workers)
        return 130
    if not outcomes:
        print("nothing to grade: no matching submissions under submitted/")
        return 0
    feedback_and_export(root, outcomes, args.workers)
    print_results(outcomes)
    print(f"\nGraded {len(outcomes)} submissions in {time.perf_counter() - start:.0f} s wall time.")
    return 0


def _shard(value: str) -> tuple[int, int]:
    try:
        k, n = (int(part) for part in value.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected K/N such as 1/4, got {value!r}") from None
    if not 1 <= k <= n:
        raise argparse.ArgumentTypeError(f"shard {value}: K must be between 1 and N")
    return k, n


def cmd_bench(args: argparse.Namespace) -> int:
    from mlsys.grading import bench

    root = args.course_root
    sections = {}
    if not args.skip_notebooks:
        _say("Reference notebooks, one at a time")
        rows = bench.run(root, args.assignments or notebooks.assignment_ids(root))
        sections[bench.NOTEBOOKS_HEADING] = bench.markdown(rows)
    if not args.skip_grading:
        _say("Grading a class four ways (several minutes)")
        result = bench.grade_class(root, args.grading_assignments, args.class_size, args.workers)
        sections[bench.GRADING_HEADING] = bench.class_markdown(result)
    for heading, text in sections.items():
        print(f"\n{heading}\n\n{text}")
    if args.write:
        path = root / "docs" / "benchmarks.md"
        bench.write_report(path, sections)
        print(f"\nwritten to {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlsys.grading", description=__doc__.split("\n\n")[0])
    parser.add_argument("--course-root", type=Path, default=COURSE_ROOT, help="folder with nbgrader_config.py")
    sub = parser.add_subparsers(dest="command", required=True)

    def names(value: str) -> list[str]:
        return [v for v in value.replace(",", " ").split() if v]

    for name, func, text in (
        ("release", cmd_release, "regenerate release/ with nbgrader"),
        ("demo", cmd_demo, "build and grade the demo class"),
        ("grade", cmd_grade, "grade submitted/"),
        ("bench", cmd_bench, "time the reference notebooks and grading a class"),
    ):
        p = sub.add_parser(name, help=text)
        p.set_defaults(func=func)
        p.add_argument("--assignments", type=names, default=None, help="assignment ids (default: all)")
        if name in ("demo", "grade"):
            p.add_argument("--workers", type=int, default=None, help="parallel submissions (default: cores)")
        if name == "bench":
            from mlsys.grading.bench import GRADING_ASSIGNMENTS

            p.add_argument("--write", action="store_true", help="also write docs/benchmarks.md")
            p.add_argument(
                "--grading-assignments",
                type=names,
                default=list(GRADING_ASSIGNMENTS),
                help=f"assignments of the graded class (default: {' '.join(GRADING_ASSIGNMENTS)})",
            )
            p.add_argument("--class-size", type=int, default=8, help="students in the graded class (default: 8)")
            p.add_argument("--workers", type=int, default=None, help="workers of the parallel grading (default: cores)")
            p.add_argument("--skip-notebooks", action="store_true", help="do not time the reference notebooks")
            p.add_argument("--skip-grading", action="store_true", help="do not grade the benchmark class")
        if name == "grade":
            p.add_argument("--students", type=names, default=None, help="student ids (default: all)")
            p.add_argument(
                "--shard", type=_shard, default=None, help="grade only shard K of N (e.g. 2/4), for several machines"
            )
            p.add_argument("--shard-by", choices=("student", "assignment"), default="student", help="how to split")
            p.add_argument(
                "--force", action="store_true", help="regrade submissions already graded from the same files"
            )
    args = parser.parse_args(argv)
    args.course_root = args.course_root.resolve()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
