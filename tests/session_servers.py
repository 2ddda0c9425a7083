"""One Prefect server for the whole test session, and a check that nothing the suite started outlives it.

Without a server configured, every process that runs a flow starts Prefect's temporary server
(6-9 s each: the test process, every ``onbrand run`` or ``onbrand demo`` started by a test, every
Dask worker). The suite instead starts one real ``prefect server start`` on loopback when it begins,
and points ``PREFECT_API_URL`` at it for the test process and everything it starts. It is set before
Prefect is imported (in ``tests/conftest.py``), because Prefect reads its settings at import.

``ONBRAND_TEST_PREFECT=temporary`` turns this off (each process then starts its own temporary server,
as a user without a server would). A ``PREFECT_API_URL`` already set is used as it is.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent
# Command lines of processes the suite starts that must not outlive it.
# pytest-xdist's workers (execnet's bootstrap line), which end after the controller's check.
XDIST_WORKER = "exec(eval(sys.stdin.readline()))"
OWN_PROCESSES = ("prefect", "uvicorn", "onbrand", "streamlit", "distributed", "dask", "chromium", "ray::", "chroma")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PrefectServer:
    """A ``prefect server start`` started in the background; ``wait()`` blocks until it answers."""

    url: str
    home: Path
    process: subprocess.Popen[bytes] | None = None
    ready: bool = False
    _log: object = field(default=None, repr=False)

    @classmethod
    def start(cls) -> PrefectServer:
        home = Path(tempfile.mkdtemp(prefix="onbrand-test-prefect-server-"))
        port = _free_port()
        env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        env.pop("PREFECT_API_URL", None)
        log = (home / "server.log").open("wb")
        process = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-services"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped whole, workers and all
        )
        return cls(url=f"http://127.0.0.1:{port}/api", home=home, process=process, _log=log)

    @classmethod
    def started_elsewhere(cls, url: str) -> PrefectServer:
        """The server another process of this session started (the pytest-xdist controller): waited
        for, never stopped here."""
        return cls(url=url, home=Path(tempfile.gettempdir()))

    def wait(self, timeout: float = 180) -> None:
        if self.ready:
            return
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=5) as response:
                    if response.status == 200:
                        self.ready = True
                        return
            except (OSError, urllib.error.URLError):
                pass
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError("the test Prefect server stopped:\n" + self.log_tail())
            if time.monotonic() > deadline:
                raise RuntimeError(f"the test Prefect server did not answer in {timeout:.0f} s:\n" + self.log_tail())
            time.sleep(0.5)

    def log_tail(self) -> str:
        try:
            return (self.home / "server.log").read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass


SESSION_MARK = "PYTEST_ONBRAND_SESSION"  # every process the suite starts inherits it in its environment


def leftover_processes(session: str, grace_s: float = 15.0) -> list[str]:
    """Processes of the kinds the suite starts (Prefect, uvicorn, onbrand, Streamlit, Dask, chromium,
    Chroma) that belong to this test session (its mark in their environment, or a descendant of the
    test process) and are still running after ``grace_s``: each as "pid: command line". The test
    process and its ancestors are not counted; zombies (ended, not yet reaped) are not running."""
    import psutil

    me = psutil.Process()
    mine = {me.pid, *(p.pid for p in me.parents())}
    deadline = time.monotonic() + grace_s
    while True:
        children = {p.pid for p in me.children(recursive=True)}
        found = []
        for proc in psutil.process_iter(["pid", "cmdline", "status"]):
            info = proc.info
            if info["pid"] in mine or info["status"] == psutil.STATUS_ZOMBIE:
                continue
            command = " ".join(info["cmdline"] or [])
            if not any(mark in command for mark in OWN_PROCESSES) or XDIST_WORKER in command:
                continue
            try:
                ours = info["pid"] in children or proc.environ().get(SESSION_MARK) == session
            except psutil.Error:
                ours = False
            if ours:
                found.append(f"{info['pid']}: {command[:200]}")
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(1)


def kill(entries: list[str]) -> None:
    """End the processes ``leftover_processes`` listed (after the check has reported them)."""
    import psutil

    for entry in entries:
        pid = int(entry.split(":", 1)[0])
        try:
            psutil.Process(pid).kill()
        except psutil.Error:
            continue
