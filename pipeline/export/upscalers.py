"""Upscalers for export: how a render smaller than its channel's final size is enlarged.

    >>> upscaler = make_upscaler("models/sd-x4-upscaler", device="cuda", steps=20)   # doctest: +SKIP
    >>> bigger = upscaler.upscale(render, "a teal can on a beach", seed=7)           # doctest: +SKIP

``lanczos`` (the default) leaves the render as it is, and the export's cover-resize resamples it
with Lanczos. A diffusers upscaler folder (``StableDiffusionUpscalePipeline``, the
stable-diffusion-x4-upscaler format) or an ESRGAN-style ``.pth`` / ``.safetensors`` file (any
architecture spandrel reads) enlarges the render first, adding detail, and the cover-resize then
brings it to the exact size. Constructors only read a config file; weights load on the first
``upscale`` call, once per upscaler object (one per export).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pipeline.errors import UserError

if TYPE_CHECKING:
    from PIL import Image

LANCZOS = "lanczos"
DIFFUSERS_UPSCALERS = ("StableDiffusionUpscalePipeline",)
WEIGHT_SUFFIXES = (".pth", ".pt", ".safetensors", ".ckpt")
SETTING = "ONBRAND_UPSCALER"


class Upscaler(Protocol):
    name: str  # recorded in each exported file's metadata and the manifest

    def upscale(self, image: Image.Image, prompt: str, seed: int) -> Image.Image: ...


def enlarges(size: tuple[int, int], width: int, height: int) -> bool:
    """Whether a render of ``size`` must grow to cover ``width`` x ``height`` (the only case an upscaler runs)."""
    return max(width / size[0], height / size[1]) > 1


class LanczosUpscaler:
    """No model: the export's cover-resize does the (Lanczos) enlarging."""

    name = LANCZOS

    def upscale(self, image: Image.Image, prompt: str, seed: int) -> Image.Image:
        return image


class DiffusersUpscaler:
    """A local StableDiffusionUpscalePipeline folder (4x), seeded and prompted with the draft's prompt."""

    def __init__(self, folder: Path, *, device: str = "auto", steps: int = 20, noise_level: int = 20) -> None:
        self.folder = folder
        self.device = device
        self.steps = steps
        self.noise_level = noise_level  # how much the low-res input is noised: the x4 model's default
        self.name = f"diffusers:{folder.name}"
        self.calls = 0
        self._pipe: Any = None
        self._lock = threading.Lock()

    def load(self) -> Any:
        with self._lock:
            if self._pipe is None:
                import diffusers

                from pipeline.devices import pick_device_dtype

                device, dtype = pick_device_dtype(self.device)
                try:
                    pipe = diffusers.StableDiffusionUpscalePipeline.from_pretrained(
                        self.folder, dtype=dtype, local_files_only=True
                    )
                except (OSError, ValueError) as exc:
                    raise UserError(
                        f"{SETTING}={self.folder}: the upscaler does not load ({exc.__class__.__name__}: "
                        f"{str(exc).splitlines()[0][:160]}); point it at a complete diffusers upscaler folder"
                    ) from exc
                pipe.set_progress_bar_config(disable=True)
                self._pipe = pipe.to(device)
            return self._pipe

    def upscale(self, image: Image.Image, prompt: str, seed: int) -> Image.Image:
        import torch
        from PIL import Image as PILImage

        pipe = self.load()
        # The UNet halves the latent (= the low-res image) per down block: keep both sides divisible.
        multiple = 2 ** (len(pipe.unet.config.block_out_channels) - 1)
        w, h = (max(multiple, image.width // multiple * multiple), max(multiple, image.height // multiple * multiple))
        if (w, h) != image.size:
            image = image.resize((w, h), PILImage.Resampling.LANCZOS)
        device = str(pipe.device)
        generator = torch.Generator(device="cpu" if device.startswith("mps") else device).manual_seed(seed)
        with torch.inference_mode():
            out = pipe(
                prompt=prompt,
                image=image.convert("RGB"),
                num_inference_steps=self.steps,
                noise_level=self.noise_level,
                generator=generator,
            ).images[0]
        self.calls += 1
        return out


class SpandrelUpscaler:
    """An ESRGAN-style super-resolution file (RealESRGAN, SwinIR, ...) read by spandrel."""

    def __init__(self, path: Path, *, device: str = "auto") -> None:
        self.path = path
        self.device = device
        self.name = f"spandrel:{path.name}"
        self.calls = 0
        self._model: Any = None
        self._lock = threading.Lock()

    def load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    import spandrel
                except ImportError as exc:
                    raise UserError(
                        f"{SETTING}={self.path}: reading ESRGAN-style files needs spandrel (pip install spandrel)"
                    ) from exc
                from pipeline.devices import pick_device_dtype

                device, _ = pick_device_dtype(self.device)
                try:
                    model = spandrel.ModelLoader(device="cpu").load_from_file(self.path)
                except Exception as exc:  # spandrel raises its own types for unknown architectures
                    raise UserError(
                        f"{SETTING}={self.path}: not a super-resolution model spandrel knows "
                        f"({exc.__class__.__name__}); use an ESRGAN-style .pth/.safetensors file or a diffusers folder"
                    ) from exc
                if not isinstance(model, spandrel.ImageModelDescriptor) or model.input_channels != 3:
                    raise UserError(f"{SETTING}={self.path}: not an RGB image upscaler; use an ESRGAN-style model")
                self._model = model.to(device).eval()
            return self._model

    def upscale(self, image: Image.Image, prompt: str, seed: int) -> Image.Image:
        import numpy as np
        import torch
        from PIL import Image as PILImage

        model = self.load()
        pixels = torch.from_numpy(np.asarray(image.convert("RGB"), dtype=np.float32) / 255).permute(2, 0, 1)
        with torch.inference_mode():
            out = model(pixels.unsqueeze(0).to(model.device)).clamp(0, 1)[0]
        self.calls += 1
        array = (out.permute(1, 2, 0).float().cpu().numpy() * 255).round().astype(np.uint8)
        return PILImage.fromarray(array)


def make_upscaler(spec: str, *, device: str = "auto", steps: int = 20) -> Upscaler:
    """The upscaler ``spec`` names (``lanczos``, a diffusers folder, a weights file), checked but not loaded."""
    spec = spec.strip()
    if spec in ("", LANCZOS):
        return LanczosUpscaler()
    path = Path(spec).expanduser()
    if path.is_dir():
        index = path / "model_index.json"
        if not index.is_file():
            raise UserError(
                f"{SETTING}={spec}: not a diffusers pipeline folder (no model_index.json); point it at a "
                "stable-diffusion-x4-upscaler folder, an ESRGAN-style .pth/.safetensors file, or 'lanczos'"
            )
        try:
            kind = str(json.loads(index.read_text(encoding="utf-8")).get("_class_name", ""))
        except (ValueError, UnicodeDecodeError) as exc:
            raise UserError(f"{index}: not valid JSON ({exc.__class__.__name__}); restore the upscaler folder") from exc
        if kind not in DIFFUSERS_UPSCALERS:
            raise UserError(
                f"{SETTING}={spec}: model_index.json says {kind or 'no pipeline class'}, not an upscaler; "
                f"use a {' or '.join(DIFFUSERS_UPSCALERS)} folder (stable-diffusion-x4-upscaler format)"
            )
        return DiffusersUpscaler(path, device=device, steps=steps)
    if path.is_file() and path.suffix.lower() in WEIGHT_SUFFIXES:
        return SpandrelUpscaler(path, device=device)
    if path.is_file():
        raise UserError(
            f"{SETTING}={spec}: not an upscaler; use a diffusers upscaler folder, an ESRGAN-style "
            f"{'/'.join(WEIGHT_SUFFIXES)} file, or 'lanczos'"
        )
    raise UserError(
        f"{SETTING}={spec}: no such folder or file; set it to 'lanczos', a local stable-diffusion-x4-upscaler "
        "folder or an ESRGAN-style .pth/.safetensors file"
    )
