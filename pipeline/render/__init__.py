"""Rendering: jobs, pipelines loaded from local files and kept warm, samplers, the renderer, PNG
metadata, and campaign drafts stored by content hash.

    >>> Renderer().render([RenderJob(prompt="a teal can", seed=7)], model="bundled")[0].image  # doctest: +SKIP
"""

from pipeline.render.drafts import FailedDraft, render_drafts, render_drafts_safely, render_job
from pipeline.render.jobs import ControlSpec, ModelDefaults, RenderedImage, RenderJob, SpeedOptions
from pipeline.render.loading import clear_cache, folder_controlnet, load_pipeline, model_defaults
from pipeline.render.png import read_png_job, save_png
from pipeline.render.renderer import Renderer
from pipeline.render.schedulers import SCHEDULERS, register_scheduler

__all__ = [
    "SCHEDULERS",
    "ControlSpec",
    "FailedDraft",
    "ModelDefaults",
    "RenderJob",
    "RenderedImage",
    "Renderer",
    "SpeedOptions",
    "clear_cache",
    "folder_controlnet",
    "load_pipeline",
    "model_defaults",
    "read_png_job",
    "register_scheduler",
    "render_drafts",
    "render_drafts_safely",
    "render_job",
    "save_png",
]
