"""From a brief file to a guarded :class:`CampaignPlan`, with the workspace's brand, guidelines and model.

    >>> plan = plan_brief(Path("data/briefs/spring-citrus-launch.yaml"), load_settings())  # doctest: +SKIP
    >>> [d.id for d in plan.drafts][:2]
    ['spring-citrus-launch-instagram_post-1', 'spring-citrus-launch-instagram_post-2']

This is what ``onbrand plan``, the chat agent's plan_brief tool and the campaign flow call; the
brief and the brand's profile come prepared (:mod:`pipeline.campaign.request`), read once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from agents.planner import Planner, PlanRequest, TemplatePlanner, plan_campaign

if TYPE_CHECKING:
    from pipeline.models import Brief, CampaignPlan, PreparedCampaign, SearchHit
    from pipeline.settings import Settings

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
    from pipeline.knowledge.retrieval import Retriever
    from pipeline.knowledge.store import KnowledgeBase

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


def build_request(prepared: PreparedCampaign, settings: Settings) -> PlanRequest:
    """The planner's input: the brief, the brand's merged profile, passages, channels and the
    configured model's render size."""
    from pipeline.campaign.channels import load_channels
    from pipeline.render.loading import folder_controlnet, model_defaults

    brief = prepared.brief
    known = load_channels()
    defaults = model_defaults(settings.diffusion_model)
    return PlanRequest(
        brief=brief,
        profile=prepared.profile,
        passages=retrieve_passages(brief, settings),
        channels={name: known[name] for name in brief.channels},
        resolution=defaults.resolution,
        size_multiple=defaults.size_multiple,
        control_type="boxes",
        control_scale=defaults.control_scale if folder_controlnet(settings.diffusion_model) else 1.0,
        drafts_per_channel=prepared.count,
        only_channels=prepared.channels,
    )


def plan_prepared(prepared: PreparedCampaign, settings: Settings, planner: Planner | None = None) -> CampaignPlan:
    """Plan a prepared campaign with the configured planner (the campaign flow calls this)."""
    plan = plan_campaign(build_request(prepared, settings), planner or make_planner(settings))
    return plan.model_copy(update={"warnings": prepared.warnings + plan.warnings})


def plan_brief(
    path: Path,
    settings: Settings,
    count: int | None = None,
    channels: list[str] | None = None,
    planner: Planner | None = None,
) -> CampaignPlan:
    """Load a brief file and plan it with the configured planner (``onbrand plan``)."""
    from pipeline.campaign.request import prepare_brief

    return plan_prepared(prepare_brief(path, settings, count, channels), settings, planner)
