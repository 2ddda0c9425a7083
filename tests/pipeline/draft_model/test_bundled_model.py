"""The shipped draft model (data/models/onbrand-draft): small, fp16, documented, and it follows
the colours and the layout it is asked for on a few fixed prompts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from safetensors import safe_open

from pipeline.campaign.conditions import draw_box_map
from pipeline.campaign.layouts import make_layout
from pipeline.draft_model.eval import measure
from pipeline.draft_model.model import bundled_model_path
from pipeline.render.jobs import ControlSpec, RenderJob
from pipeline.render.loading import folder_controlnet, model_defaults
from pipeline.render.renderer import Renderer

pytestmark = pytest.mark.integration

MODEL = bundled_model_path()
# (prompt, layout side, seed, background asked, product asked): held-out phrasings from the eval set,
# with colour pairs far apart, so float rounding on another CPU cannot flip the measured name.
FIXED = [
    ("studio image showing a can that is purple, set against a orange background", "right", 10017, "orange", "purple"),
    ("a teal scene featuring a white box", "left", 10272, "teal", "white"),
    ("red set behind a teal can", "left", 10612, "red", "teal"),
    ("golden hour glow. purple tube against green", "right", 10459, "green", "purple"),
]


def test_the_shipped_model_is_small_fp16_and_has_a_model_card() -> None:
    files = [p for p in MODEL.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= 60_000_000
    weights = [p for p in files if p.suffix == ".safetensors"]
    assert {p.parent.name for p in weights} == {"unet", "vae", "controlnet", "text_encoder"}
    for path in weights:
        with safe_open(str(path), "np") as f:
            assert all(f.get_slice(k).get_dtype() == "F16" for k in f.keys()), path  # noqa: SIM118
    index = json.loads((MODEL / "model_index.json").read_text())
    assert index["_class_name"] == "StableDiffusionControlNetPipeline"
    card = (MODEL / "README.md").read_text()
    for heading in ("Training data", "Architecture", "Training", "Evaluation", "Limits"):
        assert heading in card, heading


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[tuple[str, str, int, str, str], Image.Image]]:
    folder = tmp_path_factory.mktemp("fixed")
    defaults = model_defaults("bundled")
    size = defaults.resolution
    net = folder_controlnet("bundled")
    assert net is not None
    jobs = []
    for prompt, side, seed, _bg, _fg in FIXED:
        path = folder / f"{side}.png"
        draw_box_map(make_layout(f"thirds_{side}", 1.0), size, size).save(path)
        jobs.append(
            RenderJob(
                prompt=prompt,
                seed=seed,
                width=size,
                height=size,
                steps=defaults.steps,
                guidance=defaults.guidance,
                controls=[ControlSpec(model=net, image=str(path))],
            )
        )
    rendered = Renderer(batch_size=4).render(jobs, "bundled")
    return [(case, r.image) for case, r in zip(FIXED, rendered, strict=True)]


@pytest.mark.parametrize("index", range(len(FIXED)))
def test_fixed_prompts_get_their_colours_and_their_side(
    renders: list[tuple[tuple[str, str, int, str, str], Image.Image]], index: int
) -> None:
    (prompt, side, _seed, background, product), image = renders[index]
    box = next(b for b in make_layout(f"thirds_{side}", 1.0).boxes if b.role == "product")
    m = measure(image, box)
    assert m.background_colour == background, (prompt, m)
    assert m.product_colour == product, (prompt, m)
    assert m.centre_x is not None and (m.centre_x < 0.5) == (side == "left"), (prompt, m)
    assert m.coverage > 0.4, (prompt, m)


def test_generate_uses_the_bundled_model_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import main
    from pipeline.render.png import read_png_job

    layout = tmp_path / "layout.json"
    layout.write_text(json.dumps(make_layout("thirds_right", 1.0).model_dump(mode="json")))
    argv = ["generate", "a green cup on a pink backdrop", "--layout", str(layout), "--seed", "5", "--json"]
    assert main([*argv, "--out", str(tmp_path / "a.png")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["model"] == "bundled" and report["width"] == report["height"] == 128
    assert report["controls"][0]["model"].endswith("controlnet")
    assert main([*argv, "--out", str(tmp_path / "b.png")]) == 0
    a, b = Image.open(tmp_path / "a.png"), Image.open(tmp_path / "b.png")
    assert np.array_equal(np.asarray(a), np.asarray(b))  # same seed, same image
    assert "Model: onbrand-draft" in a.info["parameters"]
    assert read_png_job(tmp_path / "a.png").model == "bundled"


@pytest.mark.slow
def test_demo_ends_with_drafts_from_the_bundled_model(tmp_path: Path) -> None:
    """`make demo` as a user runs it: a fresh home, no configuration, drafts on disk at the end."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBRAND_")}
    env["ONBRAND_HOME"] = str(tmp_path / "home")
    onbrand = str(Path(sys.executable).parent / "onbrand")
    result = subprocess.run([onbrand, "demo"], capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    drafts = sorted(p for p in (tmp_path / "home" / "drafts").rglob("*.png") if p.parent.name != "conditions")
    assert len(drafts) >= 4, result.stdout[-2000:]
    sizes = {Image.open(p).size for p in drafts}
    assert (128, 128) in sizes and len(sizes) >= 2  # channel aspects differ
    assert all("onbrand-draft" in Image.open(p).info["parameters"] for p in drafts)
    assert "planner" in result.stdout and "drafts in the review store" in result.stdout
