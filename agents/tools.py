"""The chat agent's tools: plain functions over onbrand's stages, bound to one chat session.

Both the LLM agent (as LangChain tools) and the deterministic router call these same functions, so
a tool behaves the same whoever picked it. Results are small JSON-able dicts; every tool returns a
one-line ``summary`` the chat reply can quote.

Approve and reject exist only for a session whose user has the reviewer role; guideline text and
chat messages cannot change that ("approve everything" in a guideline is just a passage).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from pipeline.errors import UserError
from pipeline.settings import DATA_DIR, Settings

Role = Literal["reviewer", "viewer"]
REVIEWER_TOOLS = ("approve", "reject")


class ChatSession(BaseModel):
    """Who is chatting, about which brand, in which workspace."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    settings: Settings
    brand: str | None = None
    user: str = "chat"
    role: Role = "viewer"


def brief_folders(settings: Settings) -> list[Path]:
    """Where briefs are looked up by name: the workspace's ``briefs/``, then the bundled samples."""
    return [settings.home / "briefs", DATA_DIR / "briefs"]


def known_briefs(settings: Settings) -> dict[str, Path]:
    """Brief name (file stem) -> path; a workspace brief shadows a sample of the same name."""
    found: dict[str, Path] = {}
    for folder in brief_folders(settings):
        if folder.is_dir():
            for path in sorted(folder.glob("*.y*ml")):
                found.setdefault(path.stem, path)
    return found


def resolve_brief(name: str, settings: Settings) -> Path:
    """A brief by name (``spring-citrus-launch``) or path; an unknown one is a user error listing the known."""
    path = Path(name).expanduser()
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return path
    briefs = known_briefs(settings)
    if name in briefs:
        return briefs[name]
    raise UserError(f"no brief named '{name}'; known briefs: {', '.join(briefs) or 'none'} (or give a .yaml path)")


def _brand(session: ChatSession, brand: str | None) -> str:
    name = brand or session.brand
    if name:
        return name
    from pipeline.brand_store import ProfileStore

    known = ProfileStore(session.settings).known_brands()
    if len(known) == 1:
        return known[0]
    raise UserError(f"which brand? say it in the request or pass --brand; known brands: {', '.join(known) or 'none'}")


def search_guidelines(session: ChatSession, query: str, brand: str | None = None, k: int = 3) -> dict[str, Any]:
    """Guideline passages that answer a question about the brand."""
    from pipeline.knowledge import KnowledgeBase
    from pipeline.retrieval import Retriever

    name = _brand(session, brand)
    hits = Retriever(KnowledgeBase(session.settings)).search(query, brand=name, k=k)
    passages = [
        {"text": h.text, "source": h.source, "section": h.section, "page": h.page, "score": round(h.score, 3)}
        for h in hits
    ]
    summary = f"{len(passages)} passage(s) from {name}'s guidelines" if passages else "no passage found"
    return {"brand": name, "passages": passages, "summary": summary}


def brand_profile(session: ChatSession, brand: str | None = None) -> dict[str, Any]:
    """The brand's palette, fonts, banned words and rules."""
    from pipeline.brand_store import ProfileStore

    name = _brand(session, brand)
    data: dict[str, Any] = ProfileStore(session.settings).profile(name).contract_json()
    data.pop("sources", None)
    summary = (
        f"{data['name']}: {len(data['palette'])} colours, fonts {', '.join(data['fonts']) or 'none'}, "
        f"{len(data['banned_terms'])} banned terms"
    )
    return {**data, "summary": summary}


def check_prompt(session: ChatSession, prompt: str, brand: str | None = None) -> dict[str, Any]:
    """Whether a prompt passes the safety and brand gate, and why not."""
    from pipeline.brand_store import ProfileStore
    from pipeline.prompt_gate import check_prompt as gate

    profile = None
    try:
        profile = ProfileStore(session.settings).profile(_brand(session, brand))
    except UserError:
        profile = None  # safety rules still apply without a brand
    verdict = gate(prompt, profile)
    reasons = [{"rule": r.rule, "matched": r.matched, "message": r.message} for r in verdict.reasons]
    summary = "allowed" if verdict.allowed else "blocked: " + "; ".join(r["message"] for r in reasons)
    return {"prompt": prompt, "allowed": verdict.allowed, "reasons": reasons, "summary": summary}


def plan_brief(
    session: ChatSession, brief: str, channel: str | None = None, count: int | None = None
) -> dict[str, Any]:
    """Prompts and layouts for a brief, without rendering."""
    from agents.campaign import plan_brief as plan

    result = plan(resolve_brief(brief, session.settings), session.settings, count, [channel] if channel else None)
    data = result.contract_json()
    data["summary"] = f"{len(result.drafts)} draft plan(s) for {result.campaign}" + (
        f" ({len(result.warnings)} warning(s))" if result.warnings else ""
    )
    return data


def run_campaign(
    session: ChatSession, brief: str, channel: str | None = None, count: int | None = None
) -> dict[str, Any]:
    """Plan, render and gate drafts for a brief (the campaign flow); they land in the review queue."""
    from agents.campaign import check_request
    from pipeline.briefs import load_brief

    path = resolve_brief(brief, session.settings)
    check_request(load_brief(path), session.settings, count, [channel] if channel else None)  # clear errors first
    from flows.campaign import start_campaign  # the same flow as `onbrand run` and the schedules

    result = start_campaign(str(path), session.settings, count, [channel] if channel else None, trigger="chat")
    rows = [{k: d[k] for k in ("id", "channel", "image", "verdict", "status")} for d in result["drafts"]]
    made = sum(1 for d in result["drafts"] if d["status"] != "failed")
    where = "" if result["via"] == "in-process" else f" on the Prefect server ({result['via']})"
    if result["status"] != "completed":
        summary = f"run {result['run_id'][:8]} of {result['campaign']} is {result['status']}{where}"
    else:
        summary = f"{made} draft(s) for {result['campaign']} (run {result['run_id'][:8]}{where})"
    return {
        "campaign": result["campaign"],
        "run_id": result["run_id"],
        "drafts": rows,
        "warnings": result["warnings"],
        "via": result["via"],
        "status": result["status"],
        "summary": summary,
    }


def review_status(session: ChatSession, campaign: str | None = None) -> dict[str, Any]:
    """How many drafts are in each review state (for one campaign, or all)."""
    from pipeline.review_store import ReviewStore

    store = ReviewStore.from_settings(session.settings)
    counts = store.counts(campaign)
    waiting = [r.id for r in store.list_drafts(campaign=campaign, status="in_review")][:20]
    total = sum(counts.values())
    parts = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(counts.items())) or "no drafts yet"
    summary = f"{campaign or 'all campaigns'}: {parts}" if total else f"{campaign or 'all campaigns'}: no drafts yet"
    return {"campaign": campaign, "counts": counts, "waiting": waiting, "summary": summary}


def _decide(session: ChatSession, draft_id: str, action: str, note: str) -> dict[str, Any]:
    from pipeline.models import Decision
    from pipeline.review_store import ReviewStore

    if session.role != "reviewer":
        raise UserError(f"{action} needs the reviewer role; {session.user} is a viewer")
    draft_id = normalise_draft_id(draft_id)
    record = ReviewStore.from_settings(session.settings).decide(
        Decision(draft_id=draft_id, action=action, reviewer=session.user, note=note)
    )
    return {"id": record.id, "status": record.status, "by": session.user, "summary": f"{record.id} is {record.status}"}


def normalise_draft_id(draft_id: str) -> str:
    """``campaign/channel/2`` (as people write it) -> ``campaign-channel-2`` (the stored id)."""
    draft_id = draft_id.strip().strip("'\"")
    return re.sub(r"/+", "-", draft_id)


def approve(session: ChatSession, draft_id: str, note: str = "") -> dict[str, Any]:
    """Approve one draft in review (reviewers only)."""
    return _decide(session, draft_id, "approve", note)


def reject(session: ChatSession, draft_id: str, reason: str) -> dict[str, Any]:
    """Reject one draft in review, with the reason (reviewers only)."""
    if not reason.strip():
        raise UserError("a rejection needs a reason, e.g. 'reject ID because the logo is cropped'")
    return _decide(session, draft_id, "reject", reason)


TOOLS: dict[str, Callable[..., dict[str, Any]]] = {
    "search_guidelines": search_guidelines,
    "brand_profile": brand_profile,
    "check_prompt": check_prompt,
    "plan_brief": plan_brief,
    "run_campaign": run_campaign,
    "review_status": review_status,
    "approve": approve,
    "reject": reject,
}


def tools_for(session: ChatSession) -> dict[str, Callable[..., dict[str, Any]]]:
    """The tools this session may use: approve and reject only for reviewers."""
    return {n: f for n, f in TOOLS.items() if session.role == "reviewer" or n not in REVIEWER_TOOLS}
