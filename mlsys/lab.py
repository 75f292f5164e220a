"""JupyterLab on the course, with nbgrader's extensions on: ``python -m mlsys.lab`` (``make lab``).

Students get nbgrader's assignment list and the *Validate* button of every
assignment notebook; instructors get the formgrader (menu *Nbgrader* ->
*Formgrader*, or ``/formgrader``). Everything comes from the course's virtual
environment: ``pip install nbgrader`` there already enables its server
extensions in ``.venv/etc/jupyter``. So that a user's own Jupyter settings
(``~/.jupyter``) cannot switch them off, this command puts a throw-away config
folder first on ``JUPYTER_CONFIG_PATH`` that enables them again, for this
server only; it writes nothing into any Jupyter config folder. The same folder
gives nbgrader an exchange inside the course when ``nbgrader_config.py`` names
none (nbgrader's default, ``/usr/local/share/nbgrader/exchange``, is seldom
writable).

JupyterLab runs in the course root: nbgrader's extensions read
``nbgrader_config.py`` from the server's working folder, and the formgrader only
works when the course root is inside the server's root folder. The server
listens on 127.0.0.1 only, with a random token (or ``JUPYTER_TOKEN`` when set),
passed through the environment so that other users of the machine cannot read
it in the process list.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from mlsys import COURSE_ROOT
from mlsys.repro import QUIET_TF_ENV

#: nbgrader 0.9's Jupyter server extensions: formgrader (instructors), assignment
#: and course lists, and the handler behind the Validate button (students).
SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.course_list",
    "nbgrader.server_extensions.validate_assignment",
)
#: The plugins of nbgrader's JupyterLab extension (``@jupyter/nbgrader``).
LAB_PLUGINS = (
    "@jupyter/nbgrader",
    "@jupyter/nbgrader:menu",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:assignment-list",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:validate-assignment",
)
DEFAULT_PORT = 8888


def free_port(host: str = "127.0.0.1", preferred: int | None = None) -> int:
    """``preferred`` when it is free on ``host``, else any free port."""
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise OSError(f"no free port on {host}")


def course_exchange(course_root: Path) -> Path | None:
    """The exchange folder that the course's ``nbgrader_config.py`` sets, or ``None``."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()
    root = config.Exchange.get("root") if "Exchange" in config else None
    return Path(root) if root else None


def write_config_dir(folder: Path, course_root: Path) -> Path:
    """A Jupyter config folder that enables nbgrader's server and lab extensions.

    Put first on ``JUPYTER_CONFIG_PATH``, it outranks the user's, the
    environment's and the system's config folders. Its ``nbgrader_config.json``
    gives the assignment list an exchange inside the course (``exchange/``,
    ignored by git) unless the course's ``nbgrader_config.py`` sets one, which
    wins: nbgrader's extensions read the server's working folder first.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if course_exchange(course_root) is None:
        exchange = course_root / "exchange"
        exchange.mkdir(exist_ok=True)
        (folder / "nbgrader_config.json").write_text(json.dumps({"Exchange": {"root": str(exchange)}}, indent=2))
    server = {"ServerApp": {"jpserver_extensions": {"jupyterlab": True, **dict.fromkeys(SERVER_EXTENSIONS, True)}}}
    (folder / "jupyter_server_config.json").write_text(json.dumps(server, indent=2))
    (folder / "labconfig").mkdir(exist_ok=True)
    page = {"disabledExtensions": dict.fromkeys(LAB_PLUGINS, False)}
    (folder / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=2))
    return folder


def lab_env(config_dir: Path, token: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of the JupyterLab server: the venv first on PATH, our config first, the token."""
    env = dict(os.environ if base is None else base)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")  # kernels, and nbgrader's alembic
    extra = env.get("JUPYTER_CONFIG_PATH")
    env["JUPYTER_CONFIG_PATH"] = str(config_dir) + (os.pathsep + extra if extra else "")
    env["JUPYTER_PREFER_ENV_PATH"] = "1"  # the venv's Jupyter folders before the user's
    env["JUPYTER_TOKEN"] = token
    env.update({k: env.get(k, v) for k, v in QUIET_TF_ENV.items()})
    return env


def lab_command(course_root: Path, port: int, open_browser: bool, extra: Sequence[str] = ()) -> list[str]:
    """The ``jupyter lab`` command line (the token travels in the environment)."""
    jupyter_lab = Path(sys.executable).with_name("jupyter-lab")
    cmd = [str(jupyter_lab)] if jupyter_lab.exists() else [sys.executable, "-m", "jupyterlab"]
    cmd += [
        f"--ServerApp.root_dir={course_root}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
    ]
    if not open_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI run as root; Jupyter refuses it otherwise
    return cmd + list(extra)


def urls(port: int, token: str) -> dict[str, str]:
    """The addresses to print: JupyterLab, the formgrader and the assignment list."""
    base = f"http://127.0.0.1:{port}"
    return {
        "JupyterLab": f"{base}/lab?token={token}",
        "formgrader (instructors)": f"{base}/formgrader?token={token}",
        "assignment list (students)": f"{base}/lab?token={token} (menu Nbgrader -> Assignments)",
    }


def problems(course_root: Path) -> list[str]:
    """What stops nbgrader's extensions from working in ``course_root``, in words."""
    found = []
    if not (course_root / "nbgrader_config.py").exists():
        found.append(f"{course_root} has no nbgrader_config.py (start this command in the course root)")
    for module in ("jupyterlab", "nbgrader"):
        try:
            __import__(module)
        except ImportError:
            found.append(f"{module} is not installed in {sys.prefix} (run `make install`)")
    labext = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader"
    if not labext.exists():
        found.append(f"nbgrader's JupyterLab extension is missing ({labext}); reinstall nbgrader")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mlsys.lab",
        description="JupyterLab on the course with nbgrader's extensions (assignment list, Validate, formgrader).",
        epilog="Arguments after -- go to `jupyter lab` unchanged.",
    )
    parser.add_argument("--course-root", type=Path, default=COURSE_ROOT, help="folder with nbgrader_config.py")
    parser.add_argument("--port", type=int, default=None, help=f"port on 127.0.0.1 (default {DEFAULT_PORT} or free)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    parser.add_argument("extra", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = args.course_root.resolve()
    found = problems(root)
    if found:
        print("Cannot start JupyterLab:\n  - " + "\n  - ".join(found), file=sys.stderr)
        return 2
    port = args.port or free_port(preferred=DEFAULT_PORT)
    token = os.environ.get("JUPYTER_TOKEN") or secrets.token_hex(24)
    config_dir = Path(tempfile.mkdtemp(prefix="mlsys-lab-config-"))
    try:
        env = lab_env(write_config_dir(config_dir, root), token)
        cmd = lab_command(root, port, open_browser=not args.no_browser, extra=args.extra)
        print(f"Starting JupyterLab on the course {root} (nbgrader extensions on). Open:", flush=True)
        for what, url in urls(port, token).items():
            print(f"  {what:<28} {url}", flush=True)
        print("Stop it with Ctrl-C.\n", flush=True)
        proc = subprocess.Popen(cmd, cwd=root, env=env)
        # `kill <pid>` of this command stops JupyterLab too (and removes the config folder).
        signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
        try:
            return proc.wait()
        except KeyboardInterrupt:
            proc.send_signal(signal.SIGINT)
            try:
                return proc.wait(timeout=15)
            except (subprocess.TimeoutExpired, KeyboardInterrupt):
                proc.terminate()
                return proc.wait()
    finally:
        shutil.rmtree(config_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
