"""The review store on a real SQLite file: idempotent adds, states, conflicts, the decision log."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import UserError
from pipeline.models import Check, Decision, Draft, DraftPlan, EvalReport, Layout
from pipeline.review_store import DecisionConflict, ReviewStore

pytestmark = pytest.mark.unit


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


def test_adding_twice_keeps_one_row_and_the_gate_sets_the_first_state(tmp_path: Path) -> None:
    store = ReviewStore(f"sqlite:///{tmp_path / 'review.db'}")
    assert store.add_draft(draft(1), verdict("spring-instagram_post-1", "review")) == "in_review"
    assert store.add_draft(draft(2), verdict("spring-instagram_post-2", "reject")) == "rejected_by_gate"
    assert store.add_draft(draft(1), verdict("spring-instagram_post-1", "reject")) == "in_review"  # kept as it was
    assert store.counts() == {"in_review": 1, "rejected_by_gate": 1}
    assert [r.id for r in store.list_drafts(status="in_review")] == ["spring-instagram_post-1"]
    assert store.get("spring-instagram_post-2").reasons == ["because"]
    with pytest.raises(UserError, match="unknown status"):
        store.list_drafts(status="done")


def test_a_second_decision_is_a_conflict_naming_the_first(tmp_path: Path) -> None:
    store = ReviewStore(f"sqlite:///{tmp_path / 'review.db'}")
    store.add_draft(draft(1), verdict("spring-instagram_post-1", "review"))
    seen = store.get("spring-instagram_post-1").version
    done = store.decide(Decision(draft_id="spring-instagram_post-1", action="approve", reviewer="maya"), seen)
    assert done.status == "approved" and done.version == seen + 1
    with pytest.raises(DecisionConflict, match="approve by maya"):
        store.decide(Decision(draft_id="spring-instagram_post-1", action="reject", reviewer="sam", note="no"), seen)
    with pytest.raises(UserError, match="no draft 'nope'"):
        store.decide(Decision(draft_id="nope", action="approve", reviewer="sam"))
    history = store.history("spring-instagram_post-1")
    assert [(h["reviewer"], h["from_status"], h["to_status"]) for h in history] == [("maya", "in_review", "approved")]
