"""JupyterLab (started by ``python -m mlsys.lab``) driven by Debian's headless Chromium through Selenium.

Used by ``tests/test_browser.py``. Nothing here downloads: Selenium gets the
driver's path (``/usr/bin/chromedriver``) and ``SE_OFFLINE=true``, so
selenium-manager never runs, and Chromium starts with a new empty profile and
its background networking off. Both the server and the browser are stopped, with
every process they started, by :meth:`Lab.stop` and :meth:`Browser.stop`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
]
#: JupyterLab settings for the test's private settings folder: no news pop-up.
LAB_SETTINGS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"}}


def _kill_tree(processes: list[psutil.Process], grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL what is left after ``grace`` seconds; only the processes given."""
    alive = []
    for p in processes:
        try:
            p.terminate()
            alive.append(p)
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(alive, timeout=grace)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=5)


def _tree(pid: int) -> list[psutil.Process]:
    try:
        parent = psutil.Process(pid)
        return [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


@dataclass
class Lab:
    """A JupyterLab server on a course folder, on a free loopback port with a token."""

    root: Path
    home: Path
    port: int = 0
    token: str = "mlsys-browser-test-token"
    proc: subprocess.Popen | None = None
    log: Path | None = None
    seen: dict[int, psutil.Process] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}/{path.lstrip('/')}{sep}token={self.token}"

    def start(self, timeout: float = 90.0) -> None:
        from mlsys.lab import free_port

        self.port = free_port()
        self.home.mkdir(parents=True, exist_ok=True)
        settings = self.home / "lab-settings"
        for name, value in LAB_SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))
        env = dict(os.environ)
        env.update(
            {
                "JUPYTER_TOKEN": self.token,
                # the user's runtime files, workspaces, settings and IPython profile stay untouched
                "JUPYTER_RUNTIME_DIR": str(self.home / "runtime"),
                "JUPYTERLAB_WORKSPACES_DIR": str(self.home / "workspaces"),
                "JUPYTERLAB_SETTINGS_DIR": str(settings),
                "IPYTHONDIR": str(self.home / "ipython"),
                "MPLCONFIGDIR": str(self.home / "matplotlib"),
                "PATH": str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
            }
        )
        env.pop("MLSYS_DB_URL", None)  # the formgrader uses the temporary course's own sqlite gradebook
        self.log = self.home / "jupyterlab.log"
        cmd = [sys.executable, "-m", "mlsys.lab", "--course-root", str(self.root), "--port", str(self.port)]
        cmd += ["--no-browser", "--", "--LabApp.expose_app_in_browser=True"]
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(
                cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url("api/status"), timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"JupyterLab did not answer within {timeout:g} s:\n{self.log.read_text()[-3000:]}")

    def remember_children(self) -> None:
        """Note the server's processes (kernels run in sessions of their own) so that stop() finds them."""
        if self.proc:
            self.seen.update({p.pid: p for p in _tree(self.proc.pid)})

    def stop(self) -> None:
        if not self.proc:
            return
        self.remember_children()
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)  # mlsys.lab and jupyter-lab; the server stops its kernels
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        _kill_tree(list(self.seen.values()), grace=5)
        self.proc.wait()
        self.proc = None


class BrowserUnavailable(Exception):
    """Chromium or its driver cannot be started here (the tests skip with this reason)."""


class Browser:
    """Headless Debian Chromium through Selenium and Debian's chromedriver."""

    def __init__(self, home: Path):
        self.home = home
        self.driver = None
        self.processes: list[psutil.Process] = []

    def start(self) -> None:
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service

        for program, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
            if not Path(program).exists():
                raise BrowserUnavailable(
                    f"{program} is not installed (Debian package {package}; tools/system-packages.sh installs it)"
                )
        os.environ["SE_OFFLINE"] = "true"  # selenium-manager must never download a driver or a browser
        profile = self.home / "chromium-profile"
        shutil.rmtree(profile, ignore_errors=True)
        profile.mkdir(parents=True)
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in [*CHROMIUM_ARGS, f"--user-data-dir={profile}"]:
            options.add_argument(arg)
        service = Service(CHROMEDRIVER, log_output=str(self.home / "chromedriver.log"))
        try:
            self.driver = webdriver.Chrome(service=service, options=options)
        except WebDriverException as error:
            service.stop()
            log = (self.home / "chromedriver.log").read_text(errors="replace")[-1500:]
            raise BrowserUnavailable(f"Chromium could not be started: {error.msg or error}\n{log}") from error
        self.processes = _tree(service.process.pid)
        self.driver.set_script_timeout(240)
        self.driver.set_page_load_timeout(60)

    def stop(self) -> None:
        if self.driver is not None:
            try:
                self.driver.quit()
            except Exception:  # noqa: BLE001 (a dead browser is what we wanted anyway)
                pass
            self.driver = None
        _kill_tree(self.processes, grace=3)
        self.processes = []

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        assert self.driver.save_screenshot(str(path)), f"could not save {path}"
        return path

    def wait_for(self, script: str, timeout: float = 60.0, what: str = "the page"):
        """Poll a JavaScript expression until it returns something truthy; return it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.driver.execute_script(script)
            if value:
                return value
            time.sleep(0.25)
        raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


#: Opens a notebook in JupyterLab, waits for its kernel, runs all cells and returns every code cell as JSON.
RUN_ALL_JS = """
const path = arguments[0];
const done = arguments[arguments.length - 1];
(async () => {
  const app = window.jupyterapp;
  const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  await panel.context.ready;
  await panel.sessionContext.ready;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel) { done({error: 'no kernel started for ' + path}); return; }
  app.shell.activateById(panel.id);
  const started = Date.now();
  const ok = await app.commands.execute('notebook:run-all-cells');
  const seconds = (Date.now() - started) / 1000;
  const cells = [];
  const model = panel.content.model;
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i).toJSON();
    cell.index = i;
    if (cell.cell_type === 'code') cells.push(cell);
  }
  done({ok, seconds, kernel: kernel.name, cells});
})().catch(error => done({error: String(error && error.stack || error)}));
"""

#: Runs one cell (by index) of the current notebook, as Shift+Enter would, and returns it as JSON.
RUN_CELL_JS = """
const index = arguments[0];
const done = arguments[arguments.length - 1];
(async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  panel.content.activeCellIndex = index;
  panel.content.deselectAll();
  const ok = await app.commands.execute('notebook:run-cell');
  done({ok, cell: panel.content.model.cells.get(index).toJSON()});
})().catch(error => done({error: String(error && error.stack || error)}));
"""

#: Scrolls the current notebook to a cell (by index) and puts it in the middle of the window.
SCROLL_JS = """
const index = arguments[0];
const done = arguments[arguments.length - 1];
(async () => {
  const panel = window.jupyterapp.shell.currentWidget;
  panel.content.activeCellIndex = index;
  await panel.content.scrollToItem(index, 'center');
  await new Promise(resolve => setTimeout(resolve, 500));
  done(true);
})().catch(error => done(String(error)));
"""


def error_outputs(cells: list[dict]) -> list[tuple[dict, dict]]:
    """``(cell, output)`` for every error output of the cells returned by :data:`RUN_ALL_JS`."""
    return [(cell, out) for cell in cells for out in cell.get("outputs", []) if out.get("output_type") == "error"]
