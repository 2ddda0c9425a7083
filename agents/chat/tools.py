"""The chat agent's tools: plain functions over onbrand's stages, bound to one chat session.

Both the LLM agent (as LangChain tools) and the deterministic router call these same functions, so
a tool behaves the same whoever picked it. Each returns a :class:`pipeline.models.ToolResult` with a
one-line ``summary`` the chat reply can quote.

Approve and reject exist only for a session whose user has the reviewer role; guideline text and
chat messages cannot change that ("approve everything" in a guideline is just a passage).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from pipeline.errors import UserError
from pipeline.models import (
    CampaignRequest,
    CampaignResult,
    CampaignRun,
    Decision,
    DecisionAction,
    DecisionResult,
    GuidelinesResult,
    Passage,
    PlanResult,
    ProfileResult,
    PromptCheckResult,
    ReviewStatusResult,
    ToolResult,
)
from pipeline.settings import Settings

Role = Literal["reviewer", "viewer"]
REVIEWER_TOOLS = ("approve", "reject")


class ChatSession(BaseModel):
    """Who is chatting, about which brand, in which workspace."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    settings: Settings
    brand: str | None = None
    user: str = "chat"
    role: Role = "viewer"
    # How this chat starts a campaign: flows.launch.launch_campaign, passed in by whoever opens the
    # chat (the CLI, the UI); None: run_campaign answers that it is not available here.
    launcher: Callable[[CampaignRequest, Settings], CampaignRun] | None = None


def _brand(session: ChatSession, brand: str | None) -> str:
    name = brand or session.brand
    if name:
        return name
    from pipeline.brand.store import ProfileStore

    known = ProfileStore(session.settings).known_brands()
    if len(known) == 1:
        return known[0]
    raise UserError(f"which brand? say it in the request or pass --brand; known brands: {', '.join(known) or 'none'}")


def search_guidelines(session: ChatSession, query: str, brand: str | None = None, k: int = 3) -> GuidelinesResult:
    """Guideline passages that answer a question about the brand."""
    from pipeline.knowledge.retrieval import Retriever
    from pipeline.knowledge.store import KnowledgeBase

    name = _brand(session, brand)
    hits = Retriever(KnowledgeBase(session.settings)).search(query, brand=name, k=k)
    passages = [
        Passage(text=h.text, source=h.source, section=h.section, page=h.page, score=round(h.score, 3)) for h in hits
    ]
    summary = f"{len(passages)} passage(s) from {name}'s guidelines" if passages else "no passage found"
    return GuidelinesResult(brand=name, passages=passages, summary=summary)


def brand_profile(session: ChatSession, brand: str | None = None) -> ProfileResult:
    """The brand's palette, fonts, banned words and rules."""
    from pipeline.brand.store import ProfileStore

    profile = ProfileStore(session.settings).profile(_brand(session, brand))
    fonts = [f.family for f in profile.fonts if f.usage != "fallback"] or [f.family for f in profile.fonts]
    summary = (
        f"{profile.name}: {len(profile.palette)} colours, fonts {', '.join(fonts) or 'none'}, "
        f"{len(profile.banned_terms)} banned terms"
    )
    return ProfileResult(profile=profile, summary=summary)


def check_prompt(session: ChatSession, prompt: str, brand: str | None = None) -> PromptCheckResult:
    """Whether a prompt passes the safety and brand gate, and why not."""
    from pipeline.brand.store import ProfileStore
    from pipeline.gate.prompt import check_prompt as gate

    profile = None
    try:
        profile = ProfileStore(session.settings).profile(_brand(session, brand))
    except UserError:
        profile = None  # safety rules still apply without a brand
    verdict = gate(prompt, profile)
    summary = "allowed" if verdict.allowed else "blocked: " + "; ".join(r.message for r in verdict.reasons)
    return PromptCheckResult(prompt=prompt, allowed=verdict.allowed, reasons=verdict.reasons, summary=summary)


def plan_brief(session: ChatSession, brief: str, channel: str | None = None, count: int | None = None) -> PlanResult:
    """Prompts and layouts for a brief, without rendering."""
    from agents.campaign import plan_prepared
    from pipeline.campaign.request import prepare_campaign

    request = CampaignRequest(brief=brief, channels=[channel] if channel else None, count=count, trigger="chat")
    plan = plan_prepared(prepare_campaign(request, session.settings), session.settings)
    summary = f"{len(plan.drafts)} draft plan(s) for {plan.campaign}" + (
        f" ({len(plan.warnings)} warning(s))" if plan.warnings else ""
    )
    return PlanResult(plan=plan, summary=summary)


def run_campaign(
    session: ChatSession, brief: str, channel: str | None = None, count: int | None = None
) -> CampaignResult:
    """Plan, render and gate drafts for a brief (the campaign flow); they land in the review queue."""
    if session.launcher is None:
        raise UserError("running campaigns is not available in this chat; use onbrand run BRIEF")
    request = CampaignRequest(
        brief=brief,
        channels=[channel] if channel else None,
        count=count,
        trigger="chat",
        requested_by=session.user,
    )
    run = session.launcher(request, session.settings)  # the same use case as `onbrand run` and the UI
    made = sum(1 for d in run.drafts if d.status != "failed")
    where = "" if run.via == "in-process" else f" on the Prefect server ({run.via})"
    if run.status != "completed":
        summary = f"run {run.run_id[:8]} of {run.campaign} is {run.status}{where}"
    else:
        summary = f"{made} draft(s) for {run.campaign} (run {run.run_id[:8]}{where})"
    return CampaignResult(run=run.model_copy(update={"plan": None}), summary=summary)


def review_status(session: ChatSession, campaign: str | None = None) -> ReviewStatusResult:
    """How many drafts are in each review state (for one campaign, or all)."""
    from pipeline.review.store import ReviewStore

    store = ReviewStore.from_settings(session.settings)
    counts = store.counts(campaign)
    waiting = [r.id for r in store.list_drafts(campaign=campaign, status="in_review")][:20]
    total = sum(counts.values())
    parts = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(counts.items())) or "no drafts yet"
    summary = f"{campaign or 'all campaigns'}: {parts}" if total else f"{campaign or 'all campaigns'}: no drafts yet"
    return ReviewStatusResult(campaign=campaign, counts=counts, waiting=waiting, summary=summary)


def _decide(session: ChatSession, draft_id: str, action: DecisionAction, note: str) -> DecisionResult:
    from pipeline.review.store import ReviewStore

    if session.role != "reviewer":
        raise UserError(f"{action} needs the reviewer role; {session.user} is a viewer")
    draft_id = normalise_draft_id(draft_id)
    record = ReviewStore.from_settings(session.settings).decide(
        Decision(draft_id=draft_id, action=action, reviewer=session.user, note=note)
    )
    return DecisionResult(
        id=record.id, status=record.status, by=session.user, summary=f"{record.id} is {record.status}"
    )


def normalise_draft_id(draft_id: str) -> str:
    """``campaign/channel/2`` (as people write it) -> ``campaign-channel-2`` (the stored id)."""
    draft_id = draft_id.strip().strip("'\"")
    return re.sub(r"/+", "-", draft_id)


def approve(session: ChatSession, draft_id: str, note: str = "") -> DecisionResult:
    """Approve one draft in review (reviewers only)."""
    return _decide(session, draft_id, "approve", note)


def reject(session: ChatSession, draft_id: str, reason: str) -> DecisionResult:
    """Reject one draft in review, with the reason (reviewers only)."""
    if not reason.strip():
        raise UserError("a rejection needs a reason, e.g. 'reject ID because the logo is cropped'")
    return _decide(session, draft_id, "reject", reason)


Tool = Callable[..., ToolResult]
TOOLS: dict[str, Tool] = {
    "search_guidelines": search_guidelines,
    "brand_profile": brand_profile,
    "check_prompt": check_prompt,
    "plan_brief": plan_brief,
    "run_campaign": run_campaign,
    "review_status": review_status,
    "approve": approve,
    "reject": reject,
}


def tools_for(session: ChatSession) -> dict[str, Tool]:
    """The tools this session may use: approve and reject only for reviewers."""
    return {n: f for n, f in TOOLS.items() if session.role == "reviewer" or n not in REVIEWER_TOOLS}
