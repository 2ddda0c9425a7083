"""Starting a campaign: the one use case the CLI, the chat agent and the UI call.

    >>> run = launch_campaign(CampaignRequest(brief="spring-citrus-launch", count=2, trigger="chat"), settings)
    >>> run.status, [d.id for d in run.drafts][:1]                                  # doctest: +SKIP
    ('completed', ['spring-citrus-launch-instagram_post-1'])

The request is checked once (:func:`pipeline.campaign.request.prepare_campaign`): a bad brief,
channel or count is a clear user error before anything runs. Then the campaign runs as a run of the
brief's deployment when a Prefect server is configured (``PREFECT_API_URL``) and serves it
(``onbrand serve``), else as the campaign flow in this process, on the configured task runner.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from flows.campaign import campaign_flow_for, run_here
from pipeline.campaign.request import prepare_campaign
from pipeline.models import CampaignRequest, CampaignRun, PreparedCampaign
from pipeline.review.store import ReviewStore
from pipeline.settings import Settings

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun


def launch_campaign(request: CampaignRequest, settings: Settings) -> CampaignRun:
    """Check ``request``, then run it (see the module docstring)."""
    return run_prepared(prepare_request(request, settings), settings)


def prepare_request(request: CampaignRequest, settings: Settings) -> PreparedCampaign:
    """The request checked, with ``settings_overrides`` filled from ``settings`` (so that the run
    uses this workspace wherever it runs) and the task runner checked: callers that show errors now
    and run later (the UI's queue) call this, then :func:`run_prepared`."""
    overrides = settings.model_dump(mode="json", exclude={"llm_api_key"}, exclude_defaults=True)
    request = request.model_copy(update={"settings_overrides": {**overrides, **request.settings_overrides}})
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
