"""The use cases the CLI, the chat agent and the UI share: starting a campaign, and sending a draft
back with a note.

    >>> maya = Actor(name="maya", role="reviewer")
    >>> run = launch_campaign(CampaignRequest(brief="spring-citrus-launch", count=2, trigger="chat"), settings, maya)
    >>> run.status, [d.id for d in run.drafts][:1]                                  # doctest: +SKIP
    ('completed', ['spring-citrus-launch-instagram_post-1'])
    >>> asked = request_changes("spring-citrus-launch-instagram_post-1", "teal can, on the left", settings, maya)
    >>> revise_draft(asked, settings, maya).changes[0].aspect                      # doctest: +SKIP
    'product_colour'

Both need the reviewer role: the check is here (and in the review store), so no caller can skip it.

The request is checked once (:func:`pipeline.campaign.request.prepare_campaign`): a bad brief,
channel or count is a clear user error before anything runs. Then the campaign runs as a run of the
brief's deployment when a Prefect server is configured (``PREFECT_API_URL``) and serves it
(``onbrand serve``), else as the campaign flow in this process, on the configured task runner.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from flows.campaign import campaign_flow_for, revise_flow, run_here
from pipeline.campaign.request import prepare_campaign
from pipeline.models import (
    Actor,
    CampaignRequest,
    CampaignRun,
    ChangeRequest,
    Decision,
    PreparedCampaign,
    RevisedDraft,
)
from pipeline.review.store import ReviewStore
from pipeline.settings import Settings

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun


def launch_campaign(request: CampaignRequest, settings: Settings, actor: Actor) -> CampaignRun:
    """Check ``request`` (and that ``actor`` may run campaigns), then run it (see the module docstring)."""
    return run_prepared(prepare_request(request, settings, actor), settings)


def prepare_request(request: CampaignRequest, settings: Settings, actor: Actor) -> PreparedCampaign:
    """The request checked, with ``settings_overrides`` filled from ``settings`` (so that the run
    uses this workspace wherever it runs), the task runner checked, and ``requested_by`` set to the
    actor's name: callers that show errors now and run later (the UI's queue) call this, then
    :func:`run_prepared`. ``actor`` needs the reviewer role."""
    actor.require("run")
    overrides = settings.model_dump(mode="json", exclude={"llm_api_key"}, exclude_defaults=True)
    request = request.model_copy(
        update={"settings_overrides": {**overrides, **request.settings_overrides}, "requested_by": actor.name}
    )
    prepared = prepare_campaign(request, settings)
    campaign_flow_for(settings)  # an unknown task runner is a clear error before the run
    return prepared


def run_prepared(prepared: PreparedCampaign, settings: Settings) -> CampaignRun:
    """Run a checked request. A deployment run still queued or running after
    ``settings.deployment_wait_s`` is reported as such (``status``), with the drafts stored so far."""
    request = prepared.request
    name = f"campaign/{Path(prepared.brief_path).stem}"
    if request.run_in == "here" or not _served(name):
        flow = campaign_flow_for(settings)
        return cast(CampaignRun, run_here(flow, request=request, prepared=prepared))
    from prefect.deployments import run_deployment

    run = cast(
        "FlowRun",
        run_deployment(
            name=name,
            parameters={"request": request.model_dump(mode="json")},
            timeout=settings.deployment_wait_s,
            as_subflow=False,
        ),
    )
    state = run.state.type.value.lower() if run.state is not None else "scheduled"
    store = ReviewStore.from_settings(settings)
    drafts = [
        d
        for d in store.list_drafts(campaign=prepared.brief.campaign)
        if not request.channels or d.channel in request.channels
    ]
    return CampaignRun(
        campaign=prepared.brief.campaign,
        run_id=str(run.id),
        drafts=drafts,
        warnings=prepared.warnings,
        via=name,
        status=state,
    )


def request_changes(
    draft_id: str, note: str, settings: Settings, actor: Actor, expected_version: int | None = None
) -> ChangeRequest:
    """Send a draft back with ``note``: the note is read into plan changes first, so a note that
    cannot be used (too long, another language, a banned word or competitor, a change that breaks a
    brand rule) is one clear :class:`pipeline.errors.UserError` and nothing is stored; then the
    decision is recorded (at ``expected_version``, the version the reviewer saw). Render the revised
    plan with :func:`revise_draft`, now or from a queue. ``actor`` needs the reviewer role."""
    from agents.replan import replan
    from pipeline.brand.store import ProfileStore

    actor.require("revise")
    store = ReviewStore.from_settings(settings)
    plan, report = store.plan_of(draft_id)
    profile = ProfileStore(settings).profile(plan.brand)
    revised = replan(plan, report, profile, note=note, embedder=_embedder(settings), model=_llm(settings))
    record = store.decide(
        Decision(draft_id=draft_id, action="request_changes", reviewer=actor.name, note=" ".join(note.split())),
        expected_version,
        actor=actor,
    )
    return ChangeRequest(draft=record, note=" ".join(note.split()), plan=revised)


def revise_draft(asked: ChangeRequest, settings: Settings, actor: Actor, trigger: str = "review") -> RevisedDraft:
    """Render, gate and store the revised plan of a :func:`request_changes` (the revise flow)."""
    overrides = settings.model_dump(mode="json", exclude={"llm_api_key"}, exclude_defaults=True)
    return cast(
        RevisedDraft,
        run_here(
            revise_flow,
            draft_id=asked.draft.id,
            note=asked.note,
            actor=actor,
            settings_overrides=overrides,
            trigger=trigger,
            plan=asked.plan,
        ),
    )


def _embedder(settings: Settings) -> Any:
    from pipeline.knowledge.embeddings import Embedder

    return Embedder(settings.embedding_model, settings.device, settings.allow_downloads, settings.embedding_backend)


def _llm(settings: Settings) -> Any:
    if not settings.llm:
        return None
    from agents.llm import load_chat_model

    return load_chat_model(settings.llm, settings)


def _served(deployment: str) -> bool:
    """True when a Prefect server is configured and has ``deployment`` (flow/name)."""
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        return False
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    try:
        with get_client(sync_client=True) as client:
            client.read_deployment_by_name(deployment)
    except ObjectNotFound:
        return False
    return True
