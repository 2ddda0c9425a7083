"""What decides one image: :class:`RenderJob` (saved in every PNG), its ControlNets, speed switches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipeline.render.schedulers import SCHEDULERS, SchedulerName

if TYPE_CHECKING:
    from PIL import Image


class ControlSpec(BaseModel):
    """One ControlNet input: which ControlNet model, its conditioning image, and its scale."""

    model_config = ConfigDict(extra="forbid")

    model: str  # folder or hub id of the ControlNet
    image: str  # path of the conditioning image (PNG)
    scale: float = Field(default=1.0, ge=0, le=2)
    type: str = "boxes"  # what drew the image: boxes, segmentation, canny, lineart, ...


class RenderJob(BaseModel):
    """Everything that decides one image. Saved into the PNG, so a draft can be re-rendered from its file."""

    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1)
    negative_prompt: str = ""
    seed: int = Field(default=0, ge=0, lt=2**63)
    width: int = Field(default=512, gt=0)
    height: int = Field(default=512, gt=0)
    steps: int = Field(default=20, ge=1, le=200)
    guidance: float = Field(default=7.0, ge=0, le=30)
    scheduler: SchedulerName = "dpmpp_2m_karras"
    controls: list[ControlSpec] = Field(default_factory=list)
    model: str = ""  # filled in by the renderer
    layout: dict[str, Any] | None = None  # the layout the conditions were drawn from, for provenance
    init_image: str | None = None  # img2img: start from this image instead of noise
    strength: float = Field(default=0.75, gt=0, le=1)  # img2img: how far from the init image to go
    lora: str | None = None  # brand style LoRA (.safetensors file or folder)
    lora_scale: float = Field(default=0.8, ge=0, le=2)
    ip_adapter: str | None = None  # IP-Adapter weight file; its folder must also hold image_encoder/
    ip_adapter_image: str | None = None  # style reference image for the IP-Adapter
    ip_adapter_scale: float = Field(default=0.6, ge=0, le=2)

    @field_validator("scheduler")
    @classmethod
    def _known_scheduler(cls, value: str) -> str:
        if value not in SCHEDULERS:
            raise ValueError(f"unknown scheduler '{value}'; use one of: {', '.join(SCHEDULERS)}")
        return value

    @field_validator("width", "height")
    @classmethod
    def _multiple_of_8(cls, value: int) -> int:
        if value % 8:
            raise ValueError(f"{value} is not a multiple of 8; use e.g. 512 or 768")
        return value

    def batch_key(self) -> tuple[Any, ...]:
        """Jobs with equal keys can share one pipeline call."""
        controls = tuple((c.model, c.scale) for c in self.controls)
        return (
            self.width,
            self.height,
            self.steps,
            self.guidance,
            self.scheduler,
            controls,
            self.init_image is not None,
            self.strength,
            self.lora,
            self.lora_scale,
            self.ip_adapter,
            self.ip_adapter_scale,
        )

    def pipeline_key(self) -> tuple[str, ...]:
        """What is loaded into the pipeline itself: ControlNets, LoRA, IP-Adapter."""
        return (*(c.model for c in self.controls), f"lora={self.lora or ''}", f"ip={self.ip_adapter or ''}")


class SpeedOptions(BaseModel):
    """Opt-in CUDA speed switches; ignored on CPU and MPS, where they do not help."""

    model_config = ConfigDict(extra="forbid")

    channels_last: bool = False  # NHWC memory format for the UNet and VAE convolutions
    fuse_qkv: bool = False  # one matmul for the Q, K and V projections of every attention layer
    compile: bool = False  # torch.compile the UNet (first call pays for compilation)
    deepcache: bool = False  # reuse deep UNet features across steps (needs the DeepCache package)
    deepcache_interval: int = Field(default=3, ge=2, le=10)


@dataclass
class RenderedImage:
    job: RenderJob
    image: Image.Image
    seconds: float


class ModelDefaults(BaseModel):
    """Render defaults a model folder states in ``onbrand.json`` (the bundled draft model does)."""

    model_config = ConfigDict(extra="ignore")

    resolution: int = 512  # the side of the square the model was trained at
    size_multiple: int = 8  # width and height snap to this (the UNet's downsampling)
    guidance: float = 7.0
    steps: int = 20
    scheduler: SchedulerName = "dpmpp_2m_karras"
    control_scale: float = 1.0  # ControlNet conditioning scale for layouts drawn for this model
    # Whether the model learnt to steer away from a negative prompt. The bundled draft model did not: its
    # unconditional caption in training was always the empty one, so a long negative prompt (brand
    # don'ts full of colour and product words) only pushes its colours off; it renders with "".
    negative_prompt: bool = True
