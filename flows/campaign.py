"""The campaign flow: brief -> plan -> render -> gate -> re-plan rejected drafts -> review store.

    >>> result = campaign_flow(brief="data/briefs/spring-citrus-launch.yaml")   # doctest: +SKIP
    >>> result["drafts"][0]["status"]
    'in_review'

Tasks are thin wrappers over the stages (``agents.campaign``, ``pipeline.drafting``,
``agents.replan``, ``pipeline.review_store``). A run is idempotent: a draft whose id is already in
the review store is not rendered again, so a run killed halfway is resumed by running it again.
With no ``PREFECT_API_URL`` the flow runs against Prefect's temporary local server.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from pipeline.drafting import FailedDraft
from pipeline.models import BrandProfile, CampaignPlan, Draft, DraftPlan, EvalReport
from pipeline.settings import Settings


@task(name="plan", cache_policy=NO_CACHE)
def plan_task(brief: str, settings: Settings, count: int | None, channels: list[str] | None) -> CampaignPlan:
    from pathlib import Path

    from agents.campaign import plan_brief
    from agents.tools import resolve_brief

    return plan_brief(
        resolve_brief(brief, settings) if not Path(brief).is_file() else Path(brief), settings, count, channels
    )


@task(name="render", retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def render_task(plans: list[DraftPlan], settings: Settings) -> tuple[list[Draft], list[FailedDraft]]:
    from pipeline.drafting import render_drafts_safely

    return render_drafts_safely(plans, settings)


@task(name="evaluate", cache_policy=NO_CACHE)
def evaluate_task(drafts: list[Draft], profile: BrandProfile) -> list[EvalReport]:
    from pipeline.drafting import evaluate_drafts

    return evaluate_drafts(drafts, profile)


@task(name="store", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def store_task(
    drafts: list[Draft], reports: list[EvalReport], failed: list[FailedDraft], settings: Settings
) -> list[str]:
    from pipeline.review_store import ReviewStore

    store = ReviewStore.from_settings(settings)
    for f in failed:
        store.add_failed(f.plan, f.reason)
    return [store.add_draft(d, r) for d, r in zip(drafts, reports, strict=True)]


def _summary_markdown(campaign: str, rows: list[dict[str, Any]]) -> str:
    lines = [f"# {campaign}", "", "| draft | channel | verdict | status | reasons |", "|---|---|---|---|---|"]
    for r in rows:
        reasons = "; ".join(r.get("reasons", []))[:200].replace("|", "/")
        lines.append(f"| {r['id']} | {r['channel']} | {r['verdict']} | {r['status']} | {reasons} |")
    return "\n".join(lines)


@flow(name="campaign", log_prints=True)
def campaign_flow(
    brief: str,
    count: int | None = None,
    channels: list[str] | None = None,
    max_replans: int = 1,
    settings_overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Plan a brief, render what is not stored yet, gate it, re-plan gate rejections up to
    ``max_replans`` times, and store every draft for review. ``settings_overrides`` are settings
    the caller already resolved (the chat agent's workspace); a deployment takes them from its
    worker's environment."""
    from agents.replan import replan
    from pipeline.brand_store import ProfileStore
    from pipeline.review_store import ReviewStore
    from pipeline.settings import load_settings

    settings = load_settings(**(settings_overrides or {}))
    plan = plan_task(brief, settings, count, channels)
    profile = ProfileStore(settings).profile(plan.brand)
    store = ReviewStore.from_settings(settings)
    todo = [p for p in plan.drafts if store.needs_render(p.id)]
    print(f"{plan.campaign}: {len(plan.drafts)} planned, {len(todo)} to render")
    ids = [p.id for p in plan.drafts]
    for generation in range(max_replans + 1):
        if not todo:
            break
        drafts, failed = render_task(todo, settings)
        for f in failed:
            print(f"render failed for {f.plan.id}: {f.reason}")
        reports = evaluate_task(drafts, profile)
        store_task(drafts, reports, failed, settings)
        if generation == max_replans:
            break
        todo = []
        for draft, report in zip(drafts, reports, strict=True):
            if report.verdict == "reject":
                revised = replan(draft.plan, report, profile)
                ids.append(revised.id)
                if store.needs_render(revised.id):
                    todo.append(revised)
        print(f"re-planning {len(todo)} rejected draft(s)")
    # A re-run also reports the re-plans an earlier run stored.
    for record in store.list_drafts(campaign=plan.campaign):
        if record.parent_id in ids and record.id not in ids:
            ids.append(record.id)
    records = {r.id: r for r in store.list_drafts(ids=ids)}
    rows = [
        {
            "id": r.id,
            "channel": r.channel,
            "image": r.image,
            "verdict": r.verdict,
            "status": r.status,
            "parent_id": r.parent_id,
            "reasons": r.reasons,
        }
        for r in (records[i] for i in ids if i in records)
    ]
    create_markdown_artifact(
        key=f"campaign-{''.join(c if c.isalnum() else '-' for c in plan.campaign.lower())[:60]}",
        markdown=_summary_markdown(plan.campaign, rows),
        description=f"drafts of {plan.campaign}",
    )
    return {
        "campaign": plan.campaign,
        "run_id": str(flow_run.get_id() or ""),
        "drafts": rows,
        "warnings": plan.warnings,
    }


@flow(name="revise-draft", log_prints=True)
def revise_flow(draft_id: str, note: str) -> dict[str, Any]:
    """A reviewer asked for changes: re-plan the draft with their note, render, gate and store it."""
    from agents.replan import replan
    from pipeline.brand_store import ProfileStore
    from pipeline.review_store import ReviewStore
    from pipeline.settings import load_settings

    settings = load_settings()
    store = ReviewStore.from_settings(settings)
    plan, report = store.plan_of(draft_id)
    profile = ProfileStore(settings).profile(plan.brand)
    revised = replan(plan, report, profile, note=note)
    while store.has(revised.id):  # an earlier request for the same draft already made this one
        revised = replan(revised, None, profile, note=note)
    drafts, failed = render_task([revised], settings)
    reports = evaluate_task(drafts, profile)
    store_task(drafts, reports, failed, settings)
    record = store.get(revised.id)
    return {
        "id": record.id,
        "parent_id": draft_id,
        "image": record.image,
        "verdict": record.verdict,
        "status": record.status,
    }
