"""The sandbox that graded student code runs in: a kernel launched under bubblewrap.

While ``nbgrader autograde`` runs, ``nbgrader_config.py`` makes it start the
kernel ``mlsys-sandbox`` (``mlsys/grading/jupyter/kernels/``), whose command is
this module. It sets resource limits, then replaces itself with ``bwrap``
(Debian's bubblewrap), which starts the ordinary IPython kernel in new Linux
namespaces:

- no network: a network namespace of its own with only a loopback device (the
  kernel talks to nbgrader over unix sockets, ``KernelManager.transport = "ipc"``);
- the course folder is replaced by an empty read-only folder: no ``source/``,
  no gradebook, no other student's submission; only the course's ``.venv``, the
  ``mlsys`` package and ``data/`` are mounted back, read-only;
- the whole file system is read-only except the submission's own working folder
  and the kernel's connection folder; ``/tmp``, ``/run`` and the home folder are
  empty private folders that vanish with the kernel;
- an unprivileged user in a user namespace, no capabilities, a process namespace
  of its own (it sees and signals no other process);
- resource limits: address space (``MLSYS_KERNEL_MEMORY_GB``, 6 by default, so a
  memory hog gets a ``MemoryError``), largest file written (1 GiB), no core dumps.

The README's threat model says what this does not protect against.
"""

from __future__ import annotations

import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

KERNEL_NAME = "mlsys-sandbox"
#: Folder to put on JUPYTER_PATH so that Jupyter finds the kernel spec.
JUPYTER_DIR = Path(__file__).resolve().parent / "jupyter"
#: The course root to hide from student code (set by nbgrader_config.py).
ROOT_ENV = "MLSYS_SANDBOX_ROOT"
#: "off" grades without the sandbox (only for code you trust, e.g. on a laptop without bubblewrap).
MODE_ENV = "MLSYS_SANDBOX"
MEMORY_ENV = "MLSYS_KERNEL_MEMORY_GB"
DEFAULT_MEMORY_GB = 6.0
MAX_FILE_BYTES = 1 << 30
#: Environment variables whose name contains one of these never reach student code.
_SECRET_WORDS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL", "DATABASE_URL", "DB_URL", "PGPASS", "API_KEY")


def enabled() -> bool:
    """Whether grading should use the sandbox (anything but ``MLSYS_SANDBOX=off``)."""
    return os.environ.get(MODE_ENV, "on").lower() not in ("off", "0", "no", "false")


@functools.cache
def problem() -> str | None:
    """Why the sandbox cannot run on this machine, or None when it can."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap, or tools/system-packages.sh)"
    probe = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all", "--unshare-user"]
    probe += ["--uid", "1000", "--gid", "1000", "--cap-drop", "ALL", "--die-with-parent", "true"]
    result = subprocess.run(probe, capture_output=True, text=True)
    if result.returncode != 0:
        detail = result.stderr.strip() or f"exit {result.returncode}"
        return f"bubblewrap cannot create namespaces here ({detail})"
    return None


def memory_limit_bytes() -> int:
    """The address-space limit of one kernel."""
    try:
        gigabytes = float(os.environ.get(MEMORY_ENV, DEFAULT_MEMORY_GB))
    except ValueError:
        gigabytes = DEFAULT_MEMORY_GB
    return int(gigabytes * (1 << 30))


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def bwrap_command(
    kernel_argv: list[str], workdir: Path, course_root: Path, connection_dir: Path, env: Mapping[str, str] | None = None
) -> list[str]:
    """The ``bwrap`` command line that runs ``kernel_argv`` in the sandbox (started with environment ``env``)."""
    env = os.environ if env is None else env
    import mlsys
    from mlsys.data import DATA_DIR

    cmd = [shutil.which("bwrap") or "bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    hidden = [Path("/tmp"), Path("/run"), Path("/var/tmp")]
    home = Path(env.get("HOME", "/")).resolve()
    if home != Path("/"):
        hidden.append(home)
    hidden.append(course_root)
    for folder in hidden:
        if folder.exists():
            cmd += ["--tmpfs", str(folder)]
    # What the kernel needs back, read-only: the interpreter, the venv, the course's package and data.
    needed = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(mlsys.__file__).resolve().parent}
    needed.add(Path(DATA_DIR).resolve())
    for folder in sorted(needed):
        if folder.exists() and any(_under(folder, h) for h in hidden):
            cmd += ["--ro-bind", str(folder), str(folder)]
    cmd += ["--bind", str(workdir), str(workdir), "--bind", str(connection_dir), str(connection_dir)]
    cmd += ["--remount-ro", str(course_root)]
    cmd += ["--unshare-all", "--unshare-user", "--uid", "1000", "--gid", "1000", "--cap-drop", "ALL"]
    cmd += ["--die-with-parent", "--new-session", "--chdir", str(workdir)]
    cmd += ["--setenv", "HOME", str(home) if home != Path("/") else "/tmp"]
    # ipykernel exits when its parent process id is 1, which in a new pid namespace it is (bwrap):
    # --die-with-parent does that job instead.
    cmd += ["--unsetenv", "JPY_PARENT_PID"]
    # No credentials in the student's environment (a PostgreSQL gradebook URL holds a password).
    for name in env:
        if name == "MLSYS_DB_URL" or any(word in name.upper() for word in _SECRET_WORDS):
            cmd += ["--unsetenv", name]
    return cmd + ["--", *kernel_argv]


def configure(c, course_root: Path) -> None:
    """Make ``nbgrader autograde`` start its kernels in the sandbox (called from nbgrader_config.py).

    The kernel's connection file and unix sockets go to a folder private to this
    nbgrader process (``TMPDIR``, which jupyter_client writes them to), the one
    folder besides the working folder that the sandbox mounts writable.
    """
    import atexit
    import tempfile

    private = tempfile.gettempdir()
    if os.environ.get(ROOT_ENV) != str(course_root) or not Path(private).name.startswith("mlsys-kernels-"):
        # first load of the config in this process (nbgrader loads it more than once)
        os.environ[ROOT_ENV] = str(course_root)
        jupyter_path = (str(JUPYTER_DIR), os.environ.get("JUPYTER_PATH"))
        os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in jupyter_path if p)
        private = tempfile.mkdtemp(prefix="mlsys-kernels-")
        atexit.register(shutil.rmtree, private, True)
        os.environ["TMPDIR"] = private
        tempfile.tempdir = None
    c.Execute.kernel_name = KERNEL_NAME
    c.KernelManager.transport = "ipc"
    # unix socket paths of the kernel's channels (``<ip>-1`` ...); absolute, as the kernel runs elsewhere
    c.KernelManager.ip = os.path.join(private, "kernel")


def die_with_parent(parent: int | None) -> bool:
    """Linux: SIGKILL this process when its parent ends (inherited by what it execs).

    Returns False when the parent is already gone, i.e. it ended between starting
    this process and this call (the signal would then never come): the caller
    must exit. ``parent`` is the pid it was started by; None skips that check.
    """
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return True
    return parent is None or os.getppid() == parent


def killed_with_caller(cmd: list[str]) -> list[str]:
    """``cmd`` started under ``setpriv --pdeathsig KILL`` where setpriv exists: it dies with the process starting it."""
    return ["setpriv", "--pdeathsig", "KILL", "--", *cmd] if shutil.which("setpriv") else cmd


def set_limits() -> None:
    """Resource limits for this process and the kernel it becomes."""
    memory = memory_limit_bytes()
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main(argv: list[str]) -> None:
    """Kernel launcher: ``python -m mlsys.grading.sandbox -f CONNECTION_FILE [kernel args]``."""
    # Killed with nbgrader, even if nbgrader is killed before bwrap (--die-with-parent) is running.
    # jupyter_client names the process that launched the kernel in JPY_PARENT_PID.
    parent = os.environ.get("JPY_PARENT_PID", "")
    if not die_with_parent(int(parent) if parent.isdigit() else None):
        sys.exit("the nbgrader process that started this kernel is gone")
    if "-f" not in argv:
        sys.exit("usage: python -m mlsys.grading.sandbox -f CONNECTION_FILE [kernel arguments]")
    connection_file = Path(argv[argv.index("-f") + 1]).resolve()
    root = os.environ.get(ROOT_ENV)
    if not root:
        sys.exit(f"{ROOT_ENV} is not set: the sandbox kernel is meant to be started by nbgrader autograde")
    reason = problem()
    if reason:
        sys.exit(f"cannot start the grading sandbox: {reason}. To grade without it (trusted code only): {MODE_ENV}=off")
    shared = {Path("/"), Path("/tmp").resolve(), Path(os.environ.get("HOME", "/")).resolve(), Path(root).resolve()}
    if connection_file.parent in shared:
        sys.exit(f"the kernel's connection file {connection_file} is in a shared folder; see {__name__}.configure")
    kernel_argv = [sys.executable, "-m", "ipykernel_launcher", *argv]
    cmd = bwrap_command(kernel_argv, Path.cwd().resolve(), Path(root).resolve(), connection_file.parent)
    if os.environ.get("MLSYS_SANDBOX_DEBUG"):
        print("sandbox:", " ".join(cmd), file=sys.stderr, flush=True)
    set_limits()
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
