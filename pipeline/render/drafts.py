"""Plans -> rendered drafts, stored under the workspace by content hash.

    >>> drafts = render_drafts(plan.drafts, settings)            # doctest: +SKIP

Images are stored as ``drafts/<campaign>/<sha256[:16]>.png``, so a re-render of the same plan writes
the same file and names from users never become paths. The campaign flow wraps these functions in
Prefect tasks; the chat agent calls them in-process.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from pipeline.models import Draft, DraftPlan
from pipeline.progress import Progress
from pipeline.slugs import safe_name

if TYPE_CHECKING:
    from pipeline.render.jobs import RenderJob
    from pipeline.render.renderer import Renderer
    from pipeline.settings import Settings


def drafts_dir(settings: Settings, campaign: str) -> Path:
    return settings.home / "drafts" / safe_name(campaign)


def condition_path(plan: DraftPlan, settings: Settings) -> Path:
    """The layout condition image for ``plan``, drawn once and stored by content."""
    from pipeline.campaign.conditions import draw_box_map, draw_segmentation

    draw = draw_segmentation if plan.controlnet == "segmentation" else draw_box_map
    key = hashlib.sha256(
        f"{plan.controlnet}:{plan.width}x{plan.height}:{plan.layout.model_dump_json()}".encode()
    ).hexdigest()[:16]
    path = drafts_dir(settings, plan.campaign) / "conditions" / f"{key}.png"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _tmp_path(path.parent, key)
        draw(plan.layout, plan.width, plan.height).save(tmp, format="PNG")
        tmp.replace(path)
    return path


def _tmp_path(folder: Path, name: str) -> Path:
    """A hidden temporary file that names its writer's process (so a sweep knows when it is orphaned)."""
    import os

    return folder / f".tmp-{os.getpid()}-{time.monotonic_ns()}-{safe_name(name)}.png"


def render_job(plan: DraftPlan, settings: Settings) -> RenderJob:
    """The renderer's job for a plan: the model's steps, guidance and scheduler, and its layout ControlNet."""
    from pipeline.render.jobs import ControlSpec, RenderJob
    from pipeline.render.loading import folder_controlnet, model_defaults

    defaults = model_defaults(settings.diffusion_model)
    net = folder_controlnet(settings.diffusion_model)
    controls = []
    if net:
        controls = [
            ControlSpec(
                model=net, image=str(condition_path(plan, settings)), type=plan.controlnet, scale=plan.controlnet_scale
            )
        ]
    return RenderJob(
        prompt=plan.prompt,
        negative_prompt=plan.negative_prompt if defaults.negative_prompt else "",
        seed=plan.seed,
        width=plan.width,
        height=plan.height,
        steps=defaults.steps,
        guidance=defaults.guidance,
        scheduler=defaults.scheduler,
        controls=controls,
        layout=plan.layout.model_dump(mode="json"),
    )


def render_drafts(
    plans: list[DraftPlan],
    settings: Settings,
    renderer: Renderer | None = None,
    progress: Progress | None = None,
    batch: int = 8,
) -> list[Draft]:
    """Render every plan (batched on one warm pipeline) and store the PNGs by content hash."""
    from pipeline.render.png import save_png
    from pipeline.render.renderer import Renderer

    renderer = renderer or Renderer(device=settings.device, allow_downloads=settings.allow_downloads)
    jobs = [render_job(p, settings) for p in plans]
    drafts: list[Draft] = []
    for start in range(0, len(plans), batch):
        chunk = list(zip(plans[start : start + batch], jobs[start : start + batch], strict=True))
        rendered = renderer.render([job for _, job in chunk], settings.diffusion_model)
        for (plan, job), result in zip(chunk, rendered, strict=True):
            folder = drafts_dir(settings, plan.campaign)
            tmp = save_png(result, _tmp_path(folder, plan.id))
            digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
            final = folder / f"{digest[:16]}.png"
            tmp.replace(final)
            drafts.append(
                Draft(
                    plan=plan,
                    image_path=str(final),
                    condition_path=job.controls[0].image if job.controls else None,
                    model=settings.diffusion_model,
                    steps=job.steps,
                    seconds=round(result.seconds, 3),
                    image_sha256=digest,
                )
            )
        if progress:
            progress("render", len(drafts), len(plans), {})
    return drafts


def render_portable(
    plans: list[DraftPlan], settings: Settings, threads: int | None = None
) -> tuple[list[tuple[Draft, bytes]], list[FailedDraft]]:
    """Render on a worker that shares no disk with the flow (Dask or Ray): the images come back as
    PNG bytes, to be stored with :func:`land_drafts`. ``threads`` pins torch's CPU threads, so that a
    worker renders bit-identical images to a process with that many threads."""
    import tempfile

    if threads:
        import torch

        torch.set_num_threads(threads)
    with tempfile.TemporaryDirectory(prefix="onbrand-render-") as tmp:
        drafts, failed = render_drafts_safely(plans, settings.model_copy(update={"home": Path(tmp)}))
        return [(d, Path(d.image_path).read_bytes()) for d in drafts], failed


def land_drafts(rendered: list[tuple[Draft, bytes]], settings: Settings) -> list[Draft]:
    """Store images rendered elsewhere under this workspace, by content hash, with their conditions."""
    landed = []
    for draft, data in rendered:
        digest = hashlib.sha256(data).hexdigest()
        if digest != draft.image_sha256:
            raise ValueError(f"draft {draft.plan.id}: the image changed in transit")
        folder = drafts_dir(settings, draft.plan.campaign)
        final = folder / f"{digest[:16]}.png"
        if not final.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            tmp = _tmp_path(folder, draft.plan.id)
            tmp.write_bytes(data)
            tmp.replace(final)
        condition = str(condition_path(draft.plan, settings)) if draft.condition_path else None
        landed.append(draft.model_copy(update={"image_path": str(final), "condition_path": condition}))
    return landed


class FailedDraft(BaseModel):
    """A plan the renderer could not turn into an image, and why."""

    model_config = ConfigDict(extra="forbid")

    plan: DraftPlan
    reason: str


def render_drafts_safely(
    plans: list[DraftPlan],
    settings: Settings,
    renderer: Renderer | None = None,
    progress: Progress | None = None,
) -> tuple[list[Draft], list[FailedDraft]]:
    """Like :func:`render_drafts`, but a draft that makes the renderer fail is set aside with the
    reason and the others still render: a failed batch is retried one draft at a time."""
    from pipeline.errors import storage_error
    from pipeline.render.renderer import Renderer

    renderer = renderer or Renderer(device=settings.device, allow_downloads=settings.allow_downloads)
    drafts: list[Draft] = []
    failed: list[FailedDraft] = []
    for start in range(0, len(plans), 8):
        chunk = plans[start : start + 8]
        try:
            drafts += render_drafts(chunk, settings, renderer)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # retry alone: only the draft that fails is lost
            if storage_error(exc) is not None:
                raise  # a full or read-only workspace fails every draft: stop, say so once
            for plan in chunk:
                try:
                    drafts += render_drafts([plan], settings, renderer)
                except (KeyboardInterrupt, SystemExit):
                    raise
                except Exception as exc:
                    if storage_error(exc) is not None:
                        raise
                    failed.append(FailedDraft(plan=plan, reason=f"{exc.__class__.__name__}: {exc}"[:500]))
        if progress:
            progress("render", len(drafts) + len(failed), len(plans), {})
    return drafts, failed
