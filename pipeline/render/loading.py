"""Loading pipelines strictly from local files, and a small per-process cache of warm ones."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from pipeline.devices import pick_device_dtype
from pipeline.errors import UserError
from pipeline.render.jobs import ModelDefaults, SpeedOptions
from pipeline.settings import BUNDLED_DRAFT_MODEL

_PIPELINES: OrderedDict[tuple[str, ...], Any] = OrderedDict()
_LOCK = threading.Lock()
LOADS = {"count": 0}  # how many pipelines this process has loaded (tests check the cache with it)
BUNDLED = "bundled"


def resolve_model(model: str) -> str:
    """``bundled`` -> the shipped draft model's folder; anything else unchanged."""
    if model != BUNDLED:
        return model
    path = BUNDLED_DRAFT_MODEL
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
