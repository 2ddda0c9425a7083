"""Procedural product scenes: the training data of onbrand's bundled draft model.

Each scene is a product of one colour on a background of another, placed in the product box of a
real layout (``pipeline.campaign.layouts``), with soft light and a contact shadow, and a caption that says so
in one of many phrasings. The layout's ControlNet condition is drawn by the same code the renderer
uses, so the model learns exactly the conditions it will be given.

    >>> spec = sample_scene(seed=3)
    >>> scene = draw_scene(spec)
    >>> scene.image.size == (spec.width, spec.height)
    True
    >>> caption(spec, random.Random(0))  # doctest: +SKIP
    'a teal can on a pink backdrop, soft morning light'
"""

from __future__ import annotations

import colorsys
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pipeline.campaign.conditions import draw_box_map, draw_segmentation
from pipeline.campaign.layouts import TEMPLATES, make_layout
from pipeline.draft_model.vocabulary import (
    BRAND_WORDS,
    COLOUR_WORDS,
    COLOURS,
    EXTRAS,
    HELDOUT_EXTRAS,
    HELDOUT_TEMPLATES,
    PRODUCT_WORDS,
    PRODUCTS,
    STYLE_WORDS,
    SURFACE_WORDS,
    TRAIN_TEMPLATES,
)
from pipeline.models import Box, Layout, LayoutRules

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image


BACKGROUNDS = ("flat", "gradient", "sweep", "horizon")
SIZES: tuple[tuple[int, int], ...] = ((128, 128), (96, 160), (160, 96))  # width, height
SIZE_WEIGHTS = (0.7, 0.15, 0.15)
SUPERSAMPLE = 2  # drawn at 2x and downsampled: anti-aliased edges without a rasteriser


@dataclass(frozen=True)
class SceneSpec:
    """What one scene shows: the ground truth its caption and the eval are checked against."""

    seed: int
    width: int
    height: int
    product: str
    product_colour: str
    background: str
    background_colour: str
    layout: Layout
    light: Literal["left", "right"]

    @property
    def product_box(self) -> Box:
        return next(b for b in self.layout.boxes if b.role == "product")


@dataclass
class Scene:
    spec: SceneSpec
    image: Image.Image
    product_mask: np.ndarray  # bool, H x W: where the product is


def sample_layout(rng: random.Random, aspect: float) -> Layout:
    """A layout from a real template with the brand numbers varied, the product box sometimes nudged."""
    rules = LayoutRules(
        headline_band_max=rng.uniform(0.14, 0.3),
        product_share_min=rng.uniform(0.12, 0.3),
        product_share_max=None,
        safe_margin=rng.uniform(0.03, 0.07),
        logo_corners=[rng.choice(["top-left", "top-right", "bottom-left", "bottom-right"])],
    )
    rules = rules.model_copy(update={"product_share_max": (rules.product_share_min or 0.2) + rng.uniform(0.05, 0.2)})
    layout = make_layout(rng.choice(list(TEMPLATES)), aspect, rules)
    if rng.random() < 0.35:  # free placement: the model must follow any box, not five templates
        boxes = []
        for b in layout.boxes:
            if b.role == "product":
                w = min(0.8, b.w * rng.uniform(0.7, 1.25))
                h = min(0.8, b.h * rng.uniform(0.7, 1.25))
                x0 = rng.uniform(0.03, 0.97 - w)
                y0 = rng.uniform(max(0.03, min(0.9 - h, b.y0 - 0.1)), min(0.97 - h, b.y0 + 0.1) + 1e-6)
                y0 = min(max(0.03, y0), 0.97 - h)
                b = Box(role="product", x0=round(x0, 4), y0=round(y0, 4), x1=round(x0 + w, 4), y1=round(y0 + h, 4))
            boxes.append(b)
        layout = Layout(aspect=layout.aspect, boxes=boxes, template=layout.template)
    return layout


def sample_scene(seed: int, size: tuple[int, int] | None = None) -> SceneSpec:
    """A random scene, fully decided by ``seed`` (and ``size`` when given)."""
    rng = random.Random(seed)
    width, height = size or rng.choices(SIZES, weights=SIZE_WEIGHTS)[0]
    names = list(COLOURS)
    background_colour = rng.choice(names)
    product_colour = rng.choice([n for n in names if n != background_colour])
    return SceneSpec(
        seed=seed,
        width=width,
        height=height,
        product=rng.choice(PRODUCTS),
        product_colour=product_colour,
        background=rng.choice(BACKGROUNDS),
        background_colour=background_colour,
        layout=sample_layout(rng, width / height),
        light=rng.choice(["left", "right"]),
    )


def _jitter(rgb: tuple[int, int, int], rng: random.Random) -> np.ndarray:
    """The named colour, varied a little in hue, saturation and value, as 0..1 floats."""
    import numpy as np

    h, s, v = colorsys.rgb_to_hsv(*(c / 255 for c in rgb))
    h = (h + rng.uniform(-0.015, 0.015)) % 1.0
    s = min(1.0, s * rng.uniform(0.88, 1.08))
    v = min(1.0, v * rng.uniform(0.92, 1.05))
    return np.array(colorsys.hsv_to_rgb(h, s, v), dtype=np.float32)


def shade(base: np.ndarray, k: np.ndarray | float) -> np.ndarray:
    """Lighten toward white (k > 0) or darken toward black (k < 0), per pixel when ``k`` is an array.

    Works for black and white too, where multiplying a colour would do nothing or clip."""
    import numpy as np

    k = np.asarray(k, dtype=np.float32)[..., None]
    return np.where(k > 0, base + k * (1 - base), base * (1 + k))


def _background(spec: SceneSpec, rgb: np.ndarray, h: int, w: int, rng: random.Random) -> np.ndarray:
    import numpy as np

    y = np.linspace(0, 1, h, dtype=np.float32)[:, None] * np.ones((1, w), np.float32)
    x = np.ones((h, 1), np.float32) * np.linspace(0, 1, w, dtype=np.float32)[None, :]
    box = spec.product_box
    lx = 0.0 if spec.light == "left" else 1.0
    glow = 0.06 * np.exp(-((x - lx) ** 2 + (y - 0.2) ** 2) / 0.5)  # the light falls in from one side
    if spec.background == "flat":
        k = glow - 0.05 * ((x - 0.5) ** 2 + (y - 0.5) ** 2)
    elif spec.background == "gradient":
        strength = rng.uniform(0.12, 0.22)
        k = strength * (0.5 - y) + glow
    elif spec.background == "sweep":  # wall bends into floor: light at the back, falling off in front
        floor = box.y1 - rng.uniform(0.02, 0.1)
        bend = 1 / (1 + np.exp(-(y - floor) / 0.06))
        k = 0.08 - 0.2 * bend + glow - 0.08 * (x - 0.5) ** 2
    else:  # horizon: a table top in front of a wall, one hard line
        line = box.y1 - (box.y1 - box.y0) * rng.uniform(0.12, 0.3)
        k = np.where(y < line, 0.06 + glow, -0.16 - 0.06 * (y - line))
    return shade(rgb, k)


def _product_masks(spec: SceneSpec, h: int, w: int, rng: random.Random) -> dict[str, Image.Image]:
    """The product's parts as masks: body, cap (darker), top (lighter), side (darker), handle."""
    from PIL import Image, ImageDraw

    box = spec.product_box
    bw, bh = box.w * w, box.h * h
    pw, ph = bw * rng.uniform(0.8, 0.96), bh * rng.uniform(0.88, 0.98)
    if spec.product in ("cup", "jar", "box") and pw > ph:  # squat shapes stay plausible in wide boxes
        pw = min(pw, ph * 1.4)
    x0 = box.x0 * w + (bw - pw) / 2
    y1 = box.y1 * h - bh * 0.02
    y0 = y1 - ph
    x1 = x0 + pw
    parts = {name: Image.new("L", (w, h), 0) for name in ("body", "cap", "top", "side", "handle")}
    d = {name: ImageDraw.Draw(img) for name, img in parts.items()}
    r = lambda f: max(1, round(min(pw, ph) * f))  # noqa: E731
    kind = spec.product
    if kind == "bottle":
        neck_w, shoulder = pw * 0.38, ph * 0.32
        cx = (x0 + x1) / 2
        d["body"].rounded_rectangle((x0, y0 + shoulder, x1, y1), radius=r(0.18), fill=255)
        d["body"].polygon(
            [
                (cx - neck_w / 2, y0 + ph * 0.1),
                (cx + neck_w / 2, y0 + ph * 0.1),
                (x1 - pw * 0.05, y0 + shoulder + 4),
                (x0 + pw * 0.05, y0 + shoulder + 4),
            ],
            fill=255,
        )
        d["cap"].rectangle((cx - neck_w / 2 - 1, y0, cx + neck_w / 2 + 1, y0 + ph * 0.12), fill=255)
    elif kind == "can":
        e = min(ph * 0.12, pw * 0.3)
        d["body"].rectangle((x0, y0 + e / 2, x1, y1 - e / 2), fill=255)
        d["body"].ellipse((x0, y1 - e, x1, y1), fill=255)
        d["top"].ellipse((x0, y0, x1, y0 + e), fill=255)
    elif kind == "box":
        depth = pw * 0.22
        fx1 = x1 - depth
        d["body"].rectangle((x0, y0 + depth * 0.6, fx1, y1), fill=255)
        d["top"].polygon([(x0, y0 + depth * 0.6), (x0 + depth, y0), (x1, y0), (fx1, y0 + depth * 0.6)], fill=255)
        d["side"].polygon([(fx1, y0 + depth * 0.6), (x1, y0), (x1, y1 - depth * 0.6), (fx1, y1)], fill=255)
    elif kind == "jar":
        lid = ph * 0.18
        d["body"].rounded_rectangle((x0, y0 + lid * 0.8, x1, y1), radius=r(0.2), fill=255)
        d["cap"].rounded_rectangle((x0 + pw * 0.06, y0, x1 - pw * 0.06, y0 + lid), radius=r(0.05), fill=255)
    elif kind == "cup":
        hw = pw * 0.22  # handle width
        bx1 = x1 - hw
        e = ph * 0.12
        d["body"].polygon([(x0, y0 + e / 2), (bx1, y0 + e / 2), (bx1 - pw * 0.08, y1), (x0 + pw * 0.08, y1)], fill=255)
        d["cap"].ellipse((x0, y0, bx1, y0 + e), fill=255)
        d["handle"].ellipse((bx1 - hw * 0.9, y0 + ph * 0.2, x1, y0 + ph * 0.65), outline=255, width=r(0.08))
    elif kind == "bag":
        handle_h = ph * 0.25
        d["body"].polygon(
            [(x0 + pw * 0.04, y0 + handle_h), (x1 - pw * 0.04, y0 + handle_h), (x1, y1), (x0, y1)], fill=255
        )
        d["handle"].arc((x0 + pw * 0.22, y0, x1 - pw * 0.22, y0 + handle_h * 2), 180, 360, fill=255, width=r(0.05))
    else:  # tube: crimped end up, cap down
        cap = ph * 0.14
        d["body"].polygon([(x0, y0), (x1, y0), (x1 - pw * 0.18, y1 - cap), (x0 + pw * 0.18, y1 - cap)], fill=255)
        d["top"].rectangle((x0, y0, x1, y0 + ph * 0.05), fill=255)
        d["cap"].rectangle((x0 + pw * 0.3, y1 - cap, x1 - pw * 0.3, y1), fill=255)
    return parts


def draw_scene(spec: SceneSpec) -> Scene:
    """Render the scene at its size: background, soft contact shadow, shaded product."""
    import numpy as np
    from PIL import Image, ImageFilter

    rng = random.Random(spec.seed * 7919 + 1)
    w, h = spec.width * SUPERSAMPLE, spec.height * SUPERSAMPLE
    bg_rgb = _jitter(COLOURS[spec.background_colour], rng)
    fg_rgb = _jitter(COLOURS[spec.product_colour], rng)
    canvas = _background(spec, bg_rgb, h, w, rng)
    parts = _product_masks(spec, h, w, rng)
    body = np.asarray(parts["body"], np.float32) / 255
    silhouette = np.maximum.reduce([np.asarray(p, np.float32) / 255 for p in parts.values()])

    # Contact shadow: a blurred ellipse at the product's foot, pushed away from the light.
    rows = np.where(silhouette.max(axis=1) > 0.5)[0]
    cols = np.where(silhouette.max(axis=0) > 0.5)[0]
    x0, x1, y1 = cols.min(), cols.max(), rows.max()
    from PIL import ImageDraw

    shadow = Image.new("L", (w, h), 0)
    push = (x1 - x0) * (0.12 if spec.light == "left" else -0.12)
    ImageDraw.Draw(shadow).ellipse(
        (x0 - (x1 - x0) * 0.05 + push, y1 - h * 0.025, x1 + (x1 - x0) * 0.05 + push, y1 + h * 0.02), fill=255
    )
    shadow = shadow.filter(ImageFilter.GaussianBlur(radius=max(2, w // 40)))
    canvas = shade(canvas, -0.45 * np.asarray(shadow, np.float32) / 255)

    # Product: cylinder-like light across its width, a highlight on the lit side.
    xs = np.clip((np.arange(w, dtype=np.float32) - x0) / max(1, x1 - x0), 0, 1)[None, :] * np.ones((h, 1), np.float32)
    lit = xs if spec.light == "right" else 1 - xs
    k = 0.1 * (lit - 0.5) * 2 - 0.04
    if spec.product != "box" and spec.product != "bag":
        stripe = np.exp(-(((lit - 0.8) / 0.07) ** 2))
        k = k + 0.32 * stripe
    product = shade(fg_rgb, k)
    layers = [
        (body, product),
        (np.asarray(parts["top"], np.float32) / 255, shade(fg_rgb, 0.22)),
        (np.asarray(parts["side"], np.float32) / 255, shade(fg_rgb, -0.28)),
        (np.asarray(parts["cap"], np.float32) / 255, shade(fg_rgb, -0.35)),
        (np.asarray(parts["handle"], np.float32) / 255, shade(fg_rgb, -0.15)),
    ]
    for mask, colour in layers:
        canvas = canvas * (1 - mask[..., None]) + colour * mask[..., None]
    pixels = (np.clip(canvas, 0, 1) * 255 + 0.5).astype(np.uint8)
    image = Image.fromarray(pixels).resize((spec.width, spec.height), Image.Resampling.BOX)
    small = Image.fromarray((silhouette * 255).astype(np.uint8)).resize((spec.width, spec.height), Image.Resampling.BOX)
    return Scene(spec=spec, image=image, product_mask=np.asarray(small) >= 128)


def condition(spec: SceneSpec, kind: Literal["boxes", "segmentation"] = "boxes") -> Image.Image:
    """The layout's ControlNet condition, drawn by the renderer's own layout code."""
    draw = draw_box_map if kind == "boxes" else draw_segmentation
    return draw(spec.layout, spec.width, spec.height)


def caption(spec: SceneSpec, rng: random.Random, phrasing: Literal["train", "heldout"] = "train") -> str:
    """One phrasing of what the scene shows; training draws a new one each time the scene is seen."""
    words = {
        "pc": rng.choice(COLOUR_WORDS[spec.product_colour]),
        "pk": rng.choice(PRODUCT_WORDS[spec.product]),
        "bc": rng.choice(COLOUR_WORDS[spec.background_colour]),
        "bw": rng.choice(SURFACE_WORDS),
        "bs": rng.choice(STYLE_WORDS[spec.background]),
        "brand": rng.choice(BRAND_WORDS),
        "extra": rng.choice(HELDOUT_EXTRAS if phrasing == "heldout" else EXTRAS),
    }
    if phrasing == "heldout":
        text = rng.choice(HELDOUT_TEMPLATES).format(**words)
    else:
        roll = rng.random()
        if roll < 0.07:  # only the product: the background is the model's choice
            text = f"a {words['pc']} {words['pk']}"
        elif roll < 0.12:  # only the background
            text = f"a {words['pk']} on a {words['bc']} {words['bw']}"
        else:
            text = rng.choice(TRAIN_TEMPLATES).format(**words)
        extras = rng.sample(EXTRAS, k=rng.choice([0, 0, 1, 1, 2, 3]))
        if extras:
            text = f"{text}, {', '.join(extras)}" if rng.random() < 0.8 else f"{', '.join(extras)}, {text}"
    return " ".join(text.split()).replace(" ,", ",")
