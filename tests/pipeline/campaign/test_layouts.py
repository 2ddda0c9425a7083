from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipeline.campaign.conditions import ROLE_COLOURS, draw_box_map, draw_segmentation, reference_condition
from pipeline.campaign.layouts import TEMPLATES, make_layout, repair_layout, validate_layout
from pipeline.errors import UserError
from pipeline.models import Box, Layout, LayoutRules

pytestmark = pytest.mark.unit

STRICT = LayoutRules(
    headline_band="top",
    headline_band_max=0.25,
    product_share_min=0.3,
    product_share_max=0.45,
    negative_space_min=0.3,
    safe_margin=0.05,
    logo_corners=["top-left", "bottom-right"],
    logo_min_width_px=120,
)
OTHER = LayoutRules(
    headline_band="top",
    headline_band_max=0.2,
    product_share_min=0.2,
    product_share_max=0.35,
    safe_margin=0.08,
    logo_corners=["top-right"],
    logo_min_width_px=64,
)
ASPECTS = [1.0, 1080 / 1920, 1200 / 627, 1080 / 1350, 2.5, 3.0]


@pytest.mark.parametrize("template", list(TEMPLATES))
@pytest.mark.parametrize("rules", [None, STRICT, OTHER], ids=["defaults", "strict", "other"])
def test_every_template_obeys_the_rules_at_every_aspect(template: str, rules: LayoutRules | None) -> None:
    for aspect in ASPECTS:
        layout = make_layout(template, aspect, rules)
        final_width = round(1080 * max(1.0, aspect))
        assert validate_layout(layout, rules, final_width=final_width) == [], (template, aspect)
        assert {"product", "headline", "logo"} <= {b.role for b in layout.boxes}


def test_validation_names_each_broken_rule() -> None:
    layout = Layout(
        aspect=1.0,
        boxes=[
            Box(role="product", x0=0.2, y0=0.2, x1=0.5, y1=0.5),
            Box(role="headline", x0=0.0, y0=0.3, x1=0.9, y1=0.45),
            Box(role="logo", x0=0.8, y0=0.02, x1=0.95, y1=0.08),
        ],
    )
    problems = validate_layout(layout, STRICT, final_width=1080)
    joined = "\n".join(problems)
    for expected in (
        "the headline box covers the product",
        "inside the 5% safe margin",
        "the logo is in the top-right corner; allowed: top-left, bottom-right",
        "the product covers 9%; the minimum is 30%",
        "the headline leaves the top 25% headline band",
    ):
        assert expected in joined, expected


def test_repair_fixes_what_validation_finds() -> None:
    broken = Layout(
        aspect=1.0,
        boxes=[
            Box(role="product", x0=0.3, y0=0.3, x1=0.55, y1=0.6),
            Box(role="headline", x0=0.0, y0=0.35, x1=1.0, y1=0.5),
            Box(role="logo", x0=0.85, y0=0.0, x1=0.95, y1=0.04),
        ],
    )
    assert validate_layout(broken, STRICT, final_width=1080)
    fixed = repair_layout(broken, STRICT, final_width=1080)
    assert validate_layout(fixed, STRICT, final_width=1080) == []
    logo = fixed.boxes_with_role("logo")[0]
    assert logo.w * 1080 >= 120


def test_unknown_template_and_aspect_are_user_errors() -> None:
    with pytest.raises(UserError, match="unknown layout template 'hero'; known templates: centred_hero"):
        make_layout("hero", 1.0)
    with pytest.raises(UserError, match="aspect"):
        make_layout("split", 40.0)


def test_conditioning_images_follow_the_boxes() -> None:
    layout = make_layout("centred_hero", 1.0, STRICT)
    seg = np.asarray(draw_segmentation(layout, 256, 256))
    product = layout.boxes_with_role("product")[0]
    cx, cy = int((product.x0 + product.x1) / 2 * 256), int((product.y0 + product.y1) / 2 * 256)
    assert tuple(seg[cy, cx]) == ROLE_COLOURS["product"]
    assert tuple(seg[255, 128]) == (0, 0, 0) or tuple(seg[255, 128]) != ROLE_COLOURS["product"]
    edges = np.asarray(draw_box_map(layout, 256, 256))
    assert edges[cy, cx].sum() == 0  # outlines only
    assert edges[int(product.y0 * 256) + 1, cx].min() == 255
    with pytest.raises(UserError, match="not a positive multiple of 8"):
        draw_box_map(layout, 250, 256)


def _photo() -> Image.Image:
    image = Image.new("RGB", (320, 240), (200, 220, 230))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((120, 40, 200, 220), radius=20, fill=(20, 120, 140), outline=(0, 0, 0), width=4)
    draw.ellipse((30, 30, 90, 90), fill=(240, 180, 50))
    return image


@pytest.mark.parametrize("kind", ["canny", "lineart", "shuffle"])
def test_offline_reference_conditions(kind: str) -> None:
    out = reference_condition(_photo(), kind, 256, 192)
    assert out.size == (256, 192) and out.mode == "RGB"
    assert np.asarray(out).std() > 5  # it found structure, not a blank image
    again = reference_condition(_photo(), kind, 256, 192)
    assert np.array_equal(np.asarray(out), np.asarray(again))  # deterministic


@pytest.mark.parametrize("kind", ["hed", "depth", "openpose"])
def test_weighted_detectors_say_what_is_missing(kind: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="needs the lllyasviel/Annotators weights"):
        reference_condition(_photo(), kind, 256, 192)
    with pytest.raises(UserError, match=r"annotator weights are missing|needs the Python package"):
        reference_condition(_photo(), kind, 256, 192, annotators=str(tmp_path))
    with pytest.raises(UserError, match="unknown control type 'sketchy'"):
        reference_condition(_photo(), "sketchy", 256, 192)
