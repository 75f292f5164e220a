"""A throwaway PostgreSQL server for tests: Debian's binaries, a temporary data folder, 127.0.0.1 only.

:func:`start` runs ``initdb`` into a fresh folder and starts the server on a free
port, listening on 127.0.0.1 and on a unix socket inside that folder, so it
never meets another server on the machine. PostgreSQL refuses to run as root:
under root the server runs as the ``postgres`` user (Debian's ``postgresql``
package creates it). :meth:`PostgresServer.stop` stops it and removes the folder.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


class CannotStart(Exception):
    """The machine cannot run a PostgreSQL server (the reason is the message)."""


def find_bin_dir() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``: Debian's /usr/lib/postgresql/<version>/bin, else PATH."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[4]))
    if candidates:
        return Path(candidates[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl and shutil.which("initdb"):
        return Path(pg_ctl).parent
    raise CannotStart(
        "no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or on PATH; "
        "tools/system-packages.sh installs Debian's postgresql package"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    """A running server; ``url(name)`` is the SQLAlchemy URL of one of its databases."""

    bin_dir: Path
    folder: Path
    port: int
    run_as: list[str]  # command prefix that runs a program as the server's user ([] when not root)
    user: str = "postgres"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg2://{self.user}@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        cmd = [*self.run_as, str(self.bin_dir / program), *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self.folder)

    def create_database(self, name: str) -> str:
        """Create database ``name`` (owned by the server's superuser) and return its URL."""
        result = self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, name)
        if result.returncode != 0:
            raise RuntimeError(f"createdb {name} failed: {result.stderr.strip()}")
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder."""
        if self.data.exists():
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)


def start() -> PostgresServer:
    """initdb into a new temporary folder and start a server on a free 127.0.0.1 port.

    Raises :class:`CannotStart` when the machine has no server binaries or, under
    root, no ``postgres`` user; raises ``RuntimeError`` (with the server's log)
    when they are there but the server does not come up: that is a failure, not
    a reason to skip.
    """
    bin_dir = find_bin_dir()
    folder = Path(tempfile.mkdtemp(prefix="mlsys-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder, ignore_errors=True)
            raise CannotStart("running as root and there is no 'postgres' user to run the server as") from None
        runuser = shutil.which("runuser") or shutil.which("setpriv")
        if runuser is None:
            shutil.rmtree(folder, ignore_errors=True)
            raise CannotStart("running as root and neither runuser nor setpriv is installed") from None
        if Path(runuser).name == "runuser":
            run_as = [runuser, "-u", "postgres", "--"]
        else:
            run_as = [runuser, f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--init-groups", "--"]
        os.chown(folder, account.pw_uid, account.pw_gid)
    server = PostgresServer(bin_dir, folder, _free_port(), run_as)
    result = server._run(
        "initdb", "-D", str(server.data), "-U", server.user, "--auth=trust", "--encoding=UTF8", "--no-instructions",
        timeout=120,
    )  # fmt: skip
    if result.returncode != 0:
        server.stop()
        raise RuntimeError(f"initdb failed: {result.stdout[-2000:]}{result.stderr[-2000:]}")
    for attempt in range(3):  # the free port may be taken between choosing it and binding it
        # Listen on 127.0.0.1 only, socket in our folder; no fsync: the data are thrown away.
        options = (
            f"-h 127.0.0.1 -p {server.port} -k {folder} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=100"
        )
        result = server._run(
            "pg_ctl", "start", "-D", str(server.data), "-l", str(server.log), "-o", options, "-w", "-t", "60",
            timeout=90,
        )  # fmt: skip
        if result.returncode == 0:
            return server
        log = server.log.read_text(errors="replace") if server.log.exists() else ""
        if "could not bind" not in log or attempt == 2:
            break
        server.port = _free_port()
        time.sleep(0.5)
    log = server.log.read_text(errors="replace")[-3000:] if server.log.exists() else "(no server log)"
    server.stop()
    raise RuntimeError(f"the PostgreSQL server did not start: {result.stderr.strip()}\n{log}")
