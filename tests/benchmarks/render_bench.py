"""Render benchmark: plain diffusers vs onbrand's renderer, side by side on the same inputs.

Builds full-size Stable Diffusion 1.5 UNet + ControlNet + VAE (+ a CLIP ViT-L-sized text encoder)
from their configs with random weights, so no download is needed, and times, for N drafts:

(a) plain ``StableDiffusionControlNetPipeline`` in fp16 with SDPA, one call per image;
(b) onbrand's :class:`pipeline.render.Renderer` with its best settings (batched drafts with
    per-draft generators, channels_last, fused QKV, optionally torch.compile).

It prints JSON: images/s for each, the ratio (b)/(a), the UNet's achieved TFLOP/s against the card's
peak, and whether (b) computes the same function as (a) (final latents within fp16 tolerance for the
same seeds). ``--tiny`` runs the same script with diffusers-test-sized models on the CPU (CI).

    python tests/benchmarks/render_bench.py            # on a CUDA GPU: 8 drafts, 512x512, 20 steps
    python tests/benchmarks/render_bench.py --tiny     # anywhere: 2 drafts, 64x64, 2 steps
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

# bf16/fp16 dense tensor-core peaks (TFLOP/s, without sparsity) of cards this is likely to meet.
PEAK_TFLOPS = {"H100": 989.0, "H200": 989.0, "A100": 312.0, "L40S": 362.0, "L4": 121.0, "A10": 125.0, "4090": 165.0}


def build(tiny: bool, device: str, dtype: Any) -> Any:
    import torch
    from diffusers import (
        AutoencoderKL,
        ControlNetModel,
        DPMSolverMultistepScheduler,
        StableDiffusionControlNetPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel

    from tests.pipeline.tiny_diffusion import tiny_sd_parts, tiny_tokenizer

    torch.manual_seed(0)
    if tiny:
        unet, vae, text_encoder, tokenizer = tiny_sd_parts(0)
        cond_channels: tuple[int, ...] = (16, 32)
    else:  # Stable Diffusion 1.5 shapes
        unet = UNet2DConditionModel(
            sample_size=64,
            in_channels=4,
            out_channels=4,
            layers_per_block=2,
            block_out_channels=(320, 640, 1280, 1280),
            cross_attention_dim=768,
            attention_head_dim=8,
            down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
            up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
        )
        vae = AutoencoderKL(
            block_out_channels=[128, 256, 512, 512],
            in_channels=3,
            out_channels=3,
            latent_channels=4,
            down_block_types=["DownEncoderBlock2D"] * 4,
            up_block_types=["UpDecoderBlock2D"] * 4,
            layers_per_block=2,
            sample_size=512,
        )
        tokenizer = tiny_tokenizer()
        text_encoder = CLIPTextModel(
            CLIPTextConfig(
                bos_token_id=tokenizer.bos_token_id,
                eos_token_id=tokenizer.eos_token_id,
                pad_token_id=1,
                vocab_size=len(tokenizer),
                layer_norm_eps=1e-5,
                hidden_size=768,
                intermediate_size=3072,
                num_attention_heads=12,
                num_hidden_layers=12,
            )
        )
        cond_channels = (16, 32, 96, 256)
    controlnet = ControlNetModel.from_unet(unet, conditioning_embedding_out_channels=cond_channels)
    torch.nn.init.normal_(controlnet.controlnet_down_blocks[0].weight, std=0.02)
    scheduler = DPMSolverMultistepScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        algorithm_type="dpmsolver++",
        use_karras_sigmas=True,
    )
    pipe = StableDiffusionControlNetPipeline(
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
    pipe.set_progress_bar_config(disable=True)
    return pipe.to(device=device, dtype=dtype)


def unet_flops(pipe: Any, size: int, batch: int) -> float:
    """FLOPs of one UNet + ControlNet forward for ``batch`` latents (CFG doubles the batch)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    lat = size // pipe.vae_scale_factor
    dev, dt = pipe.unet.device, pipe.unet.dtype
    sample = torch.randn(batch, 4, lat, lat, device=dev, dtype=dt)
    hidden = torch.randn(batch, 77, pipe.unet.config.cross_attention_dim, device=dev, dtype=dt)
    cond = torch.randn(batch, 3, size, size, device=dev, dtype=dt)
    t = torch.tensor([500] * batch, device=dev)
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        down, mid = pipe.controlnet(sample, t, encoder_hidden_states=hidden, controlnet_cond=cond, return_dict=False)
        pipe.unet(
            sample,
            t,
            encoder_hidden_states=hidden,
            down_block_additional_residuals=down,
            mid_block_additional_residual=mid,
        )
    return float(counter.get_total_flops())


def main() -> None:
    import torch

    from pipeline.campaign.conditions import draw_box_map
    from pipeline.campaign.layouts import make_layout
    from pipeline.render import loading
    from pipeline.render.jobs import ControlSpec, RenderJob, SpeedOptions
    from pipeline.render.renderer import Renderer

    parser = argparse.ArgumentParser()
    parser.add_argument("--tiny", action="store_true", help="test-sized models on the CPU (CI)")
    parser.add_argument("--drafts", type=int, default=None)
    parser.add_argument("--compile", action="store_true", help="also torch.compile the UNet in (b)")
    parser.add_argument("--out", type=Path, default=None, help="write the JSON here too")
    args = parser.parse_args()
    cuda = torch.cuda.is_available()
    tiny = args.tiny or not cuda
    device, dtype = ("cuda", torch.float16) if cuda and not tiny else ("cpu", torch.float32)
    size, steps, drafts = (64, 2, args.drafts or 2) if tiny else (512, 20, args.drafts or 8)
    guidance = 7.5

    pipe = build(tiny, device, dtype)
    work = Path("/tmp/onbrand-render-bench")
    work.mkdir(exist_ok=True)
    condition = work / f"boxes-{size}.png"
    draw_box_map(make_layout("centred_hero", 1.0), size, size).save(condition)
    prompts = [f"a teal can of sparkling water on a pale green backdrop, draft {i}" for i in range(drafts)]
    seeds = list(range(1000, 1000 + drafts))

    def sync() -> None:
        if cuda:
            torch.cuda.synchronize()

    # (a) plain diffusers: one call per image.
    from PIL import Image

    cond_image = Image.open(condition).convert("RGB")

    def plain(output_type: str) -> tuple[list[Any], float]:
        outs = []
        sync()
        start = time.perf_counter()
        for prompt, seed in zip(prompts, seeds, strict=True):
            gen = torch.Generator(device=device).manual_seed(seed)
            outs.append(
                pipe(
                    prompt=prompt,
                    negative_prompt="text, watermark",
                    image=cond_image,
                    width=size,
                    height=size,
                    num_inference_steps=steps,
                    guidance_scale=guidance,
                    generator=gen,
                    output_type=output_type,
                ).images[0]
            )
        sync()
        return outs, time.perf_counter() - start

    plain("pil")  # warm-up
    _, plain_seconds = plain("pil")
    plain_latents, _ = plain("latent")

    # (b) onbrand: the same pipeline object, warm in the renderer's cache, batched, with the speed switches.
    model_id = "bench:sd15-random" if not tiny else "bench:tiny-random"
    loading.put_pipeline(model_id, ("bench:controlnet",), pipe, device=device, dtype=dtype)
    speed = SpeedOptions(channels_last=True, fuse_qkv=True, compile=args.compile)
    renderer = Renderer(
        device=device, dtype="fp16" if dtype == torch.float16 else "fp32", batch_size=drafts, speed=speed
    )
    jobs = [
        RenderJob(
            prompt=p,
            negative_prompt="text, watermark",
            seed=s,
            width=size,
            height=size,
            steps=steps,
            guidance=guidance,
            scheduler="default",
            controls=[ControlSpec(model="bench:controlnet", image=str(condition))],
        )
        for p, s in zip(prompts, seeds, strict=True)
    ]
    renderer.render(jobs, model=model_id)  # warm-up (and compilation, when asked)
    sync()
    start = time.perf_counter()
    renderer.render(jobs, model=model_id)
    sync()
    onbrand_seconds = time.perf_counter() - start
    onbrand_latents = renderer.render_latents(jobs, model=model_id)

    diffs = [float((a.float() - b.float()).abs().max()) for a, b in zip(plain_latents, onbrand_latents, strict=True)]
    tolerance = 5e-2 if dtype == torch.float16 else 1e-3
    flops_per_image = unet_flops(pipe, size, 2) * steps  # CFG: two latents per image per step
    name = torch.cuda.get_device_name() if cuda else "cpu"
    peak = next((v for k, v in PEAK_TFLOPS.items() if k in name), None)
    achieved = flops_per_image * drafts / onbrand_seconds / 1e12
    result = {
        "device": name,
        "tiny": tiny,
        "drafts": drafts,
        "size": size,
        "steps": steps,
        "dtype": str(dtype).replace("torch.", ""),
        "plain_images_per_s": round(drafts / plain_seconds, 3),
        "onbrand_images_per_s": round(drafts / onbrand_seconds, 3),
        "ratio": round(plain_seconds / onbrand_seconds, 3),
        "unet_tflops": round(achieved, 2),
        "unet_peak_share": round(achieved / peak, 3) if peak else None,
        "latents_max_abs_diff": round(max(diffs), 5),
        "same_function": max(diffs) <= tolerance,
        "speed_switches": speed.model_dump(),
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
