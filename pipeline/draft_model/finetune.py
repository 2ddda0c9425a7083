"""Fine-tuning stages of the draft model: the ControlNet alone on layouts, or the UNet alone on colours."""

from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.draft_model.data import SceneSet, TextCache, control_batch, encode_latents
from pipeline.draft_model.model import TrainConfig, build_scheduler, build_text_encoder, build_tokenizer, load_trained
from pipeline.draft_model.scenes import SIZE_WEIGHTS, SIZES, SceneSpec, caption
from pipeline.draft_model.train import Ema
from pipeline.progress import Progress, no_progress


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
    progress: Progress = no_progress,
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
        control = control_batch(batch, rng, 0.25, "cpu")
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
