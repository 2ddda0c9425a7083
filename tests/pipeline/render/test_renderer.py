"""Rendering with tiny random-weight pipelines saved as real diffusers folders (2 steps, 64 px)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydantic import ValidationError

from pipeline.campaign.conditions import draw_box_map, draw_segmentation
from pipeline.campaign.layouts import make_layout
from pipeline.errors import UserError
from pipeline.render import loading
from pipeline.render.jobs import ControlSpec, RenderJob
from pipeline.render.png import read_png_job, save_png
from pipeline.render.renderer import Renderer
from tests.pipeline.tiny_diffusion import build_tiny_controlnet, build_tiny_pipeline

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("tiny-models")
    layout = make_layout("centred_hero", 1.0)
    draw_box_map(layout, 64, 64).save(root / "boxes.png")
    draw_segmentation(layout, 64, 64).save(root / "seg.png")
    return {
        "sd": str(build_tiny_pipeline(root)),
        "sd_other": str(build_tiny_pipeline(root / "other", seed=1)),
        "cn": str(build_tiny_controlnet(root / "cn")),
        "cn2": str(build_tiny_controlnet(root / "cn2", seed=1)),
        "cn_wrong": str(build_tiny_controlnet(root / "cn-wrong", cross_attention_dim=64)),
        "boxes": str(root / "boxes.png"),
        "seg": str(root / "seg.png"),
    }


def jobs_for(tiny: dict[str, str], n: int = 3, **kw: object) -> list[RenderJob]:
    control = [ControlSpec(model=tiny["cn"], image=tiny["boxes"], scale=0.8)]
    return [
        RenderJob(
            prompt=f"a teal can on sea foam, draft {i}",
            negative_prompt="text, watermark",
            seed=100 + i,
            width=64,
            height=64,
            steps=2,
            controls=control,
            **kw,
        )
        for i in range(n)
    ]  # type: ignore[arg-type]


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image).astype(np.int16)


def test_a_draft_in_a_batch_matches_the_same_draft_alone(tiny: dict[str, str]) -> None:
    renderer = Renderer(batch_size=8)
    jobs = jobs_for(tiny)
    batch = renderer.render(jobs, model=tiny["sd"])
    alone = renderer.render([jobs[1]], model=tiny["sd"])[0]
    assert [r.job.seed for r in batch] == [100, 101, 102]
    assert batch[1].image.size == (64, 64)
    assert np.abs(pixels(batch[1].image) - pixels(alone.image)).max() <= 2
    assert np.abs(pixels(batch[0].image) - pixels(batch[1].image)).max() > 10  # seeds matter


def test_same_inputs_give_the_same_bytes(tiny: dict[str, str]) -> None:
    renderer = Renderer()
    job = jobs_for(tiny, 1)[0]
    first, second = (renderer.render([job], model=tiny["sd"])[0].image for _ in range(2))
    assert first.tobytes() == second.tobytes()


def test_the_pipeline_stays_warm_and_the_cache_is_bounded(tiny: dict[str, str]) -> None:
    loading.clear_cache()
    renderer = Renderer(max_loaded=1)
    before = loading.LOADS["count"]
    renderer.render(jobs_for(tiny, 1), model=tiny["sd"])
    renderer.render(jobs_for(tiny, 2), model=tiny["sd"])
    assert loading.LOADS["count"] == before + 1  # the second call did not reload
    renderer.render(jobs_for(tiny, 1), model=tiny["sd_other"])
    renderer.render(jobs_for(tiny, 1), model=tiny["sd"])
    assert loading.LOADS["count"] == before + 3  # max_loaded=1: switching models evicts


def test_metadata_round_trip_re_renders_the_same_image(tiny: dict[str, str], tmp_path: Path) -> None:
    renderer = Renderer()
    rendered = renderer.render(jobs_for(tiny, 1, layout={"template": "centred_hero"}), model=tiny["sd"])[0]
    path = save_png(rendered, tmp_path / "draft.png")
    parameters = Image.open(path).info["parameters"]
    assert parameters.startswith("a teal can on sea foam, draft 0\nNegative prompt: text, watermark\n")
    assert "Steps: 2, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 100, Size: 64x64" in parameters
    job = read_png_job(path)
    assert job == rendered.job and job.layout == {"template": "centred_hero"}
    again = renderer.render([job], model=job.model)[0]
    assert np.abs(pixels(again.image) - pixels(rendered.image)).max() <= 2


@pytest.mark.parametrize("scheduler", ["dpmpp_2m_karras", "euler_a", "euler", "ddim", "lcm", "default"])
def test_every_scheduler_renders(tiny: dict[str, str], scheduler: str) -> None:
    out = Renderer().render(jobs_for(tiny, 1, scheduler=scheduler), model=tiny["sd"])[0]
    assert out.image.size == (64, 64) and pixels(out.image).std() > 0


def test_two_controlnets_and_no_controlnet(tiny: dict[str, str]) -> None:
    controls = [
        ControlSpec(model=tiny["cn"], image=tiny["boxes"], scale=0.8),
        ControlSpec(model=tiny["cn2"], image=tiny["seg"], scale=0.5, type="segmentation"),
    ]
    jobs = [RenderJob(prompt="a can", seed=s, width=64, height=64, steps=2, controls=controls) for s in (1, 2)]
    both = Renderer().render(jobs, model=tiny["sd"])
    alone = Renderer().render(jobs[1:], model=tiny["sd"])[0]
    assert np.abs(pixels(both[1].image) - pixels(alone.image)).max() <= 2
    plain = RenderJob(prompt="a can", seed=1, width=64, height=64, steps=2)
    assert Renderer().render([plain], model=tiny["sd"])[0].image.size == (64, 64)


def test_bad_inputs_are_one_line_user_errors(tiny: dict[str, str], tmp_path: Path) -> None:
    renderer = Renderer()
    job = RenderJob(prompt="a can", seed=1, width=64, height=64, steps=2)
    with pytest.raises(UserError, match=r"no model_index\.json"):
        renderer.render([job], model=str(tmp_path))
    with pytest.raises(UserError, match="no such checkpoint file"):
        renderer.render([job], model=str(tmp_path / "model.safetensors"))
    with pytest.raises(UserError, match="ONBRAND_ALLOW_DOWNLOADS"):
        renderer.render([job], model="some-org/not-in-the-cache")
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "model_index.json").write_text((Path(tiny["sd"]) / "model_index.json").read_text())
    with pytest.raises(UserError, match="could not be loaded"):
        renderer.render([job], model=str(partial))
    wrong = job.model_copy(update={"controls": [ControlSpec(model=tiny["cn_wrong"], image=tiny["boxes"])]})
    with pytest.raises(UserError, match="does not match model"):
        renderer.render([wrong], model=tiny["sd"])
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG not really")
    bad_image = job.model_copy(update={"controls": [ControlSpec(model=tiny["cn"], image=str(corrupt))]})
    with pytest.raises(UserError, match="not a readable image"):
        renderer.render([bad_image], model=tiny["sd"])
    with pytest.raises(ValidationError, match="not a multiple of 8"):
        RenderJob(prompt="a can", width=100, height=64)
    with pytest.raises(UserError, match="holds no onbrand metadata"):
        Image.new("RGB", (8, 8)).save(tmp_path / "plain.png")
        read_png_job(tmp_path / "plain.png")


def test_cli_generate_json_png_and_errors(
    tiny: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from pipeline.cli import main

    layout = tmp_path / "layout.json"
    layout.write_text(
        json.dumps(
            {
                "boxes": [
                    {"role": "product", "x0": 0.3, "y0": 0.3, "x1": 0.7, "y1": 0.9},
                    {"role": "logo", "x0": 0.8, "y0": 0.85, "x1": 0.95, "y1": 0.95},
                ]
            }
        )
    )
    base = [
        "generate",
        "a teal can",
        "--model",
        tiny["sd"],
        "--width",
        "64",
        "--height",
        "64",
        "--steps",
        "2",
        "--seed",
        "7",
        "--layout",
        str(layout),
        "--controlnet",
        tiny["cn"],
    ]
    assert main([*base, "--out", str(tmp_path / "a.png"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["seed"] == 7 and report["out"].endswith("a.png") and report["controls"][0]["type"] == "boxes"
    assert main([*base, "--out", str(tmp_path / "b.png")]) == 0
    # The same image byte for byte (the files differ only in the condition image's name in the metadata).
    assert Image.open(tmp_path / "a.png").tobytes() == Image.open(tmp_path / "b.png").tobytes()
    assert read_png_job(tmp_path / "a.png").layout["boxes"][0]["role"] == "product"  # type: ignore[index]

    layout.write_text(json.dumps({"boxes": [{"role": "logo", "x0": 0.8, "y0": 0.8, "x1": 1.2, "y1": 0.9}]}))
    cases = [
        ([*base], "leaves the canvas"),
        (["generate", "x", "--model", str(tmp_path / "no-such-model")], "not a model folder"),
        (["generate", "x", "--model", tiny["sd"], "--width", "100"], "not a multiple of 8"),
        (
            ["generate", "x", "--model", tiny["sd"], "--width", "64", "--height", "64", "--layout", str(layout)],
            "leaves the canvas",
        ),
    ]
    for argv, message in cases:
        capsys.readouterr()
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1, err


def test_out_of_memory_halves_the_batch_and_loses_no_draft(
    tiny: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    real_call = Renderer._call
    sizes: list[int] = []

    def flaky(pipe: object, batch: list[RenderJob], output_type: str = "pil") -> object:
        sizes.append(len(batch))
        if len(batch) > 2:
            raise torch.cuda.OutOfMemoryError("simulated")
        return real_call(pipe, batch, output_type)

    monkeypatch.setattr(Renderer, "_call", staticmethod(flaky))
    jobs = jobs_for(tiny, 5)
    out = Renderer(batch_size=8).render(jobs, model=tiny["sd"])
    assert [r.job.seed for r in out] == [j.seed for j in jobs]
    assert sizes[:2] == [5, 4] and max(sizes[2:]) <= 2


def test_speed_switches_are_ignored_off_cuda(tiny: dict[str, str]) -> None:
    from pipeline.render.jobs import SpeedOptions

    fast = Renderer(speed=SpeedOptions(channels_last=True, fuse_qkv=True, compile=True))
    plain = Renderer()
    job = jobs_for(tiny, 1)[0]
    assert (
        fast.render([job], model=tiny["sd"])[0].image.tobytes()
        == plain.render([job], model=tiny["sd"])[0].image.tobytes()
    )


@pytest.mark.gpu
@pytest.mark.skipif("not __import__('torch').cuda.is_available()", reason="needs a CUDA GPU")
def test_speed_switches_keep_the_image_on_cuda(tiny: dict[str, str]) -> None:
    from pipeline.render.jobs import SpeedOptions

    job = jobs_for(tiny, 1)[0]
    plain = Renderer(dtype="fp32").render([job], model=tiny["sd"])[0].image
    fast = (
        Renderer(dtype="fp32", speed=SpeedOptions(channels_last=True, fuse_qkv=True))
        .render([job], model=tiny["sd"])[0]
        .image
    )
    assert np.abs(pixels(plain) - pixels(fast)).max() <= 2


def test_img2img_with_and_without_controlnet(tiny: dict[str, str], tmp_path: Path) -> None:
    init = tmp_path / "init.png"
    Image.new("RGB", (64, 64), (15, 124, 140)).save(init)
    renderer = Renderer()
    for controls in ([], jobs_for(tiny, 1)[0].controls):
        job = RenderJob(
            prompt="a can", seed=3, width=64, height=64, steps=4, init_image=str(init), strength=0.5, controls=controls
        )
        out = renderer.render([job], model=tiny["sd"])[0]
        again = renderer.render([job], model=tiny["sd"])[0]
        assert out.image.size == (64, 64) and out.image.tobytes() == again.image.tobytes()
    low = renderer.render([job.model_copy(update={"strength": 0.25})], model=tiny["sd"])[0].image
    assert low.tobytes() != out.image.tobytes()  # strength changes how far the draft moves
    ddim = job.model_copy(update={"scheduler": "ddim"})
    warm = renderer.render([ddim], model=tiny["sd"])[0].image  # the img2img variant already exists here
    loading.clear_cache()
    cold = Renderer().render([ddim], model=tiny["sd"])[0].image
    assert warm.tobytes() == cold.tobytes()  # a scheduler change reaches the img2img variant too


def test_brand_lora_changes_the_style_and_scale_zero_does_not(tiny: dict[str, str], tmp_path: Path) -> None:
    from tests.pipeline.tiny_diffusion import build_tiny_lora

    lora = build_tiny_lora(Path(tiny["sd"]), tmp_path / "lora")
    renderer = Renderer()
    base = RenderJob(prompt="a can", seed=5, width=64, height=64, steps=2)
    plain = renderer.render([base], model=tiny["sd"])[0].image
    styled = renderer.render([base.model_copy(update={"lora": str(lora), "lora_scale": 1.0})], model=tiny["sd"])[0]
    off = renderer.render([base.model_copy(update={"lora": str(lora), "lora_scale": 0.0})], model=tiny["sd"])[0]
    assert np.abs(pixels(styled.image) - pixels(plain)).max() > 2
    assert np.abs(pixels(off.image) - pixels(plain)).max() <= 2
    with pytest.raises(UserError, match="no such file or folder"):
        renderer.render([base.model_copy(update={"lora": str(tmp_path / "nope.safetensors")})], model=tiny["sd"])
    with pytest.raises(UserError, match="image_encoder/ folder"):
        renderer.render([base.model_copy(update={"ip_adapter": str(tmp_path / "ip.bin")})], model=tiny["sd"])


def test_a_pipeline_of_another_family_is_refused(tmp_path: Path) -> None:
    from diffusers import DDPMPipeline, DDPMScheduler, UNet2DModel

    unet = UNet2DModel(
        block_out_channels=(4, 8),
        layers_per_block=1,
        sample_size=8,
        in_channels=3,
        out_channels=3,
        down_block_types=("DownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "UpBlock2D"),
        norm_num_groups=1,
    )
    DDPMPipeline(unet=unet, scheduler=DDPMScheduler()).save_pretrained(tmp_path / "ddpm")
    job = RenderJob(prompt="a can", seed=1, width=64, height=64, steps=2)
    with pytest.raises(UserError, match="is a DDPMPipeline; onbrand renders with Stable Diffusion"):
        Renderer().render([job], model=str(tmp_path / "ddpm"))


def test_sdxl_with_controlnet_batches_like_sd(tmp_path: Path, tiny: dict[str, str]) -> None:
    from tests.pipeline.tiny_diffusion import build_tiny_sdxl

    sdxl, net = build_tiny_sdxl(tmp_path)
    jobs = [
        RenderJob(
            prompt="a can",
            seed=s,
            width=64,
            height=64,
            steps=2,
            scheduler="euler",
            controls=[ControlSpec(model=str(net), image=tiny["boxes"])],
        )
        for s in (1, 2)
    ]
    renderer = Renderer()
    both = renderer.render(jobs, model=str(sdxl))
    alone = renderer.render(jobs[1:], model=str(sdxl))[0]
    assert both[1].image.size == (64, 64)
    assert np.abs(pixels(both[1].image) - pixels(alone.image)).max() <= 2
    sd_net = jobs[0].model_copy(update={"controls": [ControlSpec(model=tiny["cn"], image=tiny["boxes"])]})
    with pytest.raises(UserError, match="does not match model"):  # an SD 1.5-sized ControlNet on SDXL
        renderer.render([sd_net], model=str(sdxl))
