"""kill -9 of `onbrand run` at random moments while it renders and while the gate evaluates, then a
re-run: every planned draft ends in the store exactly once, no file is left behind, and the SQLite
file is whole. (tests/flows/test_faults.py kills once after a stored batch; kills during database
writes, many and cheap, are in test_store_faults.py.)"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from pipeline.slugs import safe_name

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
CAMPAIGN = "workplace-fridge-b2b"
DRAFTS = 3  # one short batch, rendered again by each life until one gets to store it


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBRAND_")}
    env.update(ONBRAND_HOME=str(home), ONBRAND_DATABASE_URL=f"sqlite:///{home / 'review.db'}")
    env["PREFECT_LOGGING_LEVEL"] = "INFO"  # the flow's "N planned, M to render" line marks the render stage
    return env


class Life:
    """One `onbrand run`, watched from outside: its log, its image files and its stored rows."""

    def __init__(self, command: list[str], home: Path) -> None:
        self.db = home / "review.db"
        self.folder = home / "drafts" / safe_name(CAMPAIGN)
        self.log: list[str] = []
        self.born = time.time_ns()  # images written since: this life's (re-renders keep their names)
        self.proc = subprocess.Popen(
            command, env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.log.append(line)

    def stored(self) -> int:
        if not self.db.is_file():
            return 0
        try:
            with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=0.05) as conn:
                return int(conn.execute("SELECT count(*) FROM drafts").fetchone()[0])
        except sqlite3.Error:
            return 0

    def rendered(self) -> int:
        if not self.folder.is_dir():
            return 0
        return sum(1 for p in self.folder.glob("[0-9a-f]*.png") if p.stat().st_mtime_ns >= self.born)

    def phase(self) -> str:
        if self.stored():
            return "stored"
        if self.rendered():
            return "evaluation"  # the batch's images are written; the gate has not let them through yet
        if any(" to render" in line for line in list(self.log)):
            return "render"  # planned, run recorded, the batch is rendering
        return "starting"

    def tail(self) -> str:
        return "".join(line for line in self.log if "│" not in line)[-1500:]

    def kill_during(self, target: str, jitter: float) -> str:
        """Wait for ``target``, then ``jitter`` seconds more while it lasts, and SIGKILL the run.
        Returns the phase it was in when it died."""
        deadline, seen = time.monotonic() + 420, ["starting"]
        try:
            while seen[-1] != target:
                assert self.proc.poll() is None, f"ended before the {target} phase (saw {seen}): {self.tail()}"
                assert time.monotonic() < deadline, f"never saw the {target} phase (saw {seen})"
                time.sleep(0.02)
                if (now := self.phase()) != seen[-1]:
                    seen.append(now)
            end = time.monotonic() + jitter
            while time.monotonic() < end and self.phase() == target:
                time.sleep(0.01)
            return self.phase()
        finally:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()


def test_runs_killed_while_rendering_and_evaluating_resume_to_one_copy_of_each_draft(
    home: Path, tally: Counter[str]
) -> None:
    rng = random.Random(4)  # seeded: the same moments on every run
    command = [str(BIN / "onbrand"), "run", CAMPAIGN, "--drafts", str(DRAFTS), "--channel", "email_header"]
    command += ["--replans", "0"]
    # First killed while the gate evaluates (its images are on disk, not in the store), then while the
    # next life renders; each at a random moment inside the stage.
    hits = [
        Life(command, home).kill_during("evaluation", rng.uniform(0.0, 0.5)),
        Life(command, home).kill_during("render", rng.uniform(0.2, 2.0)),
    ]
    tally["faults injected"] += len(hits)
    assert hits == ["evaluation", "render"], hits  # each died inside the stage it was meant to
    folder = home / "drafts" / safe_name(CAMPAIGN)
    assert any(folder.glob("[0-9a-f]*.png"))  # the killed lives' images are on disk, and none is stored:
    with sqlite3.connect(home / "review.db") as conn:
        assert conn.execute("SELECT count(*) FROM drafts").fetchone() == (0,)

    again = subprocess.run([*command, "--json"], env=_env(home), capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    planned = [f"{CAMPAIGN}-email_header-{i}" for i in range(1, DRAFTS + 1)]
    assert [d["id"] for d in json.loads(again.stdout)["drafts"]] == planned
    with sqlite3.connect(home / "review.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = conn.execute("SELECT id, image_path, draft FROM drafts").fetchall()
        runs = [r[0] for r in conn.execute("SELECT status FROM runs ORDER BY started_at")]
    assert sorted(r[0] for r in rows) == planned  # every planned draft, exactly once
    assert runs == ["crashed", "crashed", "completed"]
    referenced = {r[1] for r in rows} | {json.loads(r[2])["condition_path"] for r in rows}
    assert {str(p) for p in folder.rglob("*.png")} == referenced  # no orphan image, condition or temp file
    tally["faults survived"] += len(hits)
