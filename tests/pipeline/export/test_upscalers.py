"""Upscalers on export: tiny random-weight diffusers x4 and ESRGAN models, and the settings' errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.errors import UserError
from pipeline.export.campaign import export_campaign
from pipeline.export.upscalers import DiffusersUpscaler, LanczosUpscaler, SpandrelUpscaler, make_upscaler
from pipeline.settings import Settings
from tests.actors import ADMIN
from tests.pipeline.export_factory import CAMPAIGN, approved_draft
from tests.pipeline.tiny_diffusion import build_tiny_pipeline, build_tiny_upscaler


@pytest.fixture(scope="module")
def tiny_x4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_upscaler(tmp_path_factory.mktemp("upscaler"))


@pytest.mark.unit
def test_upscaler_setting_errors_name_the_setting_and_the_fix(tmp_path: Path) -> None:
    assert isinstance(make_upscaler(""), LanczosUpscaler) and isinstance(make_upscaler("lanczos"), LanczosUpscaler)
    with pytest.raises(UserError, match=r"ONBRAND_UPSCALER=.*nowhere: no such folder or file"):
        make_upscaler(str(tmp_path / "nowhere"))
    with pytest.raises(UserError, match="not a diffusers pipeline folder"):
        make_upscaler(str(tmp_path))
    (tmp_path / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionPipeline"}))
    with pytest.raises(UserError, match=r"model_index\.json says StableDiffusionPipeline, not an upscaler"):
        make_upscaler(str(tmp_path))
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(UserError, match="not an upscaler"):
        make_upscaler(str(tmp_path / "notes.txt"))


@pytest.mark.unit
def test_a_bad_upscaler_setting_stops_the_export_before_anything_is_written(settings: Settings, tmp_path: Path) -> None:
    approved_draft(settings, channel="email_header", render_size=(40, 16))
    bad = settings.model_copy(update={"upscaler": str(tmp_path / "missing")})
    with pytest.raises(UserError, match="ONBRAND_UPSCALER"):
        export_campaign(CAMPAIGN, tmp_path / "out", bad, actor=ADMIN)
    assert not (tmp_path / "out").exists()


@pytest.mark.integration
def test_diffusers_x4_upscaler_enlarges_small_renders_on_export(
    settings: Settings, tmp_path: Path, tiny_x4: Path
) -> None:
    small = approved_draft(settings, channel="email_header", render_size=(40, 16), index=1)
    large = approved_draft(settings, channel="display_mrec", render_size=(320, 256), index=2)
    upscaler = DiffusersUpscaler(tiny_x4, device="cpu", steps=2)
    result = export_campaign(CAMPAIGN, tmp_path / "x4", settings, actor=ADMIN, upscaler=upscaler)
    assert upscaler.calls == 1  # only the render smaller than its channel
    files = {f.draft_id: f for f in result.files}
    assert (files[small].width, files[small].height) == (600, 200)
    assert (files[large].width, files[large].height) == (300, 250)
    assert files[small].upscaler == "diffusers:x4" and files[large].upscaler == "lanczos"
    assert any("enlarged with diffusers:x4" in n for n in files[small].notes)
    with Image.open(files[small].path) as image:
        assert json.loads(image.info["onbrand"])["upscaler"] == "diffusers:x4"
        upscaled = np.asarray(image, dtype=np.int16)
    manifest = json.loads(result.manifest.read_text())
    assert {f["draft_id"]: f["upscaler"] for f in manifest["files"]} == {small: "diffusers:x4", large: "lanczos"}

    # Through the setting, the same folder gives the same (seeded) image; Lanczos alone gives another.
    configured = settings.model_copy(update={"upscaler": str(tiny_x4), "upscaler_steps": 2, "device": "cpu"})
    again = {f.draft_id: f for f in export_campaign(CAMPAIGN, tmp_path / "again", configured, actor=ADMIN).files}
    with Image.open(again[small].path) as image:
        assert np.array_equal(np.asarray(image, dtype=np.int16), upscaled)
    plain = {f.draft_id: f for f in export_campaign(CAMPAIGN, tmp_path / "plain", settings, actor=ADMIN).files}
    with Image.open(plain[small].path) as image:
        assert np.abs(np.asarray(image, dtype=np.int16) - upscaled).mean() > 1


@pytest.mark.integration
def test_a_text_to_image_folder_is_refused_as_an_upscaler(tmp_path: Path) -> None:
    folder = build_tiny_pipeline(tmp_path)
    with pytest.raises(UserError, match="says StableDiffusionPipeline, not an upscaler"):
        make_upscaler(str(folder))


@pytest.mark.integration
def test_esrgan_file_upscaler_through_spandrel(settings: Settings, tmp_path: Path) -> None:
    import torch
    from safetensors.torch import save_file
    from spandrel.architectures.ESRGAN import ESRGAN

    torch.manual_seed(0)
    net = ESRGAN(in_nc=3, out_nc=3, num_filters=8, num_blocks=1, scale=4)  # RealESRGAN's layout, tiny
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, tmp_path / "tiny-x4.safetensors")
    upscaler = make_upscaler(str(tmp_path / "tiny-x4.safetensors"), device="cpu")
    assert isinstance(upscaler, SpandrelUpscaler)
    assert upscaler.upscale(Image.new("RGB", (20, 12), "teal"), "", 0).size == (80, 48)
    approved_draft(settings, channel="email_header", render_size=(40, 16))
    [exported] = export_campaign(CAMPAIGN, tmp_path / "out", settings, actor=ADMIN, upscaler=upscaler).files
    assert upscaler.calls == 2 and (exported.width, exported.height) == (600, 200)
    assert exported.upscaler == "spandrel:tiny-x4.safetensors"
    (tmp_path / "broken.pth").write_bytes(b"not a model")
    broken = make_upscaler(str(tmp_path / "broken.pth"))  # checked by suffix; the weights load on first use
    with pytest.raises(UserError, match="not a super-resolution model spandrel knows"):
        broken.upscale(Image.new("RGB", (8, 8)), "", 0)
