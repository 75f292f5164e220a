"""Start each submission's ``nbgrader autograde`` by forking a process that has nbgrader imported.

Grading runs one nbgrader process per submission, so that nothing one student's
notebook does can touch another's grading. Starting Python and importing
nbgrader, nbconvert, jupyter_client, SQLAlchemy and jsonschema costs about 3 s of
CPU per process, a quarter of a short notebook's grading. The fork server pays
it once per grading run: a helper process (this module run as a script) imports
all of it and then forks one child per submission. Each child is a new process
(its own session, killed with the helper, output to the submission's log) that
runs ``nbgrader autograde ...`` exactly as the ``nbgrader`` script would, reading
``nbgrader_config.py`` afresh; what nbgrader does is unchanged, only the imports
are shared (copy-on-write).

The helper is single-threaded and imports nothing that starts a thread, so
forking it is safe. ``MLSYS_FORK=off`` turns the fork server off (one
``nbgrader`` process started from scratch per submission, as before).

Protocol, JSON lines: the client writes ``{"id", "args", "cwd", "env", "log"}``;
the helper answers ``{"ready": true}`` once, then ``{"id", "pid"}`` when it has
forked the child and ``{"id", "exit"}`` when the child has ended.
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path

from mlsys.grading import sandbox

MODE_ENV = "MLSYS_FORK"

#: Modules every ``nbgrader autograde`` process imports; the helper imports them once.
PRELOAD = (
    "nbgrader.apps.nbgraderapp",
    "nbgrader.apps.autogradeapp",
    "nbgrader.converters.autograde",
    "nbgrader.preprocessors",
    "nbgrader.api",
    "nbconvert",
    "nbclient",
    "jupyter_client",
    "jupyter_client.ioloop",
    "zmq.asyncio",
    "sqlalchemy",
    "nbformat",
    "mlsys.repro",
    "mlsys.grading.execute",
    "mlsys.grading.sandbox",
)


def enabled() -> bool:
    """False when ``MLSYS_FORK=off``."""
    return os.environ.get(MODE_ENV, "on").lower() not in ("off", "0", "no", "false")


class ForkServerGone(RuntimeError):
    """The helper process is not running (it failed to start or died): start nbgrader the ordinary way."""


class _Job:
    def __init__(self) -> None:
        self.pid: int | None = None
        self.code: int | None = None
        self.started = threading.Event()
        self.ended = threading.Event()


class ForkServer:
    """Client of the helper process; :meth:`run` is safe to call from several threads at once."""

    def __init__(self, course_root: Path, env: dict[str, str], nbgrader: str, start_timeout: float = 120) -> None:
        # the helper dies with us, and its children with it
        cmd = sandbox.killed_with_caller([sys.executable, "-m", "mlsys.grading.forkserver", nbgrader])
        self._proc = subprocess.Popen(
            cmd,
            cwd=course_root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        self._lock = threading.Lock()
        self._jobs: dict[int, _Job] = {}
        self._next = 0
        self._gone = False
        self._ready = threading.Event()
        self._start_timeout = start_timeout
        # The helper imports in the background; the first :meth:`run` waits for it.
        threading.Thread(target=self._read, name="forkserver-reader", daemon=True).start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            try:
                message = json.loads(line)
            except ValueError:  # something printed on the helper's stdout while importing
                continue
            if message.get("ready"):
                self._ready.set()
                continue
            job = self._jobs.get(message["id"])
            if job is None:
                continue
            if "pid" in message:
                job.pid = message["pid"]
                job.started.set()
            if "exit" in message:
                job.code = message["exit"]
                job.ended.set()
        with self._lock:  # the helper is gone: nothing pending will ever be answered
            self._gone = True
            for job in self._jobs.values():
                job.started.set()
                job.ended.set()
        self._ready.set()

    def run(self, args: list[str], cwd: Path, env: dict[str, str], log: Path | None, timeout: float | None) -> int:
        """Run ``nbgrader <args>`` in a fresh child; like ``Popen(...).wait(timeout)``.

        Raises ``subprocess.TimeoutExpired`` (after killing the child and its session)
        and :class:`ForkServerGone` when the helper is not there to fork it.
        """
        if not self._ready.wait(self._start_timeout):
            raise ForkServerGone(f"the fork server was not ready after {self._start_timeout:g} s")
        job = _Job()
        with self._lock:
            if self._gone:
                raise ForkServerGone("the fork server is not running")
            self._next += 1
            key = self._next
            self._jobs[key] = job
            request = {"id": key, "args": args, "cwd": str(cwd), "env": env, "log": str(log) if log else None}
            try:
                assert self._proc.stdin is not None
                self._proc.stdin.write((json.dumps(request) + "\n").encode())
                self._proc.stdin.flush()
            except OSError as error:
                self._gone = True
                raise ForkServerGone(f"the fork server is not running ({error})") from None
        try:
            job.started.wait()
            if job.pid is None:
                raise ForkServerGone("the fork server ended before it started nbgrader")
            if not job.ended.wait(timeout):
                self._kill(job.pid)
                job.ended.wait()
                raise subprocess.TimeoutExpired(["nbgrader", *args], timeout or 0)
            if job.code is None:
                self._kill(job.pid)
                raise ForkServerGone("the fork server ended while nbgrader ran")
            return job.code
        finally:
            with self._lock:
                self._jobs.pop(key, None)

    @staticmethod
    def _kill(pid: int) -> None:
        try:
            os.killpg(pid, signal.SIGKILL)  # the child leads its own session: nbgrader and its kernel
        except (ProcessLookupError, PermissionError):
            pass

    def kill_running(self) -> None:
        """Kill every child that is still grading."""
        with self._lock:
            pids = [job.pid for job in self._jobs.values() if job.pid is not None and not job.ended.is_set()]
        for pid in pids:
            self._kill(pid)

    def close(self) -> None:
        """Stop the helper (children still running are killed with it)."""
        try:
            if self._proc.stdin:
                self._proc.stdin.close()
        except OSError:
            pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


# --- the helper process ---------------------------------------------------------


def _child(nbgrader: str, request: dict, helper: int) -> None:
    """In the forked child: become ``nbgrader <args>`` and exit with its status. Never returns."""
    code = 1
    try:
        os.setsid()
        if not sandbox.die_with_parent(helper):
            return  # the helper was killed before the signal was set up: so was the grading run
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        log = request.get("log") or os.devnull
        out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(out)
        os.close(devnull)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        import tempfile

        tempfile.tempdir = None  # TMPDIR may differ from the helper's
        sys.argv = [nbgrader, *request["args"]]
        from nbgrader.apps.nbgraderapp import main

        result = main()
        code = result if isinstance(result, int) else 0
    except SystemExit as stop:
        if stop.code is None:
            code = 0
        elif isinstance(stop.code, int):
            code = stop.code
        else:
            print(stop.code, file=sys.stderr)
            code = 1
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        try:
            import atexit

            atexit._run_exitfuncs()  # e.g. the sandbox's private kernel folder is removed
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve(nbgrader: str) -> None:
    """The helper's loop: read requests on stdin, fork, report pids and exit statuses on stdout."""
    import importlib

    # the nbgrader script's own sys.path[0] is its folder, not the working folder
    sys.path[0] = str(Path(nbgrader).parent)
    for name in PRELOAD:
        importlib.import_module(name)
    gc.freeze()  # the children's garbage collector leaves the shared imports alone: fewer copied pages
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the client stops us by closing stdin

    def say(message: dict) -> None:
        os.write(1, (json.dumps(message) + "\n").encode())

    say({"ready": True})
    helper = os.getpid()
    children: dict[int, int] = {}
    buffer = b""
    open_input = True
    while open_input or children:
        readable, _, _ = select.select([0] if open_input else [], [], [], 0.05)
        if readable:
            chunk = os.read(0, 1 << 20)
            if not chunk:
                open_input = False
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    _child(nbgrader, request, helper)
                children[pid] = request["id"]
                say({"id": request["id"], "pid": pid})
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            say({"id": children.pop(pid), "exit": os.waitstatus_to_exitcode(status)})


if __name__ == "__main__":
    serve(sys.argv[1])
