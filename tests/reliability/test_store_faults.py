"""kill -9 during review-store writes, and decisions raced from several processes.

Both run on SQLite and on PostgreSQL (in CI: the server .ci/run starts). A killed writer loses at
most the one write in flight, whole or not at all; a decision race has exactly one winner per draft.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from pipeline.review.store import ACTION_STATUS, ReviewStore
from tests.reliability.workers import draft_id, in_review, make_draft

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
DRAFTS = 120  # planned drafts the writer stores; every other one it approves
KILLS = 10  # SIGKILLs at random moments of the write loop, then one life that runs to the end
LINES_PER_LIFE = 2 + 2 * DRAFTS + 2 * (DRAFTS // 2)  # ready, begin/ack per add and per decision, done


def _worker(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBRAND_")}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.workers", *args],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _integrity(url: str) -> None:
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_writes_killed_at_random_moments_lose_nothing_acknowledged(review_url: str, tally: Counter[str]) -> None:
    rng = random.Random(9)  # seeded: the same kill moments on every run
    said: list[str] = []  # every line every life printed
    in_flight: set[str] = set()  # the write each killed life had begun and not acknowledged
    for _ in range(KILLS):
        life = _worker("write", review_url, str(DRAFTS))
        assert life.stdout is not None
        # A random point of the plan (a life redoes what is stored in no time, then goes on), as a
        # write begins, and a random instant into it: the kill lands in the insert, the update or the commit.
        target, lines = rng.randint(2, LINES_PER_LIFE - 20), []
        for line in life.stdout:
            lines.append(line.rstrip("\n"))
            if len(lines) >= target and line.startswith("begin "):
                time.sleep(rng.uniform(0.0, 0.002))
                break
        life.send_signal(signal.SIGKILL)
        out, err = life.communicate(timeout=60)
        assert life.returncode == -signal.SIGKILL, err[-2000:]
        assert lines[0] == "ready", (lines[:3], err[-2000:])
        lines += [line for line in out.splitlines() if line.strip()]
        said += lines
        if lines and lines[-1].startswith("begin "):
            in_flight.add(lines[-1].removeprefix("begin "))
        tally["faults injected"] += 1
    final = _worker("write", review_url, str(DRAFTS))
    out, err = final.communicate(timeout=300)
    assert final.returncode == 0, err[-2000:]
    said += out.splitlines()
    assert said[-1] == "done"
    _integrity(review_url)

    store = ReviewStore(review_url)
    records = {r.id: r for r in store.list_drafts(campaign="fault")}
    assert sorted(records) == sorted(draft_id(i) for i in range(DRAFTS))  # every planned draft, exactly once
    approved = {i for i, r in records.items() if r.status == "approved"}
    assert approved == {draft_id(i) for i in range(0, DRAFTS, 2)}
    log_rows = 0
    for i, record in records.items():
        log = store.history(i)
        assert len(log) == (1 if i in approved else 0), (i, log)  # a decision and its log row commit together
        assert record.version == 1 + len(log)
        log_rows += len(log)
    acks = Counter(line.removeprefix("ack decide ") for line in said if line.startswith("ack decide "))
    assert max(acks.values()) == 1  # no draft was decided twice
    conflicts = {line.removeprefix("conflict decide ") for line in said if line.startswith("conflict decide ")}
    assert approved == set(acks) | conflicts and set(acks) <= approved  # nothing acknowledged was lost
    # Committed but never acknowledged: only what a killed life had in flight.
    assert conflicts - set(acks) <= {w.removeprefix("decide ") for w in in_flight if w.startswith("decide ")}
    assert log_rows == len(approved)  # log rows = decisions acknowledged + the in-flight ones that committed
    assert len(in_flight) >= KILLS // 2, f"only {len(in_flight)} of {KILLS} kills landed inside a write"
    store.engine.dispose()
    tally["faults survived"] += KILLS
    tally["kills during a database write"] += len(in_flight)


def test_twenty_decisions_raced_from_five_processes_have_one_winner_per_draft(
    review_url: str, tally: Counter[str]
) -> None:
    rng = random.Random(20)
    targets = [0, 1, 2, 3]
    store = ReviewStore(review_url)
    for i in (*targets, 4):
        store.add_draft(make_draft(i), in_review(i))
    racers = []
    for n in range(5):
        order = rng.sample(targets, len(targets))
        # Half the racers say which version they saw (the UI does); half decide whatever is in review.
        orders = [f"{draft_id(i)}:{rng.choice(list(ACTION_STATUS))}:{'1' if n % 2 else ''}" for i in order]
        racers.append(_worker("decide", review_url, f"reviewer-{n}", *orders))
    for racer in racers:  # every racer has connected ...
        assert racer.stdout is not None and racer.stdout.readline().strip() == "ready"
    for racer in racers:  # ... before any is told to go
        assert racer.stdin is not None
        racer.stdin.write("go\n")
        racer.stdin.flush()
    results = []
    for racer in racers:
        out, err = racer.communicate(timeout=120)
        assert racer.returncode == 0, err[-2000:]
        results += [json.loads(line) | {"reviewer": f"reviewer-{racers.index(racer)}"} for line in out.splitlines()]
    assert len(results) == 20
    assert [r for r in results if r["result"] == "error"] == []
    for i in targets:
        mine = [r for r in results if r["draft"] == draft_id(i)]
        winners = [r for r in mine if r["result"] == "won"]
        assert len(winners) == 1, mine  # exactly one decision wins; the other four are conflicts
        assert all("no longer in review" in r["message"] for r in mine if r["result"] == "conflict")
        log = store.history(draft_id(i))
        assert [(h.reviewer, h.action) for h in log] == [(winners[0]["reviewer"], winners[0]["action"])]
        record = store.get(draft_id(i))
        assert record.status == ACTION_STATUS[winners[0]["action"]] and record.version == 2
    assert store.get(draft_id(4)).status == "in_review" and store.history(draft_id(4)) == []
    _integrity(review_url)
    store.engine.dispose()
    tally["concurrent decisions"] += len(results)
