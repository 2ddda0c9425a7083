"""From a brief file to a guarded :class:`CampaignPlan`, with the workspace's brand, guidelines and model.

    >>> plan = plan_brief(Path("data/briefs/spring-citrus-launch.yaml"), load_settings())  # doctest: +SKIP
    >>> [d.id for d in plan.drafts][:2]
    ['spring-citrus-launch-instagram_post-1', 'spring-citrus-launch-instagram_post-2']

This is what ``onbrand plan``, the chat agent's plan_brief tool and the campaign flow call.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from agents.planner import Planner, PlanRequest, TemplatePlanner, plan_campaign
from pipeline.errors import UserError

if TYPE_CHECKING:
    from pipeline.models import BrandProfile, Brief, CampaignPlan, SearchHit
    from pipeline.settings import Settings

MAX_DRAFTS_PER_CHANNEL = 16  # the brief's own limit; bigger asks are capped with a warning
# What a planner needs to know from the guidelines, beyond the structured profile.
PASSAGE_QUERIES = (
    "photography and imagery: what to show and what never to show",
    "lighting, setting and props in product photography",
    "layout: headline, logo placement and negative space",
)


def make_planner(settings: Settings) -> Planner:
    """The template planner, or the LLM planner when ``ONBRAND_LLM`` names a model."""
    if not settings.llm:
        return TemplatePlanner()
    from agents.llm import LLMPlanner, load_chat_model

    return LLMPlanner(load_chat_model(settings.llm, settings), name=settings.llm)


def retrieve_passages(brief: Brief, settings: Settings) -> list[SearchHit]:
    """Guideline passages about imagery, light and layout, and about this brief's product and mood."""
    from pipeline.knowledge import KnowledgeBase
    from pipeline.retrieval import Retriever

    kb = KnowledgeBase(settings)
    if not kb.has_brand(brief.brand):
        return []
    retriever = Retriever(kb)
    queries = [*PASSAGE_QUERIES, f"{brief.product} {' '.join(brief.mood)}"]
    seen: dict[str, SearchHit] = {}
    for query in queries:
        for hit in retriever.search(query, brand=brief.brand, k=3):
            seen.setdefault(hit.chunk_id, hit)
    return list(seen.values())


def check_request(
    brief: Brief, settings: Settings, count: int | None = None, channels: list[str] | None = None
) -> tuple[BrandProfile, int | None, list[str]]:
    """The cheap checks of a plan request, as clear user errors: the brand has a profile, the
    channels are the brief's, the count is positive. Returns the profile, the count (capped at 16)
    and a warning when it was capped. Callers that start a flow run this first."""
    from pipeline.brand_store import ProfileStore

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
    return ProfileStore(settings).profile(brief.brand), count, warnings


def build_request(
    brief: Brief,
    settings: Settings,
    count: int | None = None,
    channels: list[str] | None = None,
) -> tuple[PlanRequest, list[str]]:
    """The planner's input for ``brief``: the brand's merged profile, passages, channels and the
    configured model's render size. ``count`` overrides drafts per channel (capped at 16, with a
    warning); ``channels`` keeps only those of the brief's channels."""
    from pipeline.briefs import load_channels
    from pipeline.render import folder_controlnet, model_defaults

    profile, count, warnings = check_request(brief, settings, count, channels)
    known = load_channels()
    defaults = model_defaults(settings.diffusion_model)
    request = PlanRequest(
        brief=brief,
        profile=profile,
        passages=retrieve_passages(brief, settings),
        channels={name: known[name] for name in brief.channels},
        resolution=defaults.resolution,
        size_multiple=defaults.size_multiple,
        control_type="boxes",
        control_scale=defaults.control_scale if folder_controlnet(settings.diffusion_model) else 1.0,
        drafts_per_channel=count,
        only_channels=channels or None,
    )
    return request, warnings


def plan_brief(
    path: Path | Brief,
    settings: Settings,
    count: int | None = None,
    channels: list[str] | None = None,
    planner: Planner | None = None,
) -> CampaignPlan:
    """Load (or take) a brief and plan it with the configured planner."""
    from pipeline.briefs import load_brief

    brief = load_brief(path) if isinstance(path, Path) else path
    request, warnings = build_request(brief, settings, count, channels)
    plan = plan_campaign(request, planner or make_planner(settings))
    return plan.model_copy(update={"warnings": warnings + plan.warnings})
