"""Samplers, by the names A1111 and ComfyUI users know, in a registry.

    >>> register_scheduler("unipc", "UniPC", "UniPCMultistepScheduler")   # doctest: +SKIP

The built-ins register here the same way an extension would; ``RenderJob.scheduler`` accepts any
registered name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SchedulerName = str  # a key of SCHEDULERS


@dataclass(frozen=True)
class Scheduler:
    label: str  # what A1111 writes in a PNG's parameters ("DPM++ 2M Karras")
    diffusers_class: str | None  # None: keep the pipeline's own scheduler
    options: dict[str, Any] = field(default_factory=dict)  # passed to from_config


SCHEDULERS: dict[str, Scheduler] = {}


def register_scheduler(name: str, label: str, diffusers_class: str | None, **options: Any) -> None:
    """Add (or replace) a sampler: a diffusers scheduler class built from the pipeline's config."""
    SCHEDULERS[name] = Scheduler(label, diffusers_class, options)


def set_scheduler(pipe: Any, name: SchedulerName) -> None:
    """Switch ``pipe`` to the named sampler (a no-op when it already uses it)."""
    import diffusers

    spec = SCHEDULERS[name]
    if spec.diffusers_class is None:
        return
    scheduler = getattr(diffusers, spec.diffusers_class).from_config(pipe.scheduler.config, **spec.options)
    if type(pipe.scheduler) is not type(scheduler) or dict(pipe.scheduler.config) != dict(scheduler.config):
        pipe.scheduler = scheduler


register_scheduler(
    "dpmpp_2m_karras",
    "DPM++ 2M Karras",
    "DPMSolverMultistepScheduler",
    algorithm_type="dpmsolver++",
    solver_order=2,
    use_karras_sigmas=True,
)
register_scheduler("euler_a", "Euler a", "EulerAncestralDiscreteScheduler")
register_scheduler("euler", "Euler", "EulerDiscreteScheduler")
register_scheduler("ddim", "DDIM", "DDIMScheduler")
register_scheduler("lcm", "LCM", "LCMScheduler")
register_scheduler("default", "model default", None)
