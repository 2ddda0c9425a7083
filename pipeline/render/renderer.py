"""Rendering drafts with diffusers: Stable Diffusion steered by one or more ControlNets.

Pipelines stay warm in a per-process cache (:mod:`pipeline.render.loading`) and render drafts of
the same size and settings as one batch. Each draft has its own ``torch.Generator``, so any draft
re-renders alone to the same image.

    >>> renderer = Renderer()
    >>> job = RenderJob(prompt="a teal can on sea foam", seed=7, width=512, height=512)
    >>> image = renderer.render([job], model="/models/sd15")[0].image  # doctest: +SKIP
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from pipeline.errors import UserError
from pipeline.render.jobs import RenderedImage, RenderJob, SpeedOptions
from pipeline.render.loading import apply_speedups, load_pipeline
from pipeline.render.schedulers import set_scheduler

if TYPE_CHECKING:
    from PIL import Image


_RENDER_LOCK = threading.RLock()  # the UI's job worker and a chat request may render at once


def load_control_image(path: str, width: int, height: int) -> Image.Image:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as raw:
            image = raw.convert("RGB")
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise UserError(f"{path}: not a readable image ({exc.__class__.__name__}); use a PNG or JPEG") from exc
    return image if image.size == (width, height) else image.resize((width, height))


def _img2img(pipe: Any) -> Any:
    """The image-to-image variant of a loaded pipeline (same components, made once and kept)."""
    variant = getattr(pipe, "_onbrand_img2img", None)
    if variant is None:
        import diffusers

        variant = diffusers.AutoPipelineForImage2Image.from_pipe(pipe)
        variant.set_progress_bar_config(disable=True)
        pipe._onbrand_img2img = variant
    return variant


class Renderer:
    """Renders jobs in batches on a warm pipeline. Cheap to build; the first render loads the model."""

    def __init__(
        self,
        device: str = "auto",
        dtype: str = "auto",
        batch_size: int = 8,
        max_loaded: int = 2,
        allow_downloads: bool = False,
        speed: SpeedOptions | None = None,
    ) -> None:
        self.device, self.dtype = device, dtype
        self.speed = speed or SpeedOptions()
        self.batch_size = max(1, batch_size)
        self.max_loaded = max_loaded
        self.allow_downloads = allow_downloads

    def render(self, jobs: list[RenderJob], model: str) -> list[RenderedImage]:
        """Images in the order of ``jobs``; jobs with the same size and settings share pipeline calls."""
        return [RenderedImage(job, image, seconds) for job, image, seconds in self._render(jobs, model, "pil")]

    def render_latents(self, jobs: list[RenderJob], model: str) -> list[Any]:
        """The final latents instead of decoded images (benchmarks compare these across implementations)."""
        return [latents for _, latents, _ in self._render(jobs, model, "latent")]

    def _render(self, jobs: list[RenderJob], model: str, output_type: str) -> list[tuple[RenderJob, Any, float]]:

        if not jobs:
            return []
        groups: dict[tuple[Any, ...], list[int]] = {}
        for i, job in enumerate(jobs):
            groups.setdefault(job.batch_key(), []).append(i)
        results: list[tuple[RenderJob, Any, float] | None] = [None] * len(jobs)
        with _RENDER_LOCK:  # a cached pipeline is reconfigured per group: one render at a time per process
            self._render_groups(jobs, model, output_type, groups, results)
        return [r for r in results if r is not None]

    def _render_groups(
        self,
        jobs: list[RenderJob],
        model: str,
        output_type: str,
        groups: dict[tuple[Any, ...], list[int]],
        results: list[tuple[RenderJob, Any, float] | None],
    ) -> None:
        import torch

        for indices in groups.values():
            first = jobs[indices[0]]
            nets = tuple(c.model for c in first.controls)
            pipe = load_pipeline(
                model,
                nets,
                device=self.device,
                dtype=self.dtype,
                allow_downloads=self.allow_downloads,
                max_loaded=self.max_loaded,
                lora=first.lora,
                ip_adapter=first.ip_adapter,
            )
            set_scheduler(pipe, first.scheduler)
            apply_speedups(pipe, self.speed)
            if first.lora:
                pipe.set_adapters(["brand"], adapter_weights=[first.lora_scale])
            if first.ip_adapter:
                pipe.set_ip_adapter_scale(first.ip_adapter_scale)
            if first.init_image is not None:
                pipe = _img2img(pipe)
                set_scheduler(pipe, first.scheduler)  # the variant keeps the scheduler it was made with
            size = self.batch_size
            start = 0
            while start < len(indices):
                batch = [jobs[i] for i in indices[start : start + size]]
                try:
                    outputs, seconds = self._call(pipe, batch, output_type)
                except torch.cuda.OutOfMemoryError:
                    torch.cuda.empty_cache()
                    if size > 1:
                        size = max(1, size // 2)  # retry the same drafts in smaller batches
                        continue
                    pipe.enable_model_cpu_offload()  # last resort: weights stream to the GPU per module
                    continue
                for i, output in zip(indices[start : start + len(batch)], outputs, strict=True):
                    results[i] = (jobs[i].model_copy(update={"model": model}), output, seconds / len(batch))
                start += len(batch)

    @staticmethod
    def _call(pipe: Any, batch: list[RenderJob], output_type: str = "pil") -> tuple[list[Any], float]:
        import torch

        first = batch[0]
        device = pipe._execution_device if hasattr(pipe, "_execution_device") else pipe.device
        gen_device = "cpu" if str(device).startswith("mps") else device
        kwargs: dict[str, Any] = {
            "prompt": [j.prompt for j in batch],
            "negative_prompt": [j.negative_prompt for j in batch],
            "width": first.width,
            "height": first.height,
            "num_inference_steps": first.steps,
            "guidance_scale": first.guidance,
            # One generator per draft: draft k of a batch equals the same draft rendered alone.
            "generator": [torch.Generator(device=gen_device).manual_seed(j.seed) for j in batch],
        }
        if first.controls:
            conditions = [[load_control_image(c.image, first.width, first.height) for c in j.controls] for j in batch]
            # One ControlNet: a list over the batch. Several: one list of per-ControlNet images per draft.
            images = [c[0] for c in conditions] if len(first.controls) == 1 else conditions
            kwargs["control_image" if first.init_image is not None else "image"] = images
            scales = [c.scale for c in first.controls]
            kwargs["controlnet_conditioning_scale"] = scales[0] if len(scales) == 1 else scales
        if first.init_image is not None:
            kwargs["image"] = [load_control_image(j.init_image or "", first.width, first.height) for j in batch]
            kwargs["strength"] = first.strength
        if first.ip_adapter:
            kwargs["ip_adapter_image"] = [load_control_image(j.ip_adapter_image or "", 224, 224) for j in batch]
        started = time.perf_counter()
        images = pipe(**kwargs, output_type=output_type).images
        return list(images), time.perf_counter() - started
