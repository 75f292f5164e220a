"""nbgrader's ``Execute`` preprocessor, hardened for grading code nobody has read.

nbgrader leaves holes that a submission can fall into (or use):

- when the kernel dies (``os._exit``, a crash, the memory limit), nbclient raises
  ``DeadKernelError`` and nbgrader abandons the whole submission;
- when a cell ignores the interrupt sent after its time limit, nbclient gives up
  waiting for its output with ``CellTimeoutError`` and nbgrader abandons the
  submission too;
- a student's cell can rebind what the tests call (``np.testing.assert_allclose
  = lambda *a, **k: None``) so that tests pass whatever the answer;
- any stderr output in a test cell scores it 0, so a library warning raised
  while a test calls the student's function would cost points.

:class:`GuardedExecute` handles each: a dead or stuck kernel is shut down, its
cell gets an error output that says what happened in plain words, and every
later code cell gets a "not run" error (nbgrader gives full points to a test
cell without an error output, so a cell that never ran must fail); before each
test cell, :mod:`mlsys.grading.guard` puts back what a student's cell replaced
and the cell's output says so; stderr in a test cell is kept as ordinary output.
"""

from __future__ import annotations

import ast

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute

from mlsys.grading import notebooks

#: ``ename`` of the error outputs this preprocessor writes (the outcome notes read them).
KERNEL_DIED = "KernelDied"
KERNEL_STUCK = "KernelDidNotStop"
NOT_RUN = "CellNotRun"
#: First words of the output line that reports undone tampering (the outcome notes read it).
RESTORED = "[grader] put back before this test ran:"
#: First words of a stderr stream that was kept as ordinary output in a test cell.
STDERR_KEPT = "[grader] printed on stderr (not counted as a failure):\n"

# Run as user expressions, which IPython evaluates as they are: an input transformer
# a student's cell installed (say, one that turns every cell into ``pass``) cannot touch them.
_GUARD = "__import__('mlsys.grading.guard', fromlist=['guard'])"
_SNAPSHOT = f"{_GUARD}.snapshot()"
_REMEMBER = f"{_GUARD}.remember_globals(globals())"
_RESTORE = f"{_GUARD}.restore(globals())"


def _error(ename: str, message: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=message, traceback=[f"{ename}: {message}"])


class GuardedExecute(Execute):
    """``Execute`` that survives a dead or stuck kernel and undoes tampering before tests."""

    _stopped_by: str | None = None
    _guarded: bool = False

    async def _silent(self, expression: str) -> object:
        """Evaluate instructor code in the kernel without touching the notebook; return its value."""
        msg_id = await ensure_async(
            self.kc.execute("", silent=True, store_history=False, user_expressions={"value": expression})
        )
        reply = await self.async_wait_for_reply(msg_id)
        if not reply or reply["content"].get("status") != "ok":
            return None
        value = reply["content"].get("user_expressions", {}).get("value", {})
        if value.get("status") != "ok":
            self.log.warning("guard %s failed: %s", expression, value.get("evalue"))
            return None
        try:
            return ast.literal_eval(value.get("data", {}).get("text/plain", "None"))
        except (ValueError, SyntaxError):
            return None

    async def async_execute_cell(
        self,
        cell: NotebookNode,
        cell_index: int,
        execution_count: int | None = None,
        store_history: bool = True,
    ) -> NotebookNode:
        runs = cell.cell_type == "code" and bool(cell.source.strip())
        if self._stopped_by is not None:
            if runs:
                cell.outputs = [_error(NOT_RUN, f"not run: {self._stopped_by}")]
            return cell
        is_test = notebooks.is_test(cell)
        undone = None
        try:
            if runs and not self._guarded:
                await self._silent(_SNAPSHOT)
                self._guarded = True
            if runs and is_test:
                undone = await self._silent(_RESTORE)
            result = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
            if runs and notebooks.meta(cell).get("locked") and not notebooks.is_solution(cell):
                await self._silent(_REMEMBER)
        except DeadKernelError:
            message = (
                "the kernel died while this cell ran (os._exit, a crash, or the memory limit); later cells were not run"
            )
            await self._stop(cell, KERNEL_DIED, message, "the kernel had died in an earlier cell")
            return cell
        except CellTimeoutError:
            message = (
                f"this cell ran past the {self.timeout} s time limit and did not stop when interrupted; "
                "the kernel was shut down and later cells were not run"
            )
            await self._stop(cell, KERNEL_STUCK, message, "an earlier cell did not stop when interrupted")
            return cell
        if is_test:
            self._keep_stderr(result)
            if undone:
                text = f"{RESTORED} {', '.join(undone)}\n"
                result.outputs.insert(0, NotebookNode(output_type="stream", name="stdout", text=text))
        return result

    # nbclient binds ``execute_cell`` to its own coroutine when the class is made; bind it to ours.
    execute_cell = run_sync(async_execute_cell)

    @staticmethod
    def _keep_stderr(cell: NotebookNode) -> None:
        """A warning printed while a test ran is not a failed test: keep it as ordinary output."""
        for output in cell.outputs:
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                output["name"] = "stdout"
                output["text"] = STDERR_KEPT + output.get("text", "")

    async def _stop(self, cell: NotebookNode, ename: str, message: str, later: str) -> None:
        self.log.warning("cell %s: %s", cell.get("id", "?"), message)
        cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "error"]
        cell.outputs.append(_error(ename, message))
        self._stopped_by = later
        if self.km is not None:
            try:
                await ensure_async(self.km.shutdown_kernel(now=True))
            except Exception as error:  # the kernel may already be gone
                self.log.debug("shutting the kernel down: %s", error)

    def preprocess(self, nb, resources=None, km=None):
        self._stopped_by = None
        self._guarded = False
        return super().preprocess(nb, resources, km)
