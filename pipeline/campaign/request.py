"""Starting a campaign, checked once: the request's brief is found and loaded, its brand has a
profile, its channels are the brief's, its count is sensible.

    >>> prepared = prepare_campaign(CampaignRequest(brief="spring-citrus-launch", count=2), settings)  # doctest: +SKIP
    >>> prepared.brief.campaign, prepared.profile.name
    ('spring-citrus-launch', 'Tidewell')

Every way of starting a campaign (the CLI, the chat agent, the UI, a schedule) goes through
:func:`flows.launch.launch_campaign`, which calls this before anything runs; the flow plans from the
prepared request, so the brief and the brand profile are read once per run.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.brand.store import ProfileStore
from pipeline.campaign.briefs import load_brief
from pipeline.campaign.lookup import resolve_brief
from pipeline.errors import UserError
from pipeline.models import Brief, CampaignRequest, PreparedCampaign
from pipeline.settings import Settings

MAX_DRAFTS_PER_CHANNEL = 16  # the brief's own limit; bigger asks are capped with a warning


def check_plan_options(brief: Brief, count: int | None, channels: list[str] | None) -> tuple[int | None, list[str]]:
    """The channels must be the brief's and the count positive: clear user errors otherwise. Returns
    the count (capped at 16) and a warning when it was capped."""
    warnings: list[str] = []
    if channels:
        unknown = [c for c in channels if c not in brief.channels]
        if unknown:
            raise UserError(
                f"channel '{unknown[0]}' is not in brief '{brief.campaign}'; its channels: {', '.join(brief.channels)}"
            )
    if count is not None:
        if count < 1:
            raise UserError(f"draft count {count} is not positive; ask for 1 to {MAX_DRAFTS_PER_CHANNEL}")
        if count > MAX_DRAFTS_PER_CHANNEL:
            warnings.append(f"asked for {count} drafts per channel; capped at {MAX_DRAFTS_PER_CHANNEL}")
            count = MAX_DRAFTS_PER_CHANNEL
    return count, warnings


def prepare_brief(
    path: Path, settings: Settings, count: int | None = None, channels: list[str] | None = None
) -> PreparedCampaign:
    """A brief file prepared for planning (``onbrand plan``): the file itself, never a name lookup."""
    return prepare_campaign(CampaignRequest(brief=str(path), count=count, channels=channels), settings, path)


def prepare_campaign(request: CampaignRequest, settings: Settings, path: Path | None = None) -> PreparedCampaign:
    """Check ``request`` and load what its run needs; every problem is one clear :class:`UserError`.
    ``path`` is the brief's file when the caller has it already (else the request's brief is looked
    up by name or path)."""
    path = path or resolve_brief(request.brief, settings)
    brief = load_brief(path)
    count, warnings = check_plan_options(brief, request.count, request.channels)
    profile = ProfileStore(settings).profile(brief.brand)
    return PreparedCampaign(
        request=request,
        brief_path=str(path),
        brief=brief,
        profile=profile,
        channels=request.channels or None,
        count=count,
        warnings=warnings,
    )
