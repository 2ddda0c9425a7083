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

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, cast

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from pipeline.drafting import FailedDraft
from pipeline.models import BrandProfile, CampaignPlan, Draft, DraftPlan, EvalReport
from pipeline.settings import Settings

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun


T = TypeVar("T")
R = TypeVar("R")


def _as_is(value: T) -> T:
    """A task argument passed as it is: Prefect neither walks it looking for futures nor resolves
    it (plans, drafts and settings are plain data; walking them cost ~40 ms per task)."""
    return cast(T, quote(value))


def run_here(flow_fn: Callable[..., R], **parameters: Any) -> R:
    """Call a flow in this process. On Prefect's temporary server (no ``PREFECT_API_URL``) the run
    sends no heartbeats: the server lives and dies with this process, so there is no crashed run
    for it to detect, and the heartbeat thread costs up to a second at the end of every run."""
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    if PREFECT_API_URL.value():
        return flow_fn(**parameters)
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        return flow_fn(**parameters)


def task_runner_for(settings: Settings) -> Any:
    """The Prefect task runner the settings ask for (None: Prefect's default, in this process)."""
    from pipeline.errors import UserError

    if settings.task_runner == "default":
        return None
    address = settings.task_runner_address
    if settings.task_runner == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:
            raise UserError("ONBRAND_TASK_RUNNER=dask needs prefect-dask: pip install prefect-dask") from exc
        if address:
            return DaskTaskRunner(address=address)  # its workers need PREFECT_API_URL like every process
        return DaskTaskRunner(
            cluster_kwargs={
                "n_workers": settings.render_workers,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,
                "env": _api_env(),
            }
        )
    try:
        from prefect_ray import RayTaskRunner
    except ImportError as exc:
        raise UserError("ONBRAND_TASK_RUNNER=ray needs prefect-ray: pip install 'onbrand[ray]'") from exc
    if address:  # its workers need PREFECT_API_URL like every process; pass ours when there is one
        from prefect.settings import PREFECT_API_URL

        url = PREFECT_API_URL.value()
        init = {"runtime_env": {"env_vars": {"PREFECT_API_URL": str(url)}}} if url else {}
        return RayTaskRunner(address=address, init_kwargs=init)
    return RayTaskRunner(init_kwargs={"runtime_env": {"env_vars": _api_env()}})


def _api_env() -> dict[str, str]:
    """PREFECT_API_URL for local worker processes. Without a server configured, Prefect's temporary
    server is started now (the flow reuses it), so that workers report their task runs to it instead
    of each starting a temporary server of its own."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()
        server.start()
        url = server.api_url
    return {"PREFECT_API_URL": str(url)}


def campaign_flow_for(settings: Settings) -> Any:
    """The campaign flow on the task runner the settings name."""
    runner = task_runner_for(settings)
    return campaign_flow if runner is None else campaign_flow.with_options(task_runner=runner)


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

    if settings.render_threads:
        import torch

        torch.set_num_threads(settings.render_threads)
    return render_drafts_safely(plans, settings)


@task(name="render-on-worker", retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def render_worker_task(
    plans: list[DraftPlan], settings: Settings, threads: int | None
) -> tuple[list[tuple[Draft, bytes]], list[FailedDraft]]:
    """A render batch on a Dask or Ray worker: its pipeline stays warm in the worker process, and
    the images come back as bytes (workers share no disk with the flow)."""
    from pipeline.drafting import render_portable

    return render_portable(plans, settings, threads)


@task(name="evaluate", cache_policy=NO_CACHE)
def evaluate_task(drafts: list[Draft], profile: BrandProfile, others: dict[str, str] | None = None) -> list[EvalReport]:
    from pipeline.drafting import evaluate_drafts

    return evaluate_drafts(drafts, profile, others)


@task(name="store", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def store_task(
    drafts: list[Draft],
    reports: list[EvalReport],
    failed: list[FailedDraft],
    settings: Settings,
    run_id: str | None = None,
) -> list[str]:
    from pipeline.review_store import ReviewStore

    store = ReviewStore.from_settings(settings)
    for f in failed:
        store.add_failed(f.plan, f.reason, run_id)
    return [store.add_draft(d, r, run_id) for d, r in zip(drafts, reports, strict=True)]


def _row(r: Any) -> dict[str, Any]:
    """A stored draft as a flow's result lists it."""
    return {
        "id": r.id,
        "channel": r.channel,
        "image": r.image,
        "verdict": r.verdict,
        "status": r.status,
        "parent_id": r.parent_id,
        "reasons": r.reasons,
    }


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
    trigger: str = "manual",
) -> dict[str, Any]:
    """Plan a brief, render what is not stored yet, gate it, re-plan gate rejections up to
    ``max_replans`` times, and store every draft for review. ``settings_overrides`` are settings
    the caller already resolved (the chat agent's workspace); a deployment takes them from its
    worker's environment. ``trigger`` says who started the run (manual, schedule, chat, ui)."""
    from uuid import uuid4

    from pipeline.review_store import ReviewStore
    from pipeline.settings import load_settings

    settings = load_settings(**(settings_overrides or {}))
    run_id = str(flow_run.get_id() or uuid4())
    plan = plan_task(brief, _as_is(settings), count, channels)
    store = ReviewStore.from_settings(settings)
    store.start_run(run_id, plan.campaign, brief, trigger, planned=len(plan.drafts))
    tally = {"rendered": 0, "failed": 0}
    try:
        ids = _render_campaign(plan, settings, store, max_replans, run_id, tally)
    except BaseException as exc:
        # The store itself may be what failed (full disk): the first error is the one to report.
        with contextlib.suppress(Exception):
            store.finish_run(run_id, "failed", tally["rendered"], tally["failed"], f"{exc.__class__.__name__}: {exc}")
        raise
    store.finish_run(run_id, "completed", tally["rendered"], tally["failed"])
    # A re-run also reports the re-plans an earlier run stored.
    for record in store.list_drafts(campaign=plan.campaign):
        if record.parent_id in ids and record.id not in ids:
            ids.append(record.id)
    records = {r.id: r for r in store.list_drafts(ids=ids)}
    rows = [_row(r) for r in (records[i] for i in ids if i in records)]
    create_markdown_artifact(
        key=f"campaign-{''.join(c if c.isalnum() else '-' for c in plan.campaign.lower())[:60]}",
        markdown=_summary_markdown(plan.campaign, rows),
        description=f"drafts of {plan.campaign}",
    )
    return {
        "campaign": plan.campaign,
        "run_id": run_id,
        "drafts": rows,
        "warnings": plan.warnings,
    }


BATCH = 8  # drafts per render task: one warm pipeline batch, stored before the next starts


def _render_campaign(
    plan: CampaignPlan, settings: Settings, store: Any, max_replans: int, run_id: str, tally: dict[str, int]
) -> list[str]:
    """Render, gate, store and re-plan what is missing, a batch at a time (a run killed halfway
    loses at most the batch in flight); the ids of every draft of this plan."""
    from agents.replan import replan
    from pipeline.brand_store import ProfileStore
    from pipeline.drafting import drafts_dir, sweep_orphans

    profile = ProfileStore(settings).profile(plan.brand)
    todo = [p for p in plan.drafts if store.needs_render(p.id)]
    print(f"{plan.campaign}: {len(plan.drafts)} planned, {len(todo)} to render")
    ids = [p.id for p in plan.drafts]
    seen = store.fingerprints(plan.campaign)  # duplicates are checked against every stored draft
    with _Progress(plan.campaign, len(todo)) as progress:
        for generation in range(max_replans + 1):
            if not todo:
                break
            rejected: list[tuple[Draft, EvalReport]] = []
            for drafts, failed in _render_batches(todo, settings):
                for f in failed:
                    print(f"render failed for {f.plan.id}: {f.reason}")
                reports = evaluate_task(_as_is(drafts), _as_is(profile), _as_is(seen))
                store_task(_as_is(drafts), _as_is(reports), _as_is(failed), _as_is(settings), run_id)
                for draft, report in zip(drafts, reports, strict=True):
                    duplicate = report.check("duplicate")
                    if duplicate is not None and duplicate.data.get("fingerprint"):
                        seen[draft.plan.id] = str(duplicate.data["fingerprint"])
                    if report.verdict == "reject":
                        rejected.append((draft, report))
                tally["rendered"] += len(drafts)
                tally["failed"] += len(failed)
                progress.advance(len(drafts) + len(failed))
            if generation == max_replans:
                break
            todo = []
            for draft, report in rejected:
                revised = replan(draft.plan, report, profile)
                ids.append(revised.id)
                if store.needs_render(revised.id):
                    todo.append(revised)
            print(f"re-planning {len(todo)} rejected draft(s)")
            progress.grow(len(todo))
    if not store.other_runs_active(plan.campaign, run_id):  # files of a run killed before storing them
        since = store.crashed_since(plan.campaign)
        removed = sweep_orphans(drafts_dir(settings, plan.campaign), store.referenced_files(plan.campaign), since)
        if since is not None:
            store.mark_cleaned(plan.campaign)
        if removed:
            print(f"removed {removed} file(s) left by an interrupted run")
    return ids


def _render_batches(todo: list[DraftPlan], settings: Settings) -> Iterator[tuple[list[Draft], list[FailedDraft]]]:
    """Render ``todo`` in batches of ``BATCH``, in order. On the default runner one batch at a time
    in this process; on Dask or Ray every batch is submitted at once and each worker renders on its
    own warm pipeline. The batches are the same either way, so the images are too."""
    from pipeline.drafting import land_drafts

    batches = [todo[i : i + BATCH] for i in range(0, len(todo), BATCH)]
    if settings.task_runner == "default":
        for batch in batches:
            yield render_task(_as_is(batch), _as_is(settings))
        return
    import torch

    threads = settings.render_threads or torch.get_num_threads()
    # Not _as_is here: a quoted argument does not survive the trip to a Dask worker.
    futures = [render_worker_task.submit(b, settings, threads) for b in batches]
    for future in futures:
        rendered, failed = future.result()
        yield land_drafts(rendered, settings), failed


class _Progress:
    """Render progress in the Prefect UI (a progress artifact) and on a terminal (a rich bar)."""

    def __init__(self, campaign: str, total: int) -> None:
        self.campaign, self.total, self.done = campaign, total, 0
        self.bar: Any = None
        self.artifact: Any = None

    def __enter__(self) -> _Progress:
        import sys

        from prefect.artifacts import create_progress_artifact

        if self.total:
            with contextlib.suppress(Exception):  # the UI's bar is a nicety; a run never fails for it
                self.artifact = create_progress_artifact(0.0, description=f"rendering {self.campaign}")
        if self.total and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(f"rendering {self.campaign}", total=self.total)
        return self

    def grow(self, more: int) -> None:
        self.total += more
        if self.bar is not None:
            self.bar.update(self.task, total=self.total)

    def advance(self, n: int) -> None:
        from prefect.artifacts import update_progress_artifact

        self.done += n
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done)
        if self.artifact is not None:
            with contextlib.suppress(Exception):
                update_progress_artifact(self.artifact, 100.0 * self.done / max(self.total, 1))

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


@flow(name="revise-draft", log_prints=True)
def revise_flow(
    draft_id: str, note: str, settings_overrides: dict[str, Any] | None = None, trigger: str = "review"
) -> dict[str, Any]:
    """A reviewer asked for changes: re-plan the draft with their note, render, gate and store it
    (recorded as a run of the draft's campaign)."""
    from uuid import uuid4

    from agents.replan import replan
    from pipeline.brand_store import ProfileStore
    from pipeline.review_store import ReviewStore
    from pipeline.settings import load_settings

    settings = load_settings(**(settings_overrides or {}))
    store = ReviewStore.from_settings(settings)
    plan, report = store.plan_of(draft_id)
    profile = ProfileStore(settings).profile(plan.brand)
    revised = replan(plan, report, profile, note=note)
    while store.has(revised.id):  # an earlier request for the same draft already made this one
        revised = replan(revised, None, profile, note=note)
    run_id = str(flow_run.get_id() or uuid4())
    store.start_run(run_id, plan.campaign, f"changes to {draft_id}: {note}"[:500], trigger, planned=1)
    try:
        drafts, failed = render_task(_as_is([revised]), _as_is(settings))
        reports = evaluate_task(_as_is(drafts), _as_is(profile), _as_is(store.fingerprints(plan.campaign)))
        store_task(_as_is(drafts), _as_is(reports), _as_is(failed), _as_is(settings), run_id)
    except BaseException as exc:
        with contextlib.suppress(Exception):
            store.finish_run(run_id, "failed", 0, 1, f"{exc.__class__.__name__}: {exc}")
        raise
    store.finish_run(run_id, "completed", len(drafts), len(failed))
    record = store.get(revised.id)
    return {
        "id": record.id,
        "parent_id": draft_id,
        "image": record.image,
        "verdict": record.verdict,
        "status": record.status,
        "run_id": run_id,
    }


def start_campaign(
    brief: str,
    settings: Settings,
    count: int | None = None,
    channels: list[str] | None = None,
    trigger: str = "chat",
) -> dict[str, Any]:
    """Run a campaign the way the deployment would: as a run of the brief's deployment when a
    Prefect server is configured (``PREFECT_API_URL``) and serves it (``onbrand serve``), else
    in-process. A deployment run still queued or running after ``settings.deployment_wait_s`` is
    reported as such (``status``), with the drafts stored so far."""
    from pathlib import Path

    overrides = settings.model_dump(mode="json", exclude={"llm_api_key"}, exclude_defaults=True)
    parameters: dict[str, Any] = {
        "brief": brief,
        "count": count,
        "channels": channels,
        "settings_overrides": overrides,
        "trigger": trigger,
    }
    name = f"campaign/{Path(brief).stem}"
    if not _served(name):
        return {**run_here(campaign_flow_for(settings), **parameters), "via": "in-process", "status": "completed"}
    from prefect.deployments import run_deployment

    from pipeline.review_store import ReviewStore

    run = cast(
        "FlowRun",
        run_deployment(name=name, parameters=parameters, timeout=settings.deployment_wait_s, as_subflow=False),
    )
    state = run.state.type.value.lower() if run.state is not None else "scheduled"
    store = ReviewStore.from_settings(settings)
    known = {r.id: r for r in store.runs(limit=200)}
    campaign = known[str(run.id)].campaign if str(run.id) in known else Path(brief).stem
    rows = [_row(r) for r in store.list_drafts(campaign=campaign) if (not channels or r.channel in channels)]
    return {"campaign": campaign, "run_id": str(run.id), "drafts": rows, "warnings": [], "via": name, "status": state}


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
