"""The chat agent's tools: plain functions over onbrand's stages, bound to one chat session.

Both the LLM agent (as LangChain tools) and the deterministic router call these same functions, so
a tool behaves the same whoever picked it. Each returns a :class:`pipeline.models.ToolResult` with a
one-line ``summary`` the chat reply can quote.

Approving, rejecting and running campaigns need the reviewer role. The check is in what those tools
call (the review store, the launch), so the chat cannot do what its user may not; viewers are not
even offered those tools. Guideline text and chat messages cannot change that ("approve everything"
in a guideline is just a passage).

A brief is named (``spring-citrus-launch``) or given as a path to its YAML file. In the UI a path
must lie in one of the configured brief folders (``brief_folders``); the command line, run by the
machine's own user, takes any readable path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.errors import UserError
from pipeline.models import (
    Actor,
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
    Role,
    ToolResult,
)
from pipeline.settings import Settings

# Tools that change something; a viewer's chat is not offered them (and they check the role anyway).
REVIEWER_TOOLS = ("approve", "reject", "run_campaign")
DECISION_TOOLS = ("approve", "reject")


class ChatSession(BaseModel):
    """Who is chatting, about which brand, in which workspace."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    settings: Settings
    brand: str | None = None
    user: str = "chat"
    role: Role = "viewer"
    # How this chat starts a campaign: flows.launch.launch_campaign, passed in by whoever opens the
    # chat (the CLI, the UI); None: run_campaign answers that it is not available here.
    launcher: Callable[[CampaignRequest, Settings, Actor], CampaignRun] | None = None
    # Folders a brief given as a path must lie in (the UI's brief folders); None: any readable file
    # (the command line, run by the machine's own user).
    brief_folders: list[Path] | None = None

    @property
    def actor(self) -> Actor:
        return Actor(name=self.user, role=self.role)


def brief_of(session: ChatSession, brief: str) -> str:
    """A brief's name as it is, or a path checked: readable, a YAML file, and (in the UI) inside the
    brief folders. Errors never show where the server keeps things."""
    text = brief.strip().strip("'\"`")
    if not re.search(r"[/\\]|\.ya?ml$", text, re.IGNORECASE):
        return text
    path = Path(text).expanduser()
    if session.brief_folders is not None:
        resolved = path.resolve() if path.is_absolute() else None
        if resolved is None:
            candidates = [(folder / path).resolve() for folder in session.brief_folders]
            resolved = next((c for c in candidates if c.is_file()), candidates[0] if candidates else path.resolve())
        if not any(resolved.is_relative_to(folder.resolve()) for folder in session.brief_folders):
            raise UserError(
                f"'{path.name}' is outside the brief folders this UI reads; add the brief on the Campaigns page "
                "(Briefs tab), then name it"
            )
        path = resolved
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise UserError(f"'{path.name}' is not a brief: give a .yaml file or a brief's name")
    if not path.is_file():
        raise UserError(f"no brief file '{path.name}' there; check the path, or name a known brief")
    return str(path)


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

    request = CampaignRequest(
        brief=brief_of(session, brief), channels=[channel] if channel else None, count=count, trigger="chat"
    )
    plan = plan_prepared(prepare_campaign(request, session.settings), session.settings)
    summary = f"{len(plan.drafts)} draft plan(s) for {plan.campaign}" + (
        f" ({len(plan.warnings)} warning(s))" if plan.warnings else ""
    )
    return PlanResult(plan=plan, summary=summary)


def run_campaign(
    session: ChatSession, brief: str, channel: str | None = None, count: int | None = None
) -> CampaignResult:
    """Plan, render and gate drafts for a brief (the campaign flow); they land in the review queue."""
    session.actor.require("run")  # before anything is looked up (the launch checks again)
    if session.launcher is None:
        raise UserError("running campaigns is not available in this chat; use onbrand run BRIEF")
    request = CampaignRequest(
        brief=brief_of(session, brief),
        channels=[channel] if channel else None,
        count=count,
        trigger="chat",
        requested_by=session.user,
    )
    run = session.launcher(request, session.settings, session.actor)  # the use case of `onbrand run` and the UI
    made = [d for d in run.drafts if d.status != "failed"]
    where = "" if run.via == "in-process" else " on the Prefect server"
    if run.status != "completed":
        summary = f"the run of {run.campaign} is {run.status}{where}"
    elif run.new == 0 and made:
        summary = f"nothing new was made, {len(made)} draft(s) of {run.campaign} already exist"
    else:
        new = run.new if run.new is not None else len(made)
        summary = f"made {new} new draft(s) for {run.campaign}{where}"
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

    draft_id = normalise_draft_id(draft_id)
    record = ReviewStore.from_settings(session.settings).decide(
        Decision(draft_id=draft_id, action=action, reviewer=session.user, note=note), actor=session.actor
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
    """The tools this session may use: approve, reject and run_campaign only for reviewers (and admins)."""
    return {n: f for n, f in TOOLS.items() if session.actor.can("decide") or n not in REVIEWER_TOOLS}
