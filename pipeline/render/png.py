"""PNG metadata: an A1111 ``parameters`` chunk and an ``onbrand`` JSON chunk, and the way back."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.errors import UserError
from pipeline.render.jobs import RenderedImage, RenderJob
from pipeline.render.loading import BUNDLED
from pipeline.render.schedulers import SCHEDULERS


def _model_name(model: str) -> str:
    if model == BUNDLED:
        return "onbrand-draft"
    return Path(model).name or model


def a1111_parameters(job: RenderJob) -> str:
    """The text that A1111, ComfyUI and Civitai read from a PNG's ``parameters`` chunk."""
    lines = [job.prompt]
    if job.negative_prompt:
        lines.append(f"Negative prompt: {job.negative_prompt}")
    fields = [
        f"Steps: {job.steps}",
        f"Sampler: {SCHEDULERS[job.scheduler].label}",
        f"CFG scale: {job.guidance:g}",
        f"Seed: {job.seed}",
        f"Size: {job.width}x{job.height}",
        f"Model: {_model_name(job.model)}",
    ]
    fields += [
        f'ControlNet {n}: "Module: {c.type}, Model: {Path(c.model).name}, Weight: {c.scale:g}"'
        for n, c in enumerate(job.controls)
    ]
    lines.append(", ".join(fields))
    return "\n".join(lines)


def save_png(rendered: RenderedImage, path: Path) -> Path:
    """Write the image with both an A1111 ``parameters`` chunk and an ``onbrand`` JSON chunk."""
    from importlib.metadata import version

    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("parameters", a1111_parameters(rendered.job))
    payload = {"onbrand_version": version("onbrand"), **rendered.job.model_dump(mode="json")}
    info.add_itxt("onbrand", json.dumps(payload, sort_keys=True))
    path.parent.mkdir(parents=True, exist_ok=True)
    rendered.image.save(path, format="PNG", pnginfo=info)
    return path


def read_png_job(path: Path) -> RenderJob:
    """The job saved in a draft PNG: re-render it with ``Renderer().render([job], job.model)``."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            raw = image.info.get("onbrand") or getattr(image, "text", {}).get("onbrand")
    except (OSError, UnidentifiedImageError) as exc:
        raise UserError(f"{path}: not a readable PNG") from exc
    if not raw:
        raise UserError(f"{path}: holds no onbrand metadata; only PNGs that onbrand rendered can be re-rendered")
    data = json.loads(raw)
    data.pop("onbrand_version", None)
    return RenderJob.model_validate(data)
