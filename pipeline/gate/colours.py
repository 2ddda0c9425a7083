"""What colours a prompt asks for, and what colours a draft shows where: the product box and the background.

    >>> asked = asked_colours("a teal can on a white backdrop, soft light")
    >>> asked.product.name, asked.background.name
    ('teal', 'white')

The prompt is read with the plain colour words (``pipeline.colour.BASIC_COLOURS``, "grey" too) and the
brand's own colour names ("Sea Foam"), each tied to what it describes: a product word after it ("a teal
can"), before it ("a can that is teal", "the can in teal"), or a background word ("a white backdrop",
"against white", "a pink scene"). :func:`product_colour` and :func:`background_colour` measure the draft
the way the draft model's eval does: the product is the pixels of its layout box that stand out from
their row's background, the background is what lies outside the boxes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from pipeline.colour import BASIC_COLOURS, hex_to_rgb, lab_to_rgb, to_lab
from pipeline.models import BrandProfile, Layout

# What a product is called in prompts (the draft model's words and common packaging).
PRODUCT_NOUNS = (
    "bottle", "bottles", "can", "cans", "tin", "tins", "box", "boxes", "carton", "cartons", "package", "packages",
    "pack", "packs", "packaging", "jar", "jars", "pot", "pots", "cup", "cups", "mug", "mugs", "bag", "bags", "tote",
    "tube", "tubes", "pouch", "pouches", "sachet", "canister", "flask", "tumbler", "product", "products",
)  # fmt: skip
# What a background is called.
SURFACE_NOUNS = (
    "background", "backdrop", "backgrounds", "wall", "walls", "surface", "set", "setting", "scene", "sweep",
    "studio", "cove", "sky", "floor", "table", "tabletop",
)  # fmt: skip
# Words that may sit between a colour and its noun ("a teal soda can", "a white studio sweep backdrop").
FILLER = r"(?:[\w'-]+\s+){0,2}?"


@dataclass(frozen=True)
class AskedColour:
    """A colour the prompt asks for: its words, the plain colour name it is nearest, and its CIELAB value."""

    words: str
    name: str
    lab: tuple[float, float, float]


@dataclass(frozen=True)
class Asked:
    product: AskedColour | None
    background: AskedColour | None


def _vocabulary(brand: BrandProfile | None) -> dict[str, tuple[int, int, int]]:
    colours: dict[str, tuple[int, int, int]] = {name: rgb for name, rgb in BASIC_COLOURS.items()}
    colours["grey"] = BASIC_COLOURS["gray"]
    if brand is not None:  # a brand's own names win over the plain word inside them ("Tidewell Teal")
        named = [(c.name, c.hex) for c in brand.palette] + [(t.name, t.hex) for t in brand.tints]
        for name, hex_value in named:
            if len(name.strip()) >= 3:
                colours[name.strip().lower()] = hex_to_rgb(hex_value)
    return colours


def nearest_name(lab: np.ndarray) -> str:
    """The nearest of the twelve plain colour words to a CIELAB value (the draft model eval's naming)."""
    names = list(BASIC_COLOURS)
    reference = to_lab(np.array(list(BASIC_COLOURS.values()), dtype=np.float64))
    return names[int(np.argmin(np.linalg.norm(reference - np.asarray(lab).reshape(1, 3), axis=1)))]


def asked_colours(prompt: str, brand: BrandProfile | None = None) -> Asked:
    """The product's and the background's colour as the prompt asks for them (None where it does not say)."""
    text = " ".join(prompt.lower().replace("-", " ").split())
    colours = _vocabulary(brand)
    names = sorted(colours, key=len, reverse=True)
    colour = "(" + "|".join(re.escape(n) for n in names) + ")"
    products = "(?:" + "|".join(PRODUCT_NOUNS) + ")"
    surfaces = "(?:" + "|".join(SURFACE_NOUNS) + ")"
    product_patterns = [
        rf"\b{colour}\s+(?:colou?red\s+)?{FILLER}{products}\b",  # "a teal can", "teal colored soda can"
        rf"\b{products}\s+(?:that\s+is|which\s+is|is|in|colou?red)\s+{colour}\b",  # "a can that is teal"
    ]
    background_patterns = [
        rf"\b{colour}\s+{FILLER}{surfaces}\b",  # "a white backdrop", "a white studio sweep"
        rf"\b(?:against|on)\s+(?:an?\s+|the\s+)?{colour}\b(?!\s+{FILLER}{products})",  # "against teal"
        rf"\b{surfaces}\s+(?:is|in|colou?red)\s+{colour}\b",  # "the wall is pink"
    ]

    def first(patterns: list[str]) -> AskedColour | None:
        hits = [(m.start(), m.group(1)) for p in patterns for m in re.finditer(p, text)]
        if not hits:
            return None
        words = min(hits)[1]
        lab = to_lab(np.array(colours[words], dtype=np.float64))
        return AskedColour(words, nearest_name(lab), (float(lab[0]), float(lab[1]), float(lab[2])))

    return Asked(product=first(product_patterns), background=first(background_patterns))


def _box_mask(layout: Layout, role: str, h: int, w: int, pad: float = 0.0) -> np.ndarray:
    mask = np.zeros((h, w), dtype=bool)
    for box in layout.boxes_with_role(role):  # type: ignore[arg-type]
        y0, y1 = max(0.0, box.y0 - pad), min(1.0, box.y1 + pad)
        x0, x1 = max(0.0, box.x0 - pad), min(1.0, box.x1 + pad)
        mask[
            round(y0 * h) : max(round(y0 * h) + 1, round(y1 * h)), round(x0 * w) : max(round(x0 * w) + 1, round(x1 * w))
        ] = True
    return mask


PRODUCT_DELTA_E = 16.0  # CIELAB distance from its row's background at which a pixel is product


def product_pixels(lab: np.ndarray, layout: Layout) -> np.ndarray:
    """Mask of the product: pixels in the product box(es) that stand out from their row's background,
    the row's background read outside the (padded) boxes."""
    h, w, _ = lab.shape
    box = _box_mask(layout, "product", h, w)
    outside = ~_box_mask(layout, "product", h, w, pad=0.04)
    if not outside.any():
        return box
    overall = np.median(lab[outside], axis=0)
    rows = np.empty((h, 3))
    for y in range(h):
        row = lab[y][outside[y]]
        rows[y] = np.median(row, axis=0) if len(row) >= 4 else overall
    stands_out = np.linalg.norm(lab - rows[:, None, :], axis=-1) > PRODUCT_DELTA_E
    return stands_out & box


def product_colour(lab: np.ndarray, layout: Layout) -> tuple[np.ndarray | None, float]:
    """The product's median CIELAB colour (None when too little stands out) and how much of its box it fills."""
    pixels = product_pixels(lab, layout)
    box = _box_mask(layout, "product", *lab.shape[:2])
    fill = float(pixels.sum() / max(1, box.sum()))
    if pixels.sum() < 8:
        return None, fill
    return _median_colour(lab[pixels]), fill


def _median_colour(lab: np.ndarray) -> np.ndarray:
    # the median of sRGB values, as the draft model's eval takes it (a per-channel median in CIELAB
    # drifts toward the highlights of a light product)
    rgb = np.median(lab_to_rgb(lab), axis=0)
    return np.asarray(to_lab(rgb.reshape(1, 3))[0])


def background_colour(lab: np.ndarray, layout: Layout) -> np.ndarray:
    """The median CIELAB colour of everything outside the layout's boxes (padded)."""
    h, w, _ = lab.shape
    covered = np.zeros((h, w), dtype=bool)
    for role in ("product", "headline", "logo", "cta"):
        covered |= _box_mask(layout, role, h, w, pad=0.04 if role == "product" else 0.0)
    outside = ~covered if (~covered).any() else np.ones((h, w), dtype=bool)
    return _median_colour(lab[outside])
