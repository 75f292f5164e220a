"""mlsys.grading.forkserver: nbgrader processes forked from one that has nbgrader imported.

Each child must behave like ``nbgrader <args>`` started from scratch in the
given folder with the given environment: it reads that folder's
``nbgrader_config.py`` afresh, its output goes to its own log, its exit status
comes back, and a child that runs too long is killed. The tests give the child a
config file that records what it saw, or that hangs, instead of a course.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlsys.grading import autograde, forkserver

CONFIG_THAT_RECORDS = """
import json, os, sys, tempfile
from pathlib import Path
Path("seen.json").write_text(json.dumps({
    "cwd": os.getcwd(), "env": os.environ.get("MLSYS_TEST_VALUE"), "argv": sys.argv,
    "pid": os.getpid(), "sid": os.getsid(0), "tmp": tempfile.gettempdir(),
}))
print("config loaded")
"""

#: A command that reads the folder's config and exits 0.
LIST_STUDENTS = ["db", "student", "list"]

CONFIG_THAT_HANGS = """
import os, time
from pathlib import Path
Path("pid").write_text(str(os.getpid()))
time.sleep(600)
"""


@pytest.fixture
def server(tmp_path):
    env = autograde.grading_env()
    server = forkserver.ForkServer(tmp_path, env, autograde.nbgrader_executable())
    yield server
    server.close()


def _env(**extra: str) -> dict[str, str]:
    return {**autograde.grading_env(), **extra}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead too
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "\nState:\tZ" not in status.read_text()


def test_child_is_nbgrader_in_the_given_folder_with_the_given_environment(server, tmp_path):
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "nbgrader_config.py").write_text(CONFIG_THAT_RECORDS)
    log = tmp_path / "log.txt"
    private_tmp = tmp_path / "private-tmp"
    private_tmp.mkdir()
    env = _env(MLSYS_TEST_VALUE="from the request", TMPDIR=str(private_tmp))
    code = server.run(LIST_STUDENTS, folder, env, log, timeout=60)
    assert code == 0
    assert "There are 0 students in the database" in log.read_text()  # nbgrader's own output, in this log
    assert (folder / "gradebook.db").exists()  # the folder's own gradebook
    seen = json.loads((folder / "seen.json").read_text())
    assert seen["cwd"] == str(folder)
    assert seen["env"] == "from the request"
    assert Path(seen["argv"][0]).name == "nbgrader" and seen["argv"][1:] == LIST_STUDENTS
    assert seen["sid"] == seen["pid"] != os.getpid()  # its own session: killing it kills what it started
    assert seen["tmp"] == str(private_tmp)  # TMPDIR of the request, not the helper's cached one


def test_exit_status_and_output_of_a_failing_command(server, tmp_path):
    log = tmp_path / "log.txt"
    code = server.run(["autograde", "no_such_assignment"], tmp_path, _env(), log, timeout=60)
    assert code != 0
    assert log.read_text().strip()  # nbgrader said why, in the log


def test_children_run_at_the_same_time(server, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    folders = []
    for k in range(3):
        folder = tmp_path / f"course{k}"
        folder.mkdir()
        (folder / "nbgrader_config.py").write_text(CONFIG_THAT_RECORDS)
        folders.append(folder)
    with ThreadPoolExecutor(3) as pool:
        codes = list(
            pool.map(lambda f: server.run(LIST_STUDENTS, f, _env(MLSYS_TEST_VALUE=f.name), f / "log", 60), folders)
        )
    assert codes == [0, 0, 0]
    seen = [json.loads((f / "seen.json").read_text()) for f in folders]
    assert [s["env"] for s in seen] == ["course0", "course1", "course2"]
    assert len({s["pid"] for s in seen}) == 3


def test_a_child_past_its_time_limit_is_killed(server, tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(CONFIG_THAT_HANGS)
    start = time.perf_counter()
    with pytest.raises(subprocess.TimeoutExpired):
        server.run(LIST_STUDENTS, tmp_path, _env(), tmp_path / "log", timeout=5)
    assert time.perf_counter() - start < 30
    pid = int((tmp_path / "pid").read_text())
    assert not _alive(pid)


def test_kill_running_stops_every_child(server, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    (tmp_path / "nbgrader_config.py").write_text(CONFIG_THAT_HANGS)
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(server.run, LIST_STUDENTS, tmp_path, _env(), tmp_path / "log", 120)
        deadline = time.time() + 60
        while not (tmp_path / "pid").exists() and time.time() < deadline:
            time.sleep(0.1)
        pid = int((tmp_path / "pid").read_text())
        server.kill_running()
        assert future.result(timeout=30) == -signal.SIGKILL
    assert not _alive(pid)


def test_a_dead_helper_is_reported_and_grading_falls_back(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(CONFIG_THAT_RECORDS)
    server = forkserver.ForkServer(tmp_path, autograde.grading_env(), autograde.nbgrader_executable())
    try:
        assert server.run(LIST_STUDENTS, tmp_path, _env(), tmp_path / "log", 60) == 0
        os.killpg(server._proc.pid, signal.SIGKILL)
        server._proc.wait()
        with pytest.raises(forkserver.ForkServerGone):
            server.run(LIST_STUDENTS, tmp_path, _env(), tmp_path / "log", 60)
        # the grading path starts nbgrader the ordinary way instead
        (tmp_path / "seen.json").unlink()
        assert autograde.run_autograde(tmp_path, LIST_STUDENTS, tmp_path / "log2", 60, server) == 0
        assert json.loads((tmp_path / "seen.json").read_text())["sid"] != server._proc.pid
    finally:
        server.close()


def test_children_die_with_the_helper(tmp_path):
    """Spoken to directly (no client that could kill the child itself): the kernel's parent-death signal does it."""
    (tmp_path / "nbgrader_config.py").write_text(CONFIG_THAT_HANGS)
    helper = subprocess.Popen(
        [sys.executable, "-m", "mlsys.grading.forkserver", autograde.nbgrader_executable()],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=autograde.grading_env(), start_new_session=True,
    )  # fmt: skip
    try:
        assert json.loads(helper.stdout.readline()) == {"ready": True}
        request = {"id": 7, "args": LIST_STUDENTS, "cwd": str(tmp_path), "env": _env(), "log": str(tmp_path / "log")}
        helper.stdin.write((json.dumps(request) + "\n").encode())
        helper.stdin.flush()
        answer = json.loads(helper.stdout.readline())
        assert answer["id"] == 7
        deadline = time.time() + 60
        while not (tmp_path / "pid").exists() and time.time() < deadline:
            time.sleep(0.1)
        assert int((tmp_path / "pid").read_text()) == answer["pid"]
        assert _alive(answer["pid"])
        helper.kill()
        helper.wait()
        deadline = time.time() + 10
        while _alive(answer["pid"]) and time.time() < deadline:
            time.sleep(0.1)
        assert not _alive(answer["pid"])
    finally:
        helper.kill()
        helper.wait()


def test_turned_off_by_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(forkserver.MODE_ENV, "off")
    assert autograde.start_fork_server(tmp_path) is None
    monkeypatch.setenv(forkserver.MODE_ENV, "on")
    server = autograde.start_fork_server(tmp_path)
    assert server is not None
    autograde.stop_fork_server(server)


def test_the_helper_starts_no_thread_before_it_forks():
    """Forking a process with threads can copy a lock that another thread holds; the helper must have only one."""
    code = (
        "import importlib, os, threading\n"
        "from mlsys.grading import forkserver\n"
        "for name in forkserver.PRELOAD: importlib.import_module(name)\n"
        "print(threading.active_count(), len(os.listdir('/proc/self/task')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "1"]
