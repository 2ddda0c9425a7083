"""The review store on a real SQLite file: idempotent adds, states, conflicts, the decision log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.errors import UserError
from pipeline.models import Check, Decision, Draft, DraftPlan, EvalReport, Layout
from pipeline.review.store import DecisionConflict, ReviewStore
from tests.actors import reviewer
from tests.servers import REVIEW_BACKENDS, review_store_url

pytestmark = pytest.mark.unit


@pytest.fixture(params=REVIEW_BACKENDS)
def review_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The store's URL on SQLite, and on PostgreSQL (the server .ci/run starts)."""
    yield from review_store_url(request.param, tmp_path)


def draft(i: int, campaign: str = "spring") -> Draft:
    plan = DraftPlan(
        id=f"{campaign}-instagram_post-{i}",
        campaign=campaign,
        brand="Tidewell",
        channel="instagram_post",
        width=128,
        height=128,
        prompt="a teal can",
        seed=i,
        layout=Layout(aspect=1.0, boxes=[]),
    )
    return Draft(plan=plan, image_path=f"/x/{i}.png", model="bundled", steps=20, seconds=0.5, image_sha256="ab" * 32)


def verdict(draft_id: str, verdict: str) -> EvalReport:
    check = Check(name="palette", status="fail" if verdict == "reject" else "pass", reason="r")
    return EvalReport(draft_id=draft_id, checks=[check], verdict=verdict, reasons=["because"])  # type: ignore[arg-type]


def test_adding_twice_keeps_one_row_and_the_gate_sets_the_first_state(review_url: str) -> None:
    store = ReviewStore(review_url)
    assert store.add_draft(draft(1), verdict("spring-instagram_post-1", "review")) == "in_review"
    assert store.add_draft(draft(2), verdict("spring-instagram_post-2", "reject")) == "rejected_by_gate"
    assert store.add_draft(draft(1), verdict("spring-instagram_post-1", "reject")) == "in_review"  # kept as it was
    assert store.counts() == {"in_review": 1, "rejected_by_gate": 1}
    assert [r.id for r in store.list_drafts(status="in_review")] == ["spring-instagram_post-1"]
    assert store.get("spring-instagram_post-2").reasons == ["because"]
    with pytest.raises(UserError, match="unknown status"):
        store.list_drafts(status="done")


def test_a_second_decision_is_a_conflict_naming_the_first(review_url: str) -> None:
    store = ReviewStore(review_url)
    store.add_draft(draft(1), verdict("spring-instagram_post-1", "review"))
    seen = store.get("spring-instagram_post-1").version
    done = store.decide(
        Decision(draft_id="spring-instagram_post-1", action="approve", reviewer="maya"), seen, actor=reviewer("maya")
    )
    assert done.status == "approved" and done.version == seen + 1
    with pytest.raises(DecisionConflict, match="approve by maya"):
        store.decide(
            Decision(draft_id="spring-instagram_post-1", action="reject", reviewer="sam", note="no"),
            seen,
            actor=reviewer("sam"),
        )
    with pytest.raises(UserError, match="no draft 'nope'"):
        store.decide(Decision(draft_id="nope", action="approve", reviewer="sam"), actor=reviewer("sam"))
    history = store.history("spring-instagram_post-1")
    assert [(h.reviewer, h.from_status, h.to_status) for h in history] == [("maya", "in_review", "approved")]


def test_runs_are_recorded_and_a_killed_run_is_marked_crashed(review_url: str) -> None:
    import subprocess
    import sys

    store = ReviewStore(review_url)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    store.start_run("run-a", "spring", "brief.yaml", "schedule", planned=4)
    # A run whose process is gone (kill -9 leaves its row "running"):
    with store.engine.begin() as conn:
        conn.execute(store.tables.runs.update().where(store.tables.runs.c.id == "run-a").values(pid=int(dead.stdout)))
    assert store.other_runs_active("spring", "run-b") is False
    store.start_run("run-b", "spring", "brief.yaml", "manual", planned=4)
    assert store.other_runs_active("spring", "run-c") is True  # run-b is this live process
    store.add_draft(draft(1), verdict("spring-instagram_post-1", "review"), run_id="run-b")
    store.finish_run("run-b", "completed", rendered=1)
    runs = {r.id: r for r in store.runs()}
    assert runs["run-a"].status == "crashed" and runs["run-a"].finished_at is not None
    assert runs["run-b"].status == "completed" and runs["run-b"].rendered == 1 and runs["run-b"].trigger == "manual"
    assert [r.id for r in store.runs(campaign="spring", limit=1)] == ["run-b"]  # newest first
    assert store.get("spring-instagram_post-1").run_id == "run-b"
    assert store.referenced_files("spring") == {"/x/1.png"}


def test_lineage_follows_re_plans_from_the_root(review_url: str) -> None:
    store = ReviewStore(review_url)
    root = draft(1)
    first = root.model_copy(
        update={"plan": root.plan.model_copy(update={"id": f"{root.plan.id}-r1", "parent_id": root.plan.id})}
    )
    second = first.model_copy(
        update={"plan": first.plan.model_copy(update={"id": f"{root.plan.id}-r2", "parent_id": first.plan.id})}
    )
    for d in (root, first, second, draft(2)):
        store.add_draft(d, verdict(d.plan.id, "reject"))
    chain = [r.id for r in store.lineage(first.plan.id)]
    assert chain == [root.plan.id, first.plan.id, second.plan.id]
    assert [r.id for r in store.lineage(draft(2).plan.id)] == [draft(2).plan.id]
    with pytest.raises(UserError, match="no draft 'nope'"):
        store.lineage("nope")


def test_a_store_made_by_an_older_onbrand_gains_the_new_columns(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "review.db"
    with sqlite3.connect(path) as conn:  # the drafts table as the first release created it
        conn.execute(
            "CREATE TABLE drafts (id VARCHAR(200) PRIMARY KEY, campaign VARCHAR(200) NOT NULL, channel VARCHAR(100) "
            "NOT NULL, status VARCHAR(32) NOT NULL, verdict VARCHAR(16) NOT NULL, image_path TEXT NOT NULL, "
            "image_sha256 VARCHAR(64) NOT NULL, plan JSON NOT NULL, draft JSON NOT NULL, report JSON, "
            "parent_id VARCHAR(200), version INTEGER NOT NULL, created_at DATETIME NOT NULL, "
            "updated_at DATETIME NOT NULL)"
        )
    store = ReviewStore(f"sqlite:///{path}")
    store.add_draft(draft(1), verdict("spring-instagram_post-1", "review"), run_id="r1")
    assert store.get("spring-instagram_post-1").run_id == "r1"


def test_a_read_only_store_is_a_clear_error_and_keeps_what_it_has(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "review.db"
    store = ReviewStore(f"sqlite:///{path}")
    store.add_draft(draft(1), verdict("spring-instagram_post-1", "review"))
    store.engine.dispose()
    read_only = ReviewStore(f"sqlite:///file:{path}?mode=ro&uri=true")
    from pipeline.errors import storage_error

    with pytest.raises(Exception) as raised:
        read_only.decide(
            Decision(draft_id="spring-instagram_post-1", action="approve", reviewer="maya"), actor=reviewer("maya")
        )
    found = storage_error(raised.value)
    assert found is not None and "review store" in str(found) and "writable" in str(found)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert ReviewStore(f"sqlite:///{path}").get("spring-instagram_post-1").status == "in_review"


def test_storage_errors_are_one_line_user_errors() -> None:
    import errno

    from pipeline.errors import storage_error

    full = storage_error(OSError(errno.ENOSPC, "No space left on device", "/w/drafts/a.png"))
    assert full is not None and str(full).startswith("/w/drafts/a.png: No space left on device; free some space")
    ro = storage_error(OSError(errno.EROFS, "Read-only file system", "/w/review.db"))
    assert ro is not None and "ONBRAND_HOME" in str(ro)
    assert storage_error(ValueError("a bug")) is None
    wrapped = RuntimeError("task failed")
    wrapped.__cause__ = OSError(errno.ENOSPC, "No space left on device")
    assert storage_error(wrapped) is not None


def test_a_decision_can_be_reopened_and_both_entries_stay_in_the_log(review_url: str) -> None:
    from pipeline.errors import PermissionDenied
    from tests.actors import VIEWER

    store = ReviewStore(review_url)
    store.add_draft(draft(1), verdict("spring-instagram_post-1", "review"))
    store.add_draft(draft(2), verdict("spring-instagram_post-2", "reject"))
    seen = store.decide(
        Decision(draft_id="spring-instagram_post-1", action="approve", reviewer="maya"), actor=reviewer("maya")
    ).version
    with pytest.raises(PermissionDenied, match="vic is a viewer"):
        store.reopen("spring-instagram_post-1", actor=VIEWER)
    back = store.reopen(
        "spring-instagram_post-1", actor=reviewer("sam"), note="approved too fast", expected_version=seen
    )
    assert back.status == "in_review" and back.version == seen + 1
    log = store.history("spring-instagram_post-1")
    assert [(h.action, h.reviewer, h.from_status, h.to_status) for h in log] == [
        ("approve", "maya", "in_review", "approved"),
        ("reopen", "sam", "approved", "in_review"),
    ]
    with pytest.raises(DecisionConflict):  # the version sam saw is gone
        store.reopen("spring-instagram_post-1", actor=reviewer("sam"), expected_version=seen)
    with pytest.raises(UserError, match="cannot be reopened: it is in review"):
        store.reopen("spring-instagram_post-1", actor=reviewer("sam"))
    assert store.reopen("spring-instagram_post-2", actor=reviewer()).status == "in_review"  # overriding the gate
    store.decide(Decision(draft_id="spring-instagram_post-2", action="approve", reviewer="maya"), actor=reviewer())
    store.mark_exported(["spring-instagram_post-2"], reviewer())
    with pytest.raises(UserError, match="it has been exported"):
        store.reopen("spring-instagram_post-2", actor=reviewer())


def test_runs_record_who_started_them_and_their_counts_add_up(review_url: str) -> None:
    store = ReviewStore(review_url)
    store.start_run("run-x", "spring", "brief.yaml", "ui", planned=3, requested_by="maya", skipped=2)
    store.add_planned("run-x", 2)  # re-plans of gate rejections
    [running] = store.runs(status="running")
    assert (running.requested_by, running.planned, running.skipped) == ("maya", 5, 2)
    store.finish_run("run-x", "completed", rendered=4, failed=1)
    [done] = store.runs(campaign="spring")
    assert done.rendered + done.failed == done.planned and not store.runs(status="running")


def test_sign_ins_are_recorded_and_failures_counted_across_sessions(review_url: str) -> None:
    from datetime import UTC, datetime, timedelta

    store = ReviewStore(review_url)
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    for session in ("tab-1", "tab-2", "other-browser"):
        store.record_sign_in("maya", "failed", session, "10.0.0.7")
    assert store.failures_since("maya", hour_ago)[0] == 3
    assert store.failures_since("vic", hour_ago) == (0, None)
    store.record_sign_in("maya", "signed_in", "tab-3")
    assert store.failures_since("maya", hour_ago)[0] == 0  # a success starts the count again
    assert not store.signed_out("tab-3")
    store.record_sign_in("maya", "signed_out", "tab-3")
    assert store.signed_out("tab-3")
    assert [e.event for e in store.sign_ins("maya")][:2] == ["signed_out", "signed_in"]


def test_a_store_made_before_the_new_columns_gets_them(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # the runs table as it was before requested_by and skipped
        conn.execute(
            "CREATE TABLE runs (id VARCHAR(64) PRIMARY KEY, campaign VARCHAR(200) NOT NULL, brief TEXT NOT NULL, "
            "trigger VARCHAR(32) NOT NULL, status VARCHAR(16) NOT NULL, host VARCHAR(255) NOT NULL, pid INTEGER NOT "
            "NULL, started_at DATETIME NOT NULL, finished_at DATETIME, planned INTEGER NOT NULL, rendered INTEGER NOT "
            "NULL, failed INTEGER NOT NULL, error TEXT NOT NULL, cleaned BOOLEAN NOT NULL)"
        )
        conn.execute(
            "INSERT INTO runs VALUES ('old', 'spring', 'b.yaml', 'manual', 'completed', 'h', 1, "
            "'2025-01-01 00:00:00', NULL, 2, 2, 0, '', 0)"
        )
    store = ReviewStore(f"sqlite:///{path}")
    [old] = store.runs()
    assert (old.id, old.requested_by, old.skipped) == ("old", "", 0)
