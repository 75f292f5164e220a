"""Grade a blind adversary's answers through real nbgrader and report the catch rate.

A blind adversary (a person or a helper session that saw only the release notebook) writes,
per exercise, plausible wrong answers and correct alternatives in ``<dir>/<assignment>/answers.yml``:

    - name: short_name
      cell: grade_id of the solution cell
      kind: wrong            # or: correct
      why: what is wrong (or how this correct answer differs)
      code: |
        def ...

Each answer replaces the reference solution of its cell; answers on different cells share a
submission. A wrong answer is *caught* when the test cell of its exercise loses points; a correct
one is *accepted* when that test cell keeps all of them. ``--repo`` grades against another checkout
(``git worktree add /tmp/before <commit>``) to measure the tests as they were.

    python tools/blind_adversary.py /path/to/answers-dir [--repo /tmp/before] [--csv out.csv]

``--in-process`` measures in minutes instead of most of an hour: each assignment's source notebook
runs once in one kernel, then, per answer, the answer's code, its exercise's test cell, and the
reference code again. It does not see interactions between cells (the real grading's ``loses``
checks do) nor the grading sandbox: use it while writing tests, and the real grading for a figure.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import harness  # noqa: E402

from mlsys.grading import notebooks  # noqa: E402


def load_answers(path: Path, assignment: str, test_cells: dict[str, str]) -> list[harness.Mutant]:
    answers = []
    for e in yaml.safe_load(path.read_text()) or []:
        kind = e.get("kind", "wrong")
        answer = harness.Mutant(
            assignment, e["name"], e.get("why", ""), e["cell"], [test_cells[e["cell"]]], code=e["code"]
        )
        answer.requirement = kind  # reused as the answer's kind
        answers.append(answer)
    return answers


def grade_in_process(assignment: str, answers: list[harness.Mutant], repo: Path) -> dict[str, tuple[float, float]]:
    """``{answer name: (score, max)}`` of each answer's test cell, one kernel for the whole assignment."""
    import queue

    from jupyter_client.manager import start_new_kernel

    from mlsys.grading import autograde

    nb = notebooks.read(repo / "source" / assignment / f"{assignment}.ipynb")
    code = {notebooks.grade_id(c): c.source for c in nb.cells if c.cell_type == "code" and notebooks.grade_id(c)}
    manager, client = start_new_kernel(
        kernel_name="python3", cwd=str(repo / "source" / assignment), env=autograde.grading_env()
    )

    def run(source: str) -> bool:
        """True when the code ran without an error."""
        msg_id, failed = client.execute(source, store_history=False), False
        while True:
            try:
                msg = client.get_iopub_msg(timeout=300)
            except queue.Empty:
                return False
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            failed |= msg["msg_type"] == "error"
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return not failed

    try:
        for cell in nb.cells:
            if cell.cell_type == "code" and not run(cell.source) and notebooks.is_test(cell):
                raise RuntimeError(f"{assignment}: the reference fails {notebooks.grade_id(cell)}")
        scores = {}
        for answer in answers:
            run(answer.apply(code[answer.cell]))
            passed = run(code[answer.loses[0]])
            run(code[answer.cell])  # the reference again, for the next answer
            scores[answer.name] = (1.0 if passed else 0.0, 1.0)
        return scores
    finally:
        manager.shutdown_kernel(now=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("answers", type=Path)
    parser.add_argument("--repo", type=Path, default=harness.REPO)
    parser.add_argument("--csv", type=Path)
    parser.add_argument("--workers", type=int)
    parser.add_argument(
        "--in-process", action="store_true", help="one kernel per assignment, not real nbgrader (quick)"
    )
    args = parser.parse_args(argv)
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    extra = {}
    for path in sorted(args.answers.glob("*/answers.yml")):
        assignment = path.parent.name
        source_nb = notebooks.read(args.repo / "source" / assignment / f"{assignment}.ipynb")
        extra[assignment] = {"blind": load_answers(path, assignment, harness.test_cell_of(source_nb))}
    scored = []  # (assignment, answer, (score, maximum) of its exercise's test cell)
    if args.in_process:
        for assignment, sets in sorted(extra.items()):
            scores = grade_in_process(assignment, sets["blind"], args.repo)
            scored += [(assignment, answer, scores[answer.name]) for answer in sets["blind"]]
    else:
        with tempfile.TemporaryDirectory(prefix="blind-") as tmp:
            course = harness.build_course(
                Path(tmp) / "course",
                sorted(extra),
                workers=args.workers,
                extra=extra,
                course_students=False,
                feedback=False,
                repo=args.repo,
            )
        for assignment, groups in sorted(course.mutant_groups.items()):
            for student, group in groups:
                cells = course.cells.get((student, assignment), {})
                scored += [(assignment, answer, cells.get(answer.loses[0], (0.0, 1.0))) for answer in group]
    rows = []
    for assignment, answer, (score, maximum) in scored:
        lost = score < maximum
        good = lost if answer.requirement == "wrong" else not lost
        rows.append(
            {
                "assignment": assignment,
                "cell": answer.cell,
                "name": answer.name,
                "kind": answer.requirement,
                "test_cell": answer.loses[0],
                "score": f"{score:g}/{maximum:g}",
                "outcome": ("caught" if lost else "MISSED")
                if answer.requirement == "wrong"
                else ("accepted" if good else "REJECTED"),
                "why": answer.why,
            }
        )
    if args.csv:
        with args.csv.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    for row in rows:
        print(f"{row['assignment']:22s} {row['kind']:7s} {row['outcome']:8s} {row['cell']:24s} {row['name']}")
    print()
    for assignment in sorted({r["assignment"] for r in rows}):
        mine = [r for r in rows if r["assignment"] == assignment]
        wrong = [r for r in mine if r["kind"] == "wrong"]
        right = [r for r in mine if r["kind"] != "wrong"]
        caught = sum(r["outcome"] == "caught" for r in wrong)
        accepted = sum(r["outcome"] == "accepted" for r in right)
        print(
            f"{assignment}: wrong answers caught {caught}/{len(wrong)}, "
            f"correct alternatives accepted {accepted}/{len(right)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
