"""The campaign flow: request -> plan -> render -> gate -> re-plan rejected drafts -> review store.

    >>> run = campaign_flow(CampaignRequest(brief="spring-citrus-launch", count=2))   # doctest: +SKIP
    >>> run.drafts[0].status
    'in_review'

Start campaigns through :func:`flows.launch.launch_campaign` (it checks the request once and picks
a deployment or this process). Tasks are thin wrappers over the stages (``agents.campaign``,
``pipeline.render``, ``pipeline.gate``, ``agents.replan``, ``pipeline.review``). A run is
idempotent: a draft whose id is already in the review store is not rendered again, so a run killed
halfway is resumed by running it again. With no ``PREFECT_API_URL`` the flow runs against
Prefect's temporary local server.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from flows.runners import task_runner_for
from pipeline.models import (
    Actor,
    BrandProfile,
    CampaignPlan,
    CampaignRequest,
    CampaignRun,
    Draft,
    DraftPlan,
    EvalReport,
    PreparedCampaign,
    RevisedDraft,
    StoredDraft,
)
from pipeline.render.drafts import FailedDraft
from pipeline.review.store import ReviewStore
from pipeline.settings import Settings
from pipeline.slugs import artifact_key

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


def campaign_flow_for(settings: Settings) -> Any:
    """The campaign flow on the task runner the settings name."""
    runner = task_runner_for(settings)
    return campaign_flow if runner is None else campaign_flow.with_options(task_runner=runner)


def settings_for(request: CampaignRequest) -> Settings:
    """The run's settings: the worker's environment, with the overrides the caller resolved."""
    from pipeline.settings import load_settings

    return load_settings(**request.settings_overrides)


@task(name="plan", cache_policy=NO_CACHE)
def plan_task(prepared: PreparedCampaign, settings: Settings) -> CampaignPlan:
    from agents.campaign import plan_prepared

    return plan_prepared(prepared, settings)


@task(name="render", retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def render_task(plans: list[DraftPlan], settings: Settings) -> tuple[list[Draft], list[FailedDraft]]:
    from pipeline.render.drafts import render_drafts_safely

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
    from pipeline.render.drafts import render_portable

    return render_portable(plans, settings, threads)


@task(name="evaluate", cache_policy=NO_CACHE)
def evaluate_task(
    drafts: list[Draft], profile: BrandProfile, settings: Settings, others: dict[str, str] | None = None
) -> list[EvalReport]:
    from pipeline.gate.drafts import evaluate_drafts

    return evaluate_drafts(drafts, profile, others, clip_model=settings.clip_model)


@task(name="store", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def store_task(
    drafts: list[Draft],
    reports: list[EvalReport],
    failed: list[FailedDraft],
    settings: Settings,
    run_id: str | None = None,
) -> list[str]:
    store = ReviewStore.from_settings(settings)
    for f in failed:
        store.add_failed(f.plan, f.reason, run_id)
    return [store.add_draft(d, r, run_id) for d, r in zip(drafts, reports, strict=True)]


def _summary_markdown(campaign: str, drafts: list[StoredDraft]) -> str:
    lines = [f"# {campaign}", "", "| draft | channel | verdict | status | reasons |", "|---|---|---|---|---|"]
    for d in drafts:
        reasons = "; ".join(d.reasons)[:200].replace("|", "/")
        lines.append(f"| {d.id} | {d.channel} | {d.verdict} | {d.status} | {reasons} |")
    return "\n".join(lines)


@flow(name="campaign", log_prints=True)
def campaign_flow(request: CampaignRequest, prepared: PreparedCampaign | None = None) -> CampaignRun:
    """Plan a campaign, render what is not stored yet, gate it, re-plan gate rejections up to
    ``request.max_replans`` times, and store every draft for review. ``prepared`` is the request
    already checked by :func:`flows.launch.launch_campaign` in this process; a deployment run (a
    schedule, the server) prepares it here. Settings come from the worker's environment with the
    request's ``settings_overrides``."""
    from uuid import uuid4

    from pipeline.campaign.request import prepare_campaign

    settings = settings_for(request)
    prepared = prepared or prepare_campaign(request, settings)
    run_id = str(flow_run.get_id() or uuid4())
    plan = plan_task(_as_is(prepared), _as_is(settings))
    store = ReviewStore.from_settings(settings)
    todo = sum(1 for p in plan.drafts if store.needs_render(p.id))
    store.start_run(
        run_id,
        plan.campaign,
        prepared.brief_path,
        request.trigger,
        planned=todo,
        requested_by=request.requested_by,
        skipped=len(plan.drafts) - todo,
    )
    tally = {"rendered": 0, "failed": 0}
    try:
        ids = _render_campaign(plan, prepared.profile, settings, store, request.max_replans, run_id, tally)
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
    drafts = [records[i] for i in ids if i in records]
    create_markdown_artifact(
        key=f"campaign-{artifact_key(plan.campaign)}",
        markdown=_summary_markdown(plan.campaign, drafts),
        description=f"drafts of {plan.campaign}",
    )
    return CampaignRun(
        campaign=plan.campaign,
        run_id=run_id,
        drafts=drafts,
        warnings=plan.warnings,
        plan=plan,
        new=tally["rendered"],
    )


def _render_campaign(
    plan: CampaignPlan,
    profile: BrandProfile,
    settings: Settings,
    store: ReviewStore,
    max_replans: int,
    run_id: str,
    tally: dict[str, int],
) -> list[str]:
    """Render, gate, store and re-plan what is missing, a batch at a time (a run killed halfway
    loses at most the batch in flight); the ids of every draft of this plan."""
    from agents.replan import replan
    from pipeline.render.drafts import drafts_dir
    from pipeline.review.sweep import sweep_orphans

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
                reports = evaluate_task(_as_is(drafts), _as_is(profile), _as_is(settings), _as_is(seen))
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
            store.add_planned(run_id, len(todo))
    if not store.other_runs_active(plan.campaign, run_id):  # files of a run killed before storing them
        since = store.crashed_since(plan.campaign)
        removed = sweep_orphans(drafts_dir(settings, plan.campaign), store.referenced_files(plan.campaign), since)
        if since is not None:
            store.mark_cleaned(plan.campaign)
        if removed:
            print(f"removed {removed} file(s) left by an interrupted run")
    return ids


def _render_batches(todo: list[DraftPlan], settings: Settings) -> Iterator[tuple[list[Draft], list[FailedDraft]]]:
    """Render ``todo`` in batches of ``settings.render_batch``, in order. On the default runner one
    batch at a time in this process; on Dask or Ray every batch is submitted at once and each worker
    renders on its own warm pipeline. The batches are the same either way, so the images are too."""
    from pipeline.render.drafts import land_drafts

    size = settings.render_batch
    batches = [todo[i : i + size] for i in range(0, len(todo), size)]
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
        self.update: Any = None
        self.bars: Any = None
        self.artifact: Any = None

    def __enter__(self) -> _Progress:
        import sys

        from prefect.artifacts import create_progress_artifact

        from pipeline.progress import Bars

        if self.total:
            with contextlib.suppress(Exception):  # the UI's bar is a nicety; a run never fails for it
                self.artifact = create_progress_artifact(0.0, description=f"rendering {self.campaign}")
        self.bars = Bars(enabled=bool(self.total) and sys.stderr.isatty())
        self.update = self.bars.__enter__()
        self.update(f"rendering {self.campaign}", 0, self.total)
        return self

    def grow(self, more: int) -> None:
        self.total += more
        self.update(f"rendering {self.campaign}", self.done, self.total)

    def advance(self, n: int) -> None:
        from prefect.artifacts import update_progress_artifact

        self.done += n
        self.update(f"rendering {self.campaign}", self.done, self.total)
        if self.artifact is not None:
            with contextlib.suppress(Exception):
                update_progress_artifact(self.artifact, 100.0 * self.done / max(self.total, 1))

    def __exit__(self, *exc: object) -> None:
        self.bars.__exit__(*exc)


@flow(name="revise-draft", log_prints=True)
def revise_flow(
    draft_id: str,
    note: str,
    actor: Actor,
    settings_overrides: dict[str, Any] | None = None,
    trigger: str = "review",
    plan: DraftPlan | None = None,
) -> RevisedDraft:
    """A reviewer asked for changes: re-plan the draft with their note (or render ``plan``, the note
    already read by :func:`flows.launch.request_changes`), render, gate and store it (recorded as a
    run of the draft's campaign, started by ``actor``, who needs the reviewer role)."""
    from uuid import uuid4

    from agents.replan import renumber, replan
    from pipeline.brand.store import ProfileStore
    from pipeline.knowledge.embeddings import Embedder
    from pipeline.settings import load_settings

    actor.require("revise")
    settings = load_settings(**(settings_overrides or {}))
    store = ReviewStore.from_settings(settings)
    parent, report = store.plan_of(draft_id)
    profile = ProfileStore(settings).profile(parent.brand)
    if plan is not None and plan.parent_id != draft_id:
        from pipeline.errors import UserError

        raise UserError(f"the revised plan {plan.id} is not a revision of {draft_id}")
    embedder = Embedder(settings.embedding_model, settings.device, settings.allow_downloads, settings.embedding_backend)
    revised = plan or replan(parent, report, profile, note=note, embedder=embedder)
    while store.has(revised.id):  # an earlier request for the same draft already made this one
        revised = renumber(revised)
    run_id = str(flow_run.get_id() or uuid4())
    store.start_run(
        run_id, parent.campaign, f"changes to {draft_id}: {note}"[:500], trigger, planned=1, requested_by=actor.name
    )
    try:
        drafts, failed = render_task(_as_is([revised]), _as_is(settings))
        reports = evaluate_task(
            _as_is(drafts), _as_is(profile), _as_is(settings), _as_is(store.fingerprints(parent.campaign))
        )
        store_task(_as_is(drafts), _as_is(reports), _as_is(failed), _as_is(settings), run_id)
    except BaseException as exc:
        with contextlib.suppress(Exception):
            store.finish_run(run_id, "failed", 0, 1, f"{exc.__class__.__name__}: {exc}")
        raise
    store.finish_run(run_id, "completed", len(drafts), len(failed))
    record = store.get(revised.id)
    return RevisedDraft(
        id=record.id,
        parent_id=draft_id,
        image=record.image,
        verdict=record.verdict,
        status=record.status,
        run_id=run_id,
        changes=revised.changes,
        not_acted_on=revised.not_acted_on,
    )
