"""Exports that follow the brand: the text colour the guidelines name (or the nearest legible brand
colour, with the reason), the call to action as a button in its colour, the kit's logo, every box
inside the channel's safe area, and no export without a logo unless asked."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from pipeline.brand.store import ProfileStore
from pipeline.campaign.channels import load_channels
from pipeline.campaign.layouts import make_layout
from pipeline.colour import hex_to_rgb
from pipeline.errors import PermissionDenied
from pipeline.export.compose import compose, safe_rect
from pipeline.export.kit import FALLBACK_KIT
from pipeline.models import BrandColor, BrandFont, BrandProfile, ColourUse, DraftPlan, SourceRef
from pipeline.settings import Settings
from tests.actors import VIEWER, reviewer

pytestmark = pytest.mark.unit

DEEP_HARBOUR, CITRUS_ZEST, SEA_FOAM = "#12304A", "#F2B233", "#E6F4F1"
PALETTE = [
    BrandColor(name="Tidewell Teal", hex="#0F7C8C", role="primary"),
    BrandColor(name="Deep Harbour", hex=DEEP_HARBOUR, role="primary"),
    BrandColor(name="Sea Foam", hex=SEA_FOAM, role="primary"),
    BrandColor(name="Citrus Zest", hex=CITRUS_ZEST, role="secondary"),
    BrandColor(name="Driftwood", hex="#5E6A66", role="accent"),
]
GUIDE = SourceRef(source="02-visual-identity.md", section="Colour", quote="use Deep Harbour for all text")


def tidewell(**colour_use: object) -> BrandProfile:
    return BrandProfile(
        name="Tidewell",
        palette=PALETTE,
        forbidden_colors=[BrandColor(name="pure black", hex="#000000", role="text")],
        fonts=[BrandFont(family="Lato")],
        colour_use=ColourUse.model_validate(colour_use),
    )


def plan(channel: str, template: str) -> DraftPlan:
    spec = load_channels()[channel]
    return DraftPlan(
        id=f"c-{channel}-1",
        campaign="c",
        brand="Tidewell",
        channel=channel,
        width=128,
        height=round(128 / spec.aspect),
        prompt="a teal can",
        seed=1,
        layout=make_layout(template, spec.aspect),
        headline="Bright citrus from the coast",
        cta="Find a stockist",
    )


def share_of(image: Image.Image, box: tuple[float, float, float, float], hex_: str, tolerance: int = 12) -> float:
    """Share of the box's pixels within ``tolerance`` of ``hex_`` (every channel)."""
    w, h = image.size
    crop = image.crop((round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h)))
    pixels = np.asarray(crop.convert("RGB"), dtype=np.int16).reshape(-1, 3)
    return float((np.abs(pixels - np.array(hex_to_rgb(hex_))).max(axis=1) <= tolerance).mean())


def rect(box: object) -> tuple[float, float, float, float]:
    return (box.x0, box.y0, box.x1, box.y1)  # type: ignore[attr-defined]


def test_text_is_set_in_the_colour_the_guidelines_name_and_the_cta_is_a_button_in_its_colour() -> None:
    profile = tidewell(text=DEEP_HARBOUR, cta=CITRUS_ZEST, cta_form="button", sources={"text": GUIDE})
    render = Image.new("RGB", (128, 128), hex_to_rgb(SEA_FOAM))
    image, how = compose(
        render, plan("instagram_post", "centred_hero"), load_channels()["instagram_post"], profile, None
    )
    headline = how.text["headline"]
    assert (headline.hex, headline.name) == (DEEP_HARBOUR, "Deep Harbour")
    assert "the colour the guidelines name for text (02-visual-identity.md › Colour)" in headline.reason
    boxes = {b.role: b for b in how.boxes}
    assert share_of(image, rect(boxes["headline"]), DEEP_HARBOUR) > 0.02  # the letters are Deep Harbour
    assert share_of(image, rect(boxes["headline"]), "#000000", tolerance=20) == 0  # never near-black
    assert how.cta_form == "button" and how.cta_fill is not None and how.cta_fill.name == "Citrus Zest"
    assert share_of(image, rect(boxes["cta"]), CITRUS_ZEST) > 0.5  # the button is Citrus Zest
    assert how.text["cta"].hex == DEEP_HARBOUR and (how.text["cta"].contrast or 0) >= 4.5  # legible on the button


def test_a_text_colour_without_contrast_gives_way_to_the_nearest_brand_colour_that_has_it() -> None:
    profile = tidewell(text=DEEP_HARBOUR)
    render = Image.new("RGB", (128, 128), hex_to_rgb("#14324C"))  # a Deep Harbour picture
    _, how = compose(render, plan("instagram_post", "centred_hero"), load_channels()["instagram_post"], profile, None)
    headline = how.text["headline"]
    assert headline.hex != DEEP_HARBOUR and (headline.contrast or 0) >= 4.5
    assert headline.name in {c.name for c in PALETTE}
    assert (
        "Deep Harbour" in headline.reason
        and "reaches only" in headline.reason
        and "nearest brand colour" in headline.reason
    )


def test_fallbacks_when_the_guidelines_name_no_text_colour() -> None:
    with_role = tidewell().model_copy(
        update={"palette": [*PALETTE, BrandColor(name="Ink", hex="#1B1B3A", role="text")]}
    )
    render = Image.new("RGB", (128, 128), (250, 250, 250))
    channel = load_channels()["instagram_post"]
    _, how = compose(render, plan("instagram_post", "centred_hero"), channel, with_role, None)
    assert how.text["headline"].name == "Ink" and "palette's colour for text" in how.text["headline"].reason
    _, how = compose(render, plan("instagram_post", "centred_hero"), channel, tidewell(), None)
    assert how.text["headline"].name == "Deep Harbour"  # the most legible palette colour on white
    assert "name no colour" in how.text["headline"].reason
    assert how.cta_form == "text"  # no colour given to the call to action: set as text


@pytest.mark.parametrize(
    ("channel", "template"), [("instagram_story", "top_band"), ("instagram_story", "centred_hero")]
)
def test_text_logo_and_cta_stay_inside_the_story_safe_area(channel: str, template: str) -> None:
    spec = load_channels()[channel]
    assert spec.safe_area[0] > 0 and spec.safe_area[2] > 0  # the story's top and bottom bars
    profile = tidewell(text=DEEP_HARBOUR, cta=CITRUS_ZEST, cta_form="button")
    render = Image.new("RGB", (72, 128), hex_to_rgb(SEA_FOAM))
    image, how = compose(render, plan(channel, template), spec, profile, FALLBACK_KIT)
    left, top, right, bottom = safe_rect(spec)
    roles = {b.role for b in how.boxes}
    assert {"headline", "cta", "logo"} <= roles  # the story gets its call to action, even from top_band
    for box in how.boxes:
        assert box.x0 >= left - 1e-6 and box.x1 <= right + 1e-6, box
        assert box.y0 >= top - 1e-6 and box.y1 <= bottom + 1e-6, box
    assert how.logo == "logo.png"
    unsafe_top = np.asarray(image.crop((0, 0, spec.width, round(top * spec.height))), dtype=np.int16)
    assert np.abs(unsafe_top - np.array(hex_to_rgb(SEA_FOAM))).max() <= 3  # nothing drawn under the bar


def test_the_override_file_can_set_the_colours_text_and_the_cta_use(settings: Settings, tmp_path: Path) -> None:
    from tests.actors import ADMIN

    store = ProfileStore(settings)
    store.save_extracted(tidewell())
    override = tmp_path / "tidewell.yaml"
    override.write_text(yaml.safe_dump({"colour_use": {"text": "12304a", "cta": "#F2B233", "cta_form": "button"}}))
    store.set_override("Tidewell", override, ADMIN)
    profile = store.profile("Tidewell")
    assert profile.colour_use.text == DEEP_HARBOUR and profile.colour_use.cta_form == "button"
    assert "colour_use" in profile.overridden and profile.colour_use.sources["text"].section == "override"
    override.write_text(yaml.safe_dump({"colour_use": {"cta_form": "banner"}}))
    with pytest.raises(Exception, match="cta_form"):
        store.set_override("Tidewell", override, ADMIN)
    with pytest.raises(PermissionDenied, match="admin role"):
        store.set_override("Tidewell", override, reviewer("maya"))


def test_export_stops_before_writing_when_the_kit_has_no_logo(settings: Settings, tmp_path: Path) -> None:
    from pipeline.export.campaign import NoLogo, export_campaign, export_warnings
    from pipeline.review.store import ReviewStore
    from tests.pipeline.export_factory import CAMPAIGN, approved_draft

    approved_draft(settings, channel="instagram_story", render_size=(72, 128))
    store = ProfileStore(settings)
    store.save_extracted(
        tidewell(text=DEEP_HARBOUR, cta=CITRUS_ZEST, cta_form="button").model_copy(
            update={"brand_kit": str(tmp_path / "empty-kit")}
        )
    )
    (tmp_path / "empty-kit").mkdir()
    assert "no logo file" in export_warnings(CAMPAIGN, settings)[0]
    with pytest.raises(NoLogo, match="nothing was written"):
        export_campaign(CAMPAIGN, tmp_path / "out", settings, actor=reviewer())
    assert not (tmp_path / "out").exists()
    with pytest.raises(PermissionDenied, match="exporting needs the reviewer role"):
        export_campaign(CAMPAIGN, tmp_path / "out", settings, actor=VIEWER, without_logo=True)
    assert not (tmp_path / "out").exists()
    result = export_campaign(CAMPAIGN, tmp_path / "out", settings, actor=reviewer(), without_logo=True)
    [exported] = result.files
    assert exported.logo is None and any("logo box is left clear" in n for n in exported.notes)
    manifest = json.loads(result.manifest.read_text())["files"][0]
    assert manifest["text_colour"]["headline"]["hex"] == DEEP_HARBOUR
    assert manifest["text_colour"]["headline"]["reason"].startswith("the colour the guidelines name for text")
    assert manifest["cta_form"] == "button" and manifest["cta_fill"]["name"] == "Citrus Zest"
    assert manifest["safe_area"] == [0.14, 0.0, 0.2, 0.0]
    assert ReviewStore.from_settings(settings).history(exported.draft_id)[-1].reviewer == "maya"  # the exporter
