"""Faults a campaign run must survive: kill -9 halfway, a full disk, a read-only review store."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.settings import Settings

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
CAMPAIGN = "workplace-fridge-b2b"


@pytest.fixture
def home(agent_settings: Settings, tmp_path: Path) -> Path:
    """A private copy of the sample workspace (its drafts folder is this test's alone)."""
    copy = tmp_path / "home"
    shutil.copytree(agent_settings.home, copy, ignore=shutil.ignore_patterns("drafts", "*.db*"))
    return copy


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBRAND_")}
    env.update(ONBRAND_HOME=str(home), ONBRAND_DATABASE_URL=f"sqlite:///{home / 'review.db'}")
    return env


def _stored(db: Path) -> int:
    if not db.is_file():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM drafts").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_a_run_killed_halfway_is_resumed_by_running_it_again(home: Path) -> None:
    command = [str(BIN / "onbrand"), "run", CAMPAIGN, "--drafts", "9", "--channel", "linkedin_post", "--replans", "0"]
    db = home / "review.db"
    first = subprocess.Popen(command, env=_env(home), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while _stored(db) == 0:  # the first batch of 8 is stored; the ninth draft is rendering
        assert first.poll() is None, (first.stderr.read() if first.stderr else b"").decode()[-2000:]
        assert time.monotonic() < deadline, "the first batch was never stored"
        time.sleep(0.1)
    first.send_signal(signal.SIGKILL)
    first.wait()
    with sqlite3.connect(db) as conn:
        before = dict(conn.execute("SELECT id, updated_at FROM drafts").fetchall())
    assert 0 < len(before) < 9

    again = subprocess.run([*command, "--json"], env=_env(home), capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    ids = [d["id"] for d in json.loads(again.stdout)["drafts"]]
    assert ids == [f"{CAMPAIGN}-linkedin_post-{i}" for i in range(1, 10)]  # every planned draft, once
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = conn.execute("SELECT id, updated_at, image_path, draft FROM drafts").fetchall()
        runs = conn.execute("SELECT status FROM runs ORDER BY started_at").fetchall()
    assert sorted(r[0] for r in rows) == sorted(ids)  # nothing duplicated
    assert {r[0]: r[1] for r in rows if r[0] in before} == before  # what was stored was not redone
    assert [r[0] for r in runs] == ["crashed", "completed"]
    folder = home / "drafts" / CAMPAIGN
    referenced = {r[2] for r in rows} | {json.loads(r[3])["condition_path"] for r in rows}
    on_disk = {str(p) for p in folder.rglob("*.png")}
    assert on_disk == referenced  # no orphan images, conditions or temporary files


def test_a_full_disk_is_one_clear_line_and_the_store_stays_whole(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno

    import pipeline.render.png
    from pipeline.cli import main

    for key, value in _env(home).items():
        if key.startswith("ONBRAND_"):
            monkeypatch.setenv(key, value)
    assert main(["run", CAMPAIGN, "--drafts", "1", "--channel", "web_banner", "--replans", "0"]) == 0
    capsys.readouterr()

    def full(*args: object, **kwargs: object) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device", str(home / "drafts" / "x.png"))

    monkeypatch.setattr(pipeline.render.png, "save_png", full)
    code = main(["run", CAMPAIGN, "--drafts", "2", "--channel", "email_header", "--replans", "0"])
    err = capsys.readouterr().err
    assert code == 2
    last = err.strip().splitlines()[-1]
    assert last.startswith("onbrand: error:") and "No space left on device; free some space" in last
    with sqlite3.connect(home / "review.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = [r[0] for r in conn.execute("SELECT id FROM drafts")]
        failed_run = conn.execute("SELECT status, error FROM runs ORDER BY started_at DESC").fetchone()
    assert stored == [f"{CAMPAIGN}-web_banner-1"]  # the earlier draft is intact, nothing half-written
    assert failed_run[0] == "failed" and "No space left" in failed_run[1]


def test_a_read_only_review_store_is_a_clear_error(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = home / "review.db"
    sqlite3.connect(db).close()
    env = _env(home)
    env["ONBRAND_DATABASE_URL"] = f"sqlite:///file:{db}?mode=ro&uri=true"
    done = subprocess.run(
        [str(BIN / "onbrand"), "review", "list"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.count("\n") == 1 and "review store" in done.stderr and "Traceback" not in done.stderr
