"""Composing a final asset: size, legible text on any background, the logo, the brand kit lookup."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.brand.kit import find_brand_kit
from pipeline.campaign.layouts import make_layout
from pipeline.export.compose import compose
from pipeline.export.kit import FALLBACK_KIT, find_font, find_logo
from pipeline.models import BrandFont, BrandProfile, ChannelSpec, DraftPlan, LayoutRules
from pipeline.settings import Settings
from tests.actors import reviewer

BANNER = ChannelSpec(name="web_banner", width=1920, height=600, render_aspect=2.5)
SQUARE = ChannelSpec(name="square", width=200, height=200)

pytestmark = pytest.mark.unit


def plan(aspect: float) -> DraftPlan:
    return DraftPlan(
        id="c-web_banner-1",
        campaign="c",
        brand="B",
        channel="web_banner",
        width=160,
        height=64,
        prompt="a teal can",
        seed=1,
        layout=make_layout("thirds_left", aspect),
    )


@pytest.mark.parametrize("grey", [0, 118, 255])
def test_compose_sizes_the_asset_and_keeps_text_legible_on_any_background(grey: int) -> None:
    render = Image.new("RGB", (160, 64), (grey, grey, grey))
    profile = BrandProfile(name="B", fonts=[BrandFont(family="Lato")], layout_rules=LayoutRules(logo_min_width_px=120))
    copy = plan(2.5).model_copy(update={"headline": "Bright citrus", "cta": "Find a stockist"})
    image, how = compose(render, copy, BANNER, profile, FALLBACK_KIT)
    ratios, notes = how.contrast, how.notes
    assert image.size == (1920, 600)
    assert ratios["headline"] >= 4.5 and ratios["cta"] >= 4.5
    assert (grey == 118) == any("scrim" in n for n in notes)  # mid grey needs a scrim, black and white do not
    logo_box = plan(2.5).layout.boxes_with_role("logo")[0]
    x0, y0 = round(logo_box.x0 * 1920), round(logo_box.y0 * 600)
    x1, y1 = round(logo_box.x1 * 1920), round(logo_box.y1 * 600)
    region = np.asarray(image.crop((x0, y0, x1, y1)), dtype=np.int16)
    assert np.abs(region - grey).max() > 40  # the logo is there


def test_without_a_kit_the_bundled_font_is_used_and_the_logo_box_left_clear(tmp_path: Path) -> None:
    profile = BrandProfile(name="B", fonts=[BrandFont(family="Futura")])
    copy = plan(1.0).model_copy(update={"headline": "Hi there"})
    _, how = compose(Image.new("RGB", (64, 64), "white"), copy, SQUARE, profile, None)
    assert any("used Lato" in n for n in how.notes) and any("logo box is left clear" in n for n in how.notes)
    assert how.logo is None


def test_brand_kit_lookup(tmp_path: Path) -> None:
    guides = tmp_path / "brand" / "guidelines"
    guides.mkdir(parents=True)
    assert find_brand_kit([guides]) is None
    (tmp_path / "brand" / "brand-kit").mkdir()
    assert find_brand_kit([guides]) == (tmp_path / "brand" / "brand-kit").resolve()
    assert find_font(FALLBACK_KIT, ["Lato"]).name == "Lato-Black.ttf"  # type: ignore[union-attr]
    assert find_logo(FALLBACK_KIT) == FALLBACK_KIT / "logo.png"
    assert find_font(tmp_path, ["Lato"]) is None


def test_export_without_provenance_options_writes_the_composed_pixels_and_nothing_else(
    settings: Settings, tmp_path: Path
) -> None:
    from pipeline.brand.store import ProfileStore
    from pipeline.export.campaign import export_campaign
    from pipeline.review.store import ReviewStore
    from tests.pipeline.export_factory import CAMPAIGN, approved_draft

    draft_id = approved_draft(settings, channel="email_header", render_size=(120, 40))
    result = export_campaign(CAMPAIGN, tmp_path / "out", settings, actor=reviewer("maya"))
    [exported] = result.files
    assert (exported.upscaler, exported.watermark, exported.c2pa, exported.c2pa_self_signed) == (
        "lanczos",
        None,
        False,
        None,
    )
    assert result.c2pa_trust_anchor is None and not (settings.home / "provenance").exists()
    manifest = json.loads(result.manifest.read_text())
    assert manifest["c2pa"] is None and manifest["files"][0]["watermark"] is None
    data = Path(exported.path).read_bytes()
    assert b"caBX" not in data  # no C2PA chunk
    plan = ReviewStore.from_settings(settings).detail(draft_id).plan
    profile = ProfileStore(settings).profile("Tidewell")
    from pipeline.campaign.channels import load_channels

    with Image.open(settings.home / "renders" / "email_header-1.png") as render:
        expected, _ = compose(render, plan, load_channels()["email_header"], profile, FALLBACK_KIT)
    with Image.open(exported.path) as image:
        assert json.loads(image.info["onbrand"])["upscaler"] == "lanczos"
        assert np.array_equal(np.asarray(image), np.asarray(expected))  # exactly the composed pixels
