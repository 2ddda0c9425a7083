"""Rendering drafts with diffusers: Stable Diffusion steered by one or more ControlNets.

Pipelines load strictly from local files (a diffusers folder, a single-file checkpoint, or the
Hugging Face cache with ``local_files_only``), stay warm in a small per-process cache keyed by
model + ControlNets + dtype + device, and render drafts of the same size and settings as one batch.
Each draft has its own ``torch.Generator``, so any draft re-renders alone to the same image.

    >>> renderer = Renderer()
    >>> job = RenderJob(prompt="a teal can on sea foam", seed=7, width=512, height=512)
    >>> image = renderer.render([job], model="/models/sd15")[0].image  # doctest: +SKIP
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipeline.errors import UserError

if TYPE_CHECKING:
    from PIL import Image

SchedulerName = Literal["dpmpp_2m_karras", "euler_a", "euler", "ddim", "lcm", "default"]
SCHEDULER_LABELS = {  # the names A1111 and ComfyUI users know
    "dpmpp_2m_karras": "DPM++ 2M Karras",
    "euler_a": "Euler a",
    "euler": "Euler",
    "ddim": "DDIM",
    "lcm": "LCM",
    "default": "model default",
}


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


def apply_speedups(pipe: Any, options: SpeedOptions) -> None:
    """Apply the switches once per pipeline; idempotent."""
    import torch

    if not str(pipe.device).startswith("cuda"):
        return
    done: set[str] = getattr(pipe, "_onbrand_speedups", set())
    if options.channels_last and "channels_last" not in done:
        pipe.unet.to(memory_format=torch.channels_last)
        pipe.vae.to(memory_format=torch.channels_last)
        done.add("channels_last")
    if options.fuse_qkv and "fuse_qkv" not in done:
        pipe.fuse_qkv_projections()
        done.add("fuse_qkv")
    if options.compile and "compile" not in done:
        pipe.unet = torch.compile(pipe.unet, mode="max-autotune-no-cudagraphs", fullgraph=False)
        done.add("compile")
    if options.deepcache and "deepcache" not in done:
        try:
            from DeepCache import DeepCacheSDHelper
        except ImportError as exc:
            raise UserError("the deepcache switch needs the DeepCache package: pip install DeepCache") from exc
        helper = DeepCacheSDHelper(pipe=pipe)
        helper.set_params(cache_interval=options.deepcache_interval, cache_branch_id=0)
        helper.enable()
        done.add("deepcache")
    pipe._onbrand_speedups = done


@dataclass
class RenderedImage:
    job: RenderJob
    image: Image.Image
    seconds: float


# --- loading --------------------------------------------------------------------------------------

_PIPELINES: OrderedDict[tuple[str, ...], Any] = OrderedDict()
_LOCK = threading.Lock()
_RENDER_LOCK = threading.RLock()  # the UI's job worker and a chat request may render at once
LOADS = {"count": 0}  # how many pipelines this process has loaded (tests check the cache with it)


def pick_device_dtype(device: str = "auto", dtype: str = "auto") -> tuple[str, Any]:
    import torch

    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    if dtype == "auto":
        chosen = torch.float16 if device in ("cuda", "mps") else torch.float32
    else:
        chosen = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}[dtype]
    return device, chosen


class ModelDefaults(BaseModel):
    """Render defaults a model folder states in ``onbrand.json`` (the bundled draft model does)."""

    model_config = ConfigDict(extra="ignore")

    resolution: int = 512  # the side of the square the model was trained at
    size_multiple: int = 8  # width and height snap to this (the UNet's downsampling)
    guidance: float = 7.0
    steps: int = 20
    scheduler: SchedulerName = "dpmpp_2m_karras"
    control_scale: float = 1.0  # ControlNet conditioning scale for layouts drawn for this model


BUNDLED = "bundled"


def resolve_model(model: str) -> str:
    """``bundled`` -> the shipped draft model's folder; anything else unchanged."""
    if model != BUNDLED:
        return model
    from pipeline.draft_model import bundled_model_path

    path = bundled_model_path()
    if not (path / "model_index.json").is_file():
        raise UserError(
            f"the bundled draft model is missing from {path}; restore it with git (git checkout -- data/models) "
            "or retrain it with: onbrand train-draft-model"
        )
    return str(path)


def model_defaults(model: str) -> ModelDefaults:
    """Defaults for ``model``: its folder's ``onbrand.json`` when it has one, else Stable Diffusion's."""
    path = Path(resolve_model(model)).expanduser() / "onbrand.json"
    if path.is_file():
        try:
            return ModelDefaults.model_validate_json(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise UserError(f"{path}: not valid model defaults ({exc.__class__.__name__}); fix or delete it") from exc
    return ModelDefaults()


def folder_controlnet(model: str) -> str | None:
    """The ControlNet a pipeline folder ships with (``controlnet/``), used for layouts by default."""
    path = Path(resolve_model(model)).expanduser() / "controlnet"
    return str(path) if (path / "config.json").is_file() else None


def _model_kind(model: str) -> str:
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "model_index.json").is_file():
            raise UserError(
                f"{model}: not a diffusers pipeline folder (no model_index.json); point --model at the folder "
                "that holds model_index.json, or at a single .safetensors checkpoint"
            )
        return "folder"
    if path.suffix in (".safetensors", ".ckpt"):
        if not path.is_file():
            raise UserError(f"{model}: no such checkpoint file")
        return "single_file"
    if path.exists() or model.startswith((".", "/", "~")):
        raise UserError(f"{model}: not a model folder or a .safetensors/.ckpt checkpoint")
    return "hub"


def load_pipeline(
    model: str,
    controlnets: tuple[str, ...] = (),
    *,
    device: str = "auto",
    dtype: str = "auto",
    allow_downloads: bool = False,
    max_loaded: int = 2,
    lora: str | None = None,
    ip_adapter: str | None = None,
) -> Any:
    """A warm pipeline for ``model`` with ``controlnets`` (and a LoRA / IP-Adapter), loaded once per
    process and kept in an LRU of ``max_loaded`` pipelines."""
    device, torch_dtype = pick_device_dtype(device, dtype)
    model = resolve_model(model)
    key = _cache_key(model, controlnets, lora, ip_adapter, torch_dtype, device)
    with _LOCK:
        if key in _PIPELINES:
            _PIPELINES.move_to_end(key)
            return _PIPELINES[key]
    pipe = _load(model, controlnets, device, torch_dtype, allow_downloads)
    if lora:
        _attach_lora(pipe, lora)
    if ip_adapter:
        _attach_ip_adapter(pipe, ip_adapter)
    with _LOCK:
        _PIPELINES[key] = pipe
        while len(_PIPELINES) > max(1, max_loaded):
            _PIPELINES.popitem(last=False)
    return pipe


def _cache_key(
    model: str, controlnets: tuple[str, ...], lora: str | None, ip_adapter: str | None, dtype: Any, device: str
) -> tuple[str, ...]:
    return (str(model), *controlnets, f"lora={lora or ''}", f"ip={ip_adapter or ''}", str(dtype), device)


def put_pipeline(model: str, controlnets: tuple[str, ...], pipe: Any, *, device: str, dtype: Any) -> None:
    """Hand the cache a pipeline built in memory (benchmarks, tests); later renders of ``model`` use it."""
    with _LOCK:
        _PIPELINES[_cache_key(resolve_model(model), controlnets, None, None, dtype, device)] = pipe


def _attach_lora(pipe: Any, lora: str) -> None:
    path = Path(lora).expanduser()
    if not path.exists():
        raise UserError(f"LoRA '{lora}': no such file or folder; point it at a .safetensors LoRA")
    try:
        if path.is_file():
            pipe.load_lora_weights(str(path.parent), weight_name=path.name, adapter_name="brand")
        else:
            pipe.load_lora_weights(str(path), adapter_name="brand")
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise UserError(
            f"LoRA '{lora}' does not fit this model ({exc.__class__.__name__}); use a LoRA trained "
            "for the same base model family"
        ) from exc


def _attach_ip_adapter(pipe: Any, weights: str) -> None:
    path = Path(weights).expanduser()
    if not path.is_file() or not (path.parent / "image_encoder").is_dir():
        raise UserError(
            f"IP-Adapter '{weights}': needs the weight file and an image_encoder/ folder beside it (as in "
            "h94/IP-Adapter's models/ folder); without them, render without --ip-adapter"
        )
    try:
        pipe.load_ip_adapter(str(path.parent), subfolder="", weight_name=path.name, local_files_only=True)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise UserError(f"IP-Adapter '{weights}' could not be loaded ({exc.__class__.__name__})") from exc


def clear_cache() -> None:
    with _LOCK:
        _PIPELINES.clear()


def _load(model: str, controlnets: tuple[str, ...], device: str, torch_dtype: Any, allow_downloads: bool) -> Any:
    import diffusers

    # Library chatter (component bars, dtype notes) is not onbrand's output; real errors still raise.
    diffusers.utils.logging.set_verbosity_error()
    diffusers.utils.logging.disable_progress_bar()
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    kind = _model_kind(model)
    local = not allow_downloads
    nets = [_load_controlnet(path, torch_dtype, local) for path in controlnets]
    try:
        if kind == "single_file":
            base = diffusers.StableDiffusionPipeline.from_single_file(model, dtype=torch_dtype, local_files_only=local)
        else:
            base = diffusers.DiffusionPipeline.from_pretrained(
                model, dtype=torch_dtype, local_files_only=local, safety_checker=None, requires_safety_checker=False
            )
    except (OSError, ValueError, KeyError) as exc:
        hint = (
            "set ONBRAND_ALLOW_DOWNLOADS=true where a model hub is reachable"
            if kind == "hub"
            else ("the folder is incomplete or not a diffusers model")
        )
        raise UserError(f"model '{model}' could not be loaded ({exc.__class__.__name__}); {hint}") from exc
    family = type(base).__name__
    if not family.startswith("StableDiffusion") or "Upscale" in family or "Inpaint" in family:
        raise UserError(f"model '{model}' is a {family}; onbrand renders with Stable Diffusion 1.x/2.x or SDXL models")
    if getattr(base, "controlnet", None) is not None and not nets:
        # A folder saved with its ControlNet (the bundled model): render without it unless a layout asks.
        base = diffusers.AutoPipelineForText2Image.from_pipe(base, controlnet=None)
    pipe = base
    if nets:
        _check_controlnet_fits(base, nets, model, controlnets)
        # The ControlNet variant of the same family (SD or SDXL), sharing the loaded components.
        pipe = diffusers.AutoPipelineForText2Image.from_pipe(base, controlnet=nets[0] if len(nets) == 1 else nets)
    pipe.set_progress_bar_config(disable=True)
    if device == "cuda" and not _fits_on_gpu(pipe):
        pipe.enable_model_cpu_offload()  # VRAM is short: each module visits the GPU only while it runs
    else:
        pipe = pipe.to(device)
    LOADS["count"] += 1
    return pipe


def _fits_on_gpu(pipe: Any, headroom: float = 1.6) -> bool:
    """Whether the weights, with room for activations, fit in the GPU's free memory."""
    import torch

    weights = sum(
        p.numel() * p.element_size()
        for c in pipe.components.values()
        if isinstance(c, torch.nn.Module)
        for p in c.parameters()
    )
    free, _total = torch.cuda.mem_get_info()
    return bool(weights * headroom < free)


def _load_controlnet(path: str, torch_dtype: Any, local: bool) -> Any:
    from diffusers import ControlNetModel

    try:
        return ControlNetModel.from_pretrained(path, dtype=torch_dtype, local_files_only=local)
    except (OSError, ValueError) as exc:
        raise UserError(
            f"ControlNet '{path}' could not be loaded ({exc.__class__.__name__}); point it at a local "
            "diffusers ControlNet folder (config.json + weights)"
        ) from exc


def _check_controlnet_fits(base: Any, nets: list[Any], model: str, paths: tuple[str, ...]) -> None:
    """A ControlNet must share the base UNet's text-conditioning width and block layout."""
    unet = base.unet.config
    for net, path in zip(nets, paths, strict=True):
        cfg = net.config
        if cfg.cross_attention_dim != unet.cross_attention_dim or tuple(cfg.block_out_channels) != tuple(
            unet.block_out_channels
        ):
            raise UserError(
                f"ControlNet '{path}' does not match model '{model}' (cross-attention {cfg.cross_attention_dim} vs "
                f"{unet.cross_attention_dim}); use a ControlNet trained for this base model family"
            )


def set_scheduler(pipe: Any, name: SchedulerName) -> None:
    import diffusers

    if name == "default":
        return
    config = pipe.scheduler.config
    if name == "dpmpp_2m_karras":
        scheduler = diffusers.DPMSolverMultistepScheduler.from_config(
            config, algorithm_type="dpmsolver++", solver_order=2, use_karras_sigmas=True
        )
    elif name == "euler_a":
        scheduler = diffusers.EulerAncestralDiscreteScheduler.from_config(config)
    elif name == "euler":
        scheduler = diffusers.EulerDiscreteScheduler.from_config(config)
    elif name == "ddim":
        scheduler = diffusers.DDIMScheduler.from_config(config)
    else:
        scheduler = diffusers.LCMScheduler.from_config(config)
    if type(pipe.scheduler) is not type(scheduler) or dict(pipe.scheduler.config) != dict(scheduler.config):
        pipe.scheduler = scheduler


# --- rendering ------------------------------------------------------------------------------------


def _load_image(path: str, width: int, height: int) -> Image.Image:
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
            conditions = [[_load_image(c.image, first.width, first.height) for c in j.controls] for j in batch]
            # One ControlNet: a list over the batch. Several: one list of per-ControlNet images per draft.
            images = [c[0] for c in conditions] if len(first.controls) == 1 else conditions
            kwargs["control_image" if first.init_image is not None else "image"] = images
            scales = [c.scale for c in first.controls]
            kwargs["controlnet_conditioning_scale"] = scales[0] if len(scales) == 1 else scales
        if first.init_image is not None:
            kwargs["image"] = [_load_image(j.init_image or "", first.width, first.height) for j in batch]
            kwargs["strength"] = first.strength
        if first.ip_adapter:
            kwargs["ip_adapter_image"] = [_load_image(j.ip_adapter_image or "", 224, 224) for j in batch]
        started = time.perf_counter()
        images = pipe(**kwargs, output_type=output_type).images
        return list(images), time.perf_counter() - started


# --- PNG metadata ---------------------------------------------------------------------------------


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
        f"Sampler: {SCHEDULER_LABELS[job.scheduler]}",
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
