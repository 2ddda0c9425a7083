"""colour_match: the colours a prompt asks for against the product box and the background of the draft;
and the palette check that weighs the product region."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from pipeline.campaign.layouts import make_layout
from pipeline.colour import BASIC_COLOURS
from pipeline.gate.colours import asked_colours
from pipeline.gate.image import ImageGate
from pipeline.models import BrandColor, BrandProfile, EvalReport, GatePolicy

pytestmark = pytest.mark.unit

LAYOUT = make_layout("thirds_left", 1.0)
TIDEWELL = BrandProfile(
    name="Tidewell",
    palette=[
        BrandColor(name="Tidewell Teal", hex="#0F7C8C", role="primary"),
        BrandColor(name="Sea Foam", hex="#DFF3EE"),
        BrandColor(name="Sand", hex="#E8D8B0"),
    ],
)


def draft(product: str | tuple[int, int, int], background: str | tuple[int, int, int] = "white") -> Image.Image:
    """A product-shot draft: a flat background and a can-shaped product filling the layout's product box."""
    rgb = {**BASIC_COLOURS}
    bg = rgb[background] if isinstance(background, str) else background
    fg = rgb[product] if isinstance(product, str) else product
    image = Image.new("RGB", (256, 256), bg)
    box = LAYOUT.boxes_with_role("product")[0]
    x0, y0, x1, y1 = (round(v * 256) for v in (box.x0, box.y0, box.x1, box.y1))
    pad_x, pad_y = (x1 - x0) // 6, (y1 - y0) // 10
    ImageDraw.Draw(image).rounded_rectangle((x0 + pad_x, y0 + pad_y, x1 - pad_x, y1 - pad_y), radius=12, fill=fg)
    return image


def colour_match(image: Image.Image, prompt: str, brand: BrandProfile | None = None) -> tuple[str, str]:
    check = ImageGate(brand=brand, checks=["colour_match"]).evaluate(image, prompt=prompt, layout=LAYOUT).checks[0]
    return check.status, check.reason


@pytest.mark.parametrize(
    ("prompt", "product", "background"),
    [
        ("a teal can on a white backdrop, soft light", "teal", "white"),
        ("studio image showing a bottle that is red, set against a blue background", "red", "blue"),
        ("yellow wall behind a purple jar", "purple", "yellow"),
        ("campaign visual: one pink tube, gray surface, golden hour glow", "pink", "gray"),
        ("dreamy atmosphere. orange cup against teal", "orange", "teal"),
        ("a brown scene featuring a green bag", "green", "brown"),
        ("photograph of a single black box placed on a studio sweep white set", "black", "white"),
        ("a soda can in grey on a pink backdrop", "gray", "pink"),
    ],
)
def test_the_prompt_says_which_colour_is_the_products(prompt: str, product: str, background: str) -> None:
    asked = asked_colours(prompt)
    assert asked.product is not None and asked.product.name == product
    assert asked.background is not None and asked.background.name == background


def test_brand_colour_names_count_as_colours() -> None:
    asked = asked_colours("a Tidewell Teal can on a Sea Foam background", TIDEWELL)
    assert asked.product is not None and asked.product.words == "tidewell teal" and asked.product.name == "teal"
    assert asked.background is not None and asked.background.words == "sea foam"


def test_the_asked_colour_passes() -> None:
    status, reason = colour_match(draft("teal"), "a teal can on a white backdrop")
    assert status == "pass" and "product teal as asked" in reason


def test_a_product_of_another_hue_fails_and_names_both() -> None:
    status, reason = colour_match(draft((92, 70, 180)), "a teal can on a white backdrop")  # blue-purple
    assert status == "fail" and "not teal" in reason and ("purple" in reason or "blue" in reason)


def test_a_neighbouring_shade_only_warns() -> None:
    status, _ = colour_match(draft((30, 120, 150)), "a teal can on a white backdrop")
    assert status in ("pass", "warn")


def test_a_wrong_background_warns_but_does_not_fail() -> None:
    status, reason = colour_match(draft("teal", "pink"), "a teal can on a white backdrop")
    assert status == "warn" and "background is pink" in reason


def test_nothing_to_compare_is_skipped() -> None:
    assert colour_match(draft("teal"), "a can on a backdrop, soft light")[0] == "skipped"
    check = ImageGate(checks=["colour_match"]).evaluate(draft("teal"), prompt="a teal can").checks[0]
    assert check.status == "skipped" and "layout" in check.reason


def test_a_failed_colour_is_flagged_by_default_and_rejects_when_the_policy_says_so() -> None:
    report = ImageGate(checks=["colour_match"]).evaluate(draft("purple"), prompt="a teal can on white", layout=LAYOUT)
    assert report.verdict != "approve" and report.check("colour_match").status == "fail"
    assert "colour_match" not in GatePolicy().reject_on
    strict = GatePolicy(reject_on=["duplicate", "colour_match"])
    report = ImageGate(checks=["colour_match"], policy=strict).evaluate(
        draft("purple"), prompt="a teal can on white", layout=LAYOUT
    )
    assert report.verdict == "reject" and "colour_match" in report.reasons[0]


def test_the_replan_fix_for_colour_is_a_new_seed() -> None:
    from agents.planner import stable_seed
    from agents.replan import FIXES, replan
    from pipeline.models import Check, DraftPlan

    assert "colour_match" in FIXES
    plan = DraftPlan(
        id="c-instagram_post-1",
        campaign="c",
        brand="Tidewell",
        channel="instagram_post",
        width=128,
        height=128,
        prompt="a teal can on a white backdrop",
        seed=1,
        layout=LAYOUT,
    )
    failed = Check(name="colour_match", status="fail", reason="product is purple, not teal")
    revised = replan(plan, EvalReport(draft_id=plan.id, checks=[failed]), TIDEWELL)
    assert revised.seed != plan.seed and revised.seed == stable_seed("c", "instagram_post", 1, 1)
    assert "new seed for the product colour" in revised.replan_reason and revised.prompt.startswith(plan.prompt)


def test_the_palette_check_sees_an_off_palette_product_on_a_white_backdrop() -> None:
    gate = ImageGate(brand=TIDEWELL, checks=["palette"])
    off = gate.evaluate(draft((92, 70, 180)), prompt="a teal can", layout=LAYOUT).checks[0]
    assert off.status in ("warn", "fail") and "off-palette" in off.reason
    on = gate.evaluate(draft((15, 124, 140)), prompt="a teal can", layout=LAYOUT).checks[0]
    assert on.status == "pass", on.reason
