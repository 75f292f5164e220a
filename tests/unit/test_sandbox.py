"""mlsys.grading.sandbox: the kernel's confinement, checked directly with bubblewrap (no nbgrader).

Each test runs a few lines of Python in the sandbox exactly as the kernel
launcher would wrap them, in a fake course folder, and checks what they could
and could not do. Skipped, with the reason, where bubblewrap cannot run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlsys.grading import sandbox

pytestmark = pytest.mark.skipif(sandbox.problem() is not None, reason=f"no sandbox here: {sandbox.problem()}")


@pytest.fixture
def course(tmp_path):
    root = tmp_path / "course"
    (root / "source" / "a").mkdir(parents=True)
    (root / "source" / "a" / "a.ipynb").write_text("the instructor's solutions")
    (root / "gradebook.db").write_text("grades")
    (root / "submitted" / "other" / "a").mkdir(parents=True)
    work = root / "autograded" / "me" / "a"
    work.mkdir(parents=True)
    private = tmp_path / "mlsys-kernels-x"
    private.mkdir()
    return root, work, private


def run_in_sandbox(course, code: str, env: dict | None = None) -> subprocess.CompletedProcess:
    root, work, private = course
    env = {**os.environ, **(env or {})}
    cmd = sandbox.bwrap_command([sys.executable, "-c", code], work, root, private, env)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env, preexec_fn=sandbox.set_limits)


def test_the_course_folder_is_hidden(course):
    result = run_in_sandbox(course, "import os; print(sorted(os.listdir('../../..')))")
    assert result.returncode == 0, result.stderr
    assert "source" not in result.stdout and "gradebook.db" not in result.stdout and "submitted" not in result.stdout
    result = run_in_sandbox(course, "open('../../../source/a/a.ipynb').read()")
    assert result.returncode != 0 and "FileNotFoundError" in result.stderr


def test_only_the_working_folder_is_writable(course):
    root, work, _ = course
    code = (
        "import pathlib\n"
        "pathlib.Path('mine.txt').write_text('ok')\n"
        "for target in ['../../../gradebook.db', '../../../new.txt', '/tmp/escape.txt']:\n"
        "    try:\n"
        "        pathlib.Path(target).write_text('x'); print('wrote', target)\n"
        "    except OSError as error:\n"
        "        print('refused', target, type(error).__name__)\n"
    )
    result = run_in_sandbox(course, code)
    assert result.returncode == 0, result.stderr
    assert (work / "mine.txt").read_text() == "ok"
    assert "refused ../../../gradebook.db" in result.stdout and "refused ../../../new.txt" in result.stdout
    assert (root / "gradebook.db").read_text() == "grades" and not (root / "new.txt").exists()
    assert not Path("/tmp/escape.txt").exists(), "/tmp inside the sandbox must be private"


def test_no_network(course):
    code = (
        "import socket\n"
        "try:\n"
        "    socket.create_connection(('1.1.1.1', 53), timeout=5); print('connected')\n"
        "except OSError as error:\n"
        "    print('no network:', error)\n"
    )
    result = run_in_sandbox(course, code)
    assert result.returncode == 0, result.stderr
    assert "no network" in result.stdout and "connected" not in result.stdout


def test_memory_limit_gives_memory_error(course):
    code = "import numpy as np\ntry:\n    np.ones(10**10)\nexcept MemoryError:\n    print('MemoryError')\n"
    result = run_in_sandbox(course, code, env={sandbox.MEMORY_ENV: "2"})
    assert result.returncode == 0, result.stderr
    assert "MemoryError" in result.stdout


def test_unprivileged_and_no_credentials(course):
    code = (
        "import os\n"
        "print('uid', os.getuid())\n"
        "print('caps', open('/proc/self/status').read().split('CapEff:')[1].split()[0])\n"
        "print('db', os.environ.get('MLSYS_DB_URL'), os.environ.get('PGPASSWORD'))\n"
        "print('pids', len([p for p in os.listdir('/proc') if p.isdigit()]))\n"
    )
    result = run_in_sandbox(course, code, env={"MLSYS_DB_URL": "postgresql://u:secret@h/db", "PGPASSWORD": "secret"})
    assert result.returncode == 0, result.stderr
    assert "uid 0" not in result.stdout
    assert "caps 0000000000000000" in result.stdout
    assert "secret" not in result.stdout
    assert int(result.stdout.split("pids ")[1]) <= 3, "the sandbox must not see the machine's other processes"


def test_launcher_refuses_a_shared_connection_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(sandbox.ROOT_ENV, str(tmp_path))
    with pytest.raises(SystemExit, match="shared folder"):
        sandbox.main(["-f", str(Path("/tmp") / "kernel-x.json")])
