"""Re-planning a draft from its failed checks: new seed, a fix per check, the reason recorded."""

from __future__ import annotations

import pytest

from agents.campaign import plan_brief
from agents.replan import replan
from pipeline.brand.store import ProfileStore
from pipeline.gate.prompt import check_prompt
from pipeline.models import Check, EvalReport
from pipeline.settings import DATA_DIR, Settings

pytestmark = pytest.mark.integration


def report(draft_id: str, *failed: str, warn: tuple[str, ...] = ()) -> EvalReport:
    checks = [Check(name=n, status="fail", score=0.1, reason=f"{n} is off") for n in failed]
    checks += [Check(name=n, status="warn", score=0.5, reason=f"{n} is borderline") for n in warn]
    checks.append(Check(name="sharpness", status="pass", score=0.9, reason="crisp"))
    return EvalReport(draft_id=draft_id, checks=checks, verdict="reject" if failed else "review")


def test_each_failed_check_gets_its_fix_and_the_reason_is_recorded(agent_settings: Settings) -> None:
    profile = ProfileStore(agent_settings).profile("Tidewell")
    plan = plan_brief(DATA_DIR / "briefs" / "spring-citrus-launch.yaml", agent_settings).drafts[0]
    revised = replan(plan, report(plan.id, "palette", "layout", "text_artifacts"), profile)
    assert revised.id == f"{plan.id}-r1" and revised.parent_id == plan.id and revised.generation == 1
    assert revised.seed != plan.seed
    assert "colour palette of teal" in revised.prompt
    assert "typography" in revised.negative_prompt and revised.negative_prompt.startswith(plan.negative_prompt)
    assert revised.controlnet_scale == pytest.approx(plan.controlnet_scale + 0.2)
    assert "failed palette (palette is off)" in revised.replan_reason
    assert "layout (layout is off)" in revised.replan_reason and "changed: seed" in revised.replan_reason
    assert check_prompt(revised.prompt, profile).allowed

    duplicate = replan(revised, report(revised.id, "duplicate"), profile, note="too close to draft 2")
    assert duplicate.id == f"{plan.id}-r2" and duplicate.parent_id == revised.id
    assert duplicate.layout.template != revised.layout.template
    assert "reviewer: too close to draft 2" in duplicate.replan_reason
    assert len({plan.seed, revised.seed, duplicate.seed}) == 3


def test_warnings_are_fixed_when_nothing_failed_and_a_reviewer_note_alone_works(agent_settings: Settings) -> None:
    profile = ProfileStore(agent_settings).profile("Tidewell")
    plan = plan_brief(DATA_DIR / "briefs" / "summer-table-bottles.yaml", agent_settings).drafts[1]
    revised = replan(plan, report(plan.id, warn=("sharpness",)), profile)
    assert "sharp focus" in revised.prompt
    by_note = replan(plan, None, profile, note="warmer light please")
    assert by_note.replan_reason.startswith("reviewer: warmer light please") and by_note.seed != plan.seed
