"""Layouts: role-labelled boxes on a channel's canvas, checked against the brand's layout rules,
repaired, and drawn as ControlNet conditioning images.

    >>> layout = make_layout("centred_hero", aspect=1.0)
    >>> [b.role for b in layout.boxes]
    ['headline', 'product', 'logo', 'cta']
    >>> validate_layout(layout, LayoutRules(logo_corners=["bottom-right"]))
    []

Templates follow the compositions brand books ask for: a centred hero, rule-of-thirds left or right,
a split canvas, a top headline band. Every template reads the brand's numbers (headline band,
product share, safe margin, logo corners and minimum size) where the guidelines give them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipeline.errors import UserError
from pipeline.models import Box, BoxRole, Layout, LayoutRules

TEXT_ROLES: tuple[BoxRole, ...] = ("headline", "cta")
DEFAULT_MARGIN = 0.05
DEFAULT_LOGO_WIDTH = 0.14  # of the canvas width, when the brand sets no minimum


def _box(role: BoxRole, x0: float, y0: float, x1: float, y1: float) -> Box:
    clamp = lambda v: min(1.0, max(0.0, round(v, 4)))  # noqa: E731
    x0, y0, x1, y1 = clamp(x0), clamp(y0), clamp(x1), clamp(y1)
    # A sliver thinner than the rounding keeps a minimal size rather than vanishing into an empty box.
    if x1 <= x0:
        x0, x1 = (x0, x0 + 0.0001) if x0 < 1 else (1 - 0.0001, 1.0)
    if y1 <= y0:
        y0, y1 = (y0, y0 + 0.0001) if y0 < 1 else (1 - 0.0001, 1.0)
    return Box(role=role, x0=x0, y0=y0, x1=x1, y1=y1)


def _logo_box(aspect: float, corner: str, margin: float, width: float) -> Box:
    """A logo of ``width`` (canvas fraction) in ``corner``, about 2.5:1 wide, inside the margin."""
    height = min(0.25, width * aspect / 2.5)
    x0 = margin if corner.endswith("left") else 1 - margin - width
    y0 = margin if corner.startswith("top") else 1 - margin - height
    return _box("logo", x0, y0, x0 + width, y0 + height)


def _headline(margin: float, band: float, logo: Box, x0: float, x1: float) -> Box:
    """The headline in the band, beside the logo when the logo shares the band's side of the canvas."""
    y0, y1 = margin, max(band, margin + 0.08)
    if logo.y0 < y1 and logo.x0 < x1 and logo.x1 > x0:  # the logo sits in the band, in the way
        left_room, right_room = logo.x0 - 0.02 - x0, x1 - (logo.x1 + 0.02)
        x0, x1 = (x0, logo.x0 - 0.02) if left_room >= right_room else (logo.x1 + 0.02, x1)
    return _box("headline", x0, y0, x1, y1)


def _product_size(aspect: float, share: float, max_w: float, max_h: float) -> tuple[float, float]:
    """Width and height (fractions) of a product box covering ``share`` of the canvas, portrait-ish."""
    # A pack shot is taller than wide: aim for a 0.7:1 box in real pixels.
    w = (share * 0.7 / aspect) ** 0.5
    h = share / w
    scale = min(1.0, max_w / w, max_h / h)
    return w * scale, h * scale


def _numbers(rules: LayoutRules | None) -> tuple[float, float, float, str, float]:
    rules = rules or LayoutRules()
    margin = rules.safe_margin if rules.safe_margin is not None else DEFAULT_MARGIN
    band = rules.headline_band_max or 0.25
    lo, hi = rules.product_share_min, rules.product_share_max
    share = ((lo or 0.3) + (hi if hi is not None else (lo or 0.3) + 0.1)) / 2
    corner = rules.logo_corners[0] if rules.logo_corners else "bottom-right"
    return margin, band, share, corner, DEFAULT_LOGO_WIDTH


def _centred_hero(aspect: float, rules: LayoutRules | None) -> list[Box]:
    margin, band, share, corner, logo_w = _numbers(rules)
    logo = _logo_box(aspect, corner, margin, logo_w)
    pw, ph = _product_size(aspect, share, 1 - 2 * margin, 1 - band - margin - 0.14)
    px0 = 0.5 - pw / 2
    py0 = band + 0.02
    cta_y0 = min(1 - margin - 0.08, py0 + ph + 0.02)
    cta_x0 = 0.5 - 0.15 if corner.startswith("top") else (margin if corner.endswith("right") else 1 - margin - 0.3)
    return [
        _headline(margin, band, logo, margin, 1 - margin),
        _box("product", px0, py0, px0 + pw, py0 + ph),
        logo,
        _box("cta", cta_x0, cta_y0, cta_x0 + 0.3, cta_y0 + 0.07),
    ]


def _thirds(side: str) -> Callable[[float, LayoutRules | None], list[Box]]:
    def build(aspect: float, rules: LayoutRules | None) -> list[Box]:
        margin, band, share, corner, logo_w = _numbers(rules)
        logo = _logo_box(aspect, corner, margin, logo_w)
        pw, ph = _product_size(aspect, share, 1 / 3 + 0.08, 1 - band - 2 * margin)
        cx = 1 / 3 if side == "left" else 2 / 3
        px0 = min(max(margin, cx - pw / 2), 1 - margin - pw)
        py0 = max(band + 0.02, 0.5 - ph / 2 + band / 2)
        py0 = min(py0, 1 - margin - ph)
        text_x0, text_x1 = (px0 + pw + 0.04, 1 - margin) if side == "left" else (margin, px0 - 0.04)
        return [
            _headline(margin, band, logo, text_x0, text_x1),
            _box("product", px0, py0, px0 + pw, py0 + ph),
            logo,
            _box("cta", text_x0, 0.62, min(text_x1, text_x0 + 0.3), 0.69),
        ]

    return build


def _split(aspect: float, rules: LayoutRules | None) -> list[Box]:
    margin, band, share, corner, logo_w = _numbers(rules)
    logo = _logo_box(aspect, corner, margin, logo_w)
    product_left = corner.endswith("right")
    pw, ph = _product_size(aspect, share, 0.5 - 2 * margin, 1 - 2 * margin - band / 2)
    px0 = (0.25 - pw / 2) if product_left else (0.75 - pw / 2)
    py0 = max(margin, 0.5 - ph / 2)
    tx0, tx1 = (0.5 + margin, 1 - margin) if product_left else (margin, 0.5 - margin)
    return [
        _headline(margin, band, logo, tx0, tx1),
        _box("product", px0, py0, px0 + pw, py0 + ph),
        logo,
        _box("cta", tx0, 0.6, min(tx1, tx0 + 0.3), 0.67),
    ]


def _top_band(aspect: float, rules: LayoutRules | None) -> list[Box]:
    margin, band, share, corner, logo_w = _numbers(rules)
    logo = _logo_box(aspect, corner, margin, logo_w)
    pw, ph = _product_size(aspect, share, 1 - 2 * margin, 1 - band - 2 * margin)
    px0 = 0.5 - pw / 2
    py0 = 1 - margin - ph if not corner.startswith("bottom") else max(band + 0.02, 1 - margin - ph - 0.05)
    return [
        _headline(margin, band, logo, margin, 1 - margin),
        _box("product", px0, py0, px0 + pw, py0 + ph),
        logo,
    ]


TEMPLATES: dict[str, Callable[[float, LayoutRules | None], list[Box]]] = {
    "centred_hero": _centred_hero,
    "thirds_left": _thirds("left"),
    "thirds_right": _thirds("right"),
    "split": _split,
    "top_band": _top_band,
}


def make_layout(template: str, aspect: float, rules: LayoutRules | None = None) -> Layout:
    """A layout from a named template, sized by the brand's rules, repaired where they demand more."""
    if template not in TEMPLATES:
        raise UserError(f"unknown layout template '{template}'; known templates: {', '.join(TEMPLATES)}")
    if not 0.1 <= aspect <= 10:
        raise UserError(f"canvas aspect {aspect:g} is out of range; use a width/height between 0.1 and 10")
    layout = Layout(aspect=aspect, boxes=TEMPLATES[template](aspect, rules), template=template)
    return repair_layout(layout, rules)


def _overlap(a: Box, b: Box) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(0.0, w) * max(0.0, h)


def _corner_of(box: Box) -> str:
    cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    return f"{'top' if cy < 0.5 else 'bottom'}-{'left' if cx < 0.5 else 'right'}"


def occupied_share(layout: Layout, grid: int = 200) -> float:
    """Share of the canvas covered by any non-free box (overlaps counted once)."""
    import numpy as np

    mask = np.zeros((grid, grid), dtype=bool)
    for b in layout.boxes:
        if b.role != "free":
            mask[int(b.y0 * grid) : round(b.y1 * grid), int(b.x0 * grid) : round(b.x1 * grid)] = True
    return float(mask.mean())


def validate_layout(layout: Layout, rules: LayoutRules | None = None, final_width: int | None = None) -> list[str]:
    """Problems with a layout, one sentence each; an empty list means it obeys the rules."""
    rules = rules or LayoutRules()
    problems: list[str] = []
    eps = 1e-3
    products = layout.boxes_with_role("product")
    for text in (b for b in layout.boxes if b.role in TEXT_ROLES):
        for product in products:
            if _overlap(text, product) > 0.02 * product.area:
                problems.append(f"the {text.role} box covers the product")
    labelled = [b for b in layout.boxes if b.role in (*TEXT_ROLES, "logo")]
    for i, a in enumerate(labelled):
        for b in labelled[i + 1 :]:
            if _overlap(a, b) > 0:
                problems.append(f"the {a.role} box overlaps the {b.role} box")
    margin = rules.safe_margin
    if margin is not None:
        for b in layout.boxes:
            if b.role != "free" and min(b.x0, b.y0, 1 - b.x1, 1 - b.y1) < margin - eps:
                problems.append(f"the {b.role} box is inside the {margin:.0%} safe margin")
    for logo in layout.boxes_with_role("logo"):
        if rules.logo_corners and _corner_of(logo) not in rules.logo_corners:
            problems.append(f"the logo is in the {_corner_of(logo)} corner; allowed: {', '.join(rules.logo_corners)}")
        if rules.logo_min_width_px and final_width and logo.w * final_width < rules.logo_min_width_px - 0.5:
            problems.append(
                f"the logo is {logo.w * final_width:.0f} px wide; the minimum is {rules.logo_min_width_px} px"
            )
        for product in products:
            if _overlap(logo, product) > 0:
                problems.append("the logo overlaps the product")
    for product in products:
        if rules.product_share_min is not None and product.area < rules.product_share_min - eps:
            problems.append(f"the product covers {product.area:.0%}; the minimum is {rules.product_share_min:.0%}")
        if rules.product_share_max is not None and product.area > rules.product_share_max + eps:
            problems.append(f"the product covers {product.area:.0%}; the maximum is {rules.product_share_max:.0%}")
    if rules.headline_band and rules.headline_band_max:
        for headline in layout.boxes_with_role("headline"):
            inside = {
                "top": headline.y1 <= rules.headline_band_max + eps,
                "bottom": headline.y0 >= 1 - rules.headline_band_max - eps,
                "left": headline.x1 <= rules.headline_band_max + eps,
                "right": headline.x0 >= 1 - rules.headline_band_max - eps,
            }[rules.headline_band]
            if not inside:
                problems.append(
                    f"the headline leaves the {rules.headline_band} {rules.headline_band_max:.0%} headline band"
                )
    if rules.negative_space_min is not None:
        free = 1 - occupied_share(layout)
        if free < rules.negative_space_min - 0.01:
            problems.append(f"negative space is {free:.0%}; the minimum is {rules.negative_space_min:.0%}")
    return list(dict.fromkeys(problems))


@dataclass
class _Repair:
    """The boxes being repaired, and the one way to move a box: kept inside the safe margin."""

    boxes: list[Box]
    margin: float

    def put(self, i: int, x0: float, y0: float, x1: float, y1: float) -> None:
        lo, hi = self.margin, 1 - self.margin
        w, h = min(x1 - x0, hi - lo), min(y1 - y0, hi - lo)
        x0 = min(max(x0, lo), hi - w)
        y0 = min(max(y0, lo), hi - h)
        self.boxes[i] = _box(self.boxes[i].role, x0, y0, x0 + w, y0 + h)


def repair_layout(layout: Layout, rules: LayoutRules | None = None, final_width: int | None = None) -> Layout:
    """Move and resize boxes until the layout obeys the rules (or as close as the rules allow).

    Order matters: margins first, then the headline band, the product's size and position, the logo's
    corner and size, and last anything text that still covers the product.
    """
    rules = rules or LayoutRules()
    repair = _Repair(
        [b.model_copy() for b in layout.boxes], rules.safe_margin if rules.safe_margin is not None else 0.0
    )
    for i, b in enumerate(repair.boxes):
        if b.role != "free":
            repair.put(i, b.x0, b.y0, b.x1, b.y1)
    band = rules.headline_band_max if rules.headline_band and rules.headline_band_max else None
    _headline_into_band(repair, rules, band)
    _product_to_share(repair, rules, band)
    _logo_into_corner(repair, rules, layout.aspect, final_width)
    _text_off_the_product(repair)
    return Layout(aspect=layout.aspect, boxes=repair.boxes, template=layout.template)


def _headline_into_band(repair: _Repair, rules: LayoutRules, band: float | None) -> None:
    for i, b in enumerate(repair.boxes):
        if b.role == "headline" and band is not None and rules.headline_band == "top" and b.y1 > band:
            repair.put(i, b.x0, min(b.y0, band - 0.06), b.x1, band)
        elif b.role == "headline" and band is not None and rules.headline_band == "bottom" and b.y0 < 1 - band:
            repair.put(i, b.x0, 1 - band, b.x1, max(b.y1, 1 - band + 0.06))


def _product_to_share(repair: _Repair, rules: LayoutRules, band: float | None) -> None:
    margin = repair.margin
    for i, b in enumerate(repair.boxes):
        if b.role != "product":
            continue
        target = b.area
        if rules.product_share_min is not None and target < rules.product_share_min:
            target = rules.product_share_min + 0.01
        if rules.product_share_max is not None and target > rules.product_share_max:
            target = max(rules.product_share_max - 0.01, 0.0001)  # a maximum of 0% still leaves a product
        scale = (target / b.area) ** 0.5
        cx, cy = (b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2
        top = band + 0.02 if band is not None and rules.headline_band == "top" else margin
        bottom = 1 - band - 0.02 if band is not None and rules.headline_band == "bottom" else 1 - margin
        h = max(min(b.h * scale, bottom - top), 0.01)  # a margin or band that leaves no room still leaves a sliver
        w = min(target / h, 1 - 2 * margin)  # short of height (wide banners): grow sideways instead
        cy = min(max(cy, top + h / 2), bottom - h / 2)
        repair.put(i, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _logo_into_corner(repair: _Repair, rules: LayoutRules, aspect: float, final_width: int | None) -> None:
    boxes = repair.boxes
    for i, b in enumerate(boxes):
        if b.role != "logo":
            continue
        width = b.w
        if rules.logo_min_width_px and final_width:
            width = max(width, rules.logo_min_width_px / final_width + 0.002)
        corner = _corner_of(b)
        if rules.logo_corners and corner not in rules.logo_corners:
            corner = rules.logo_corners[0]
        height = b.h * width / b.w
        edge = repair.margin or DEFAULT_MARGIN
        candidates = [corner, *[c for c in rules.logo_corners if c != corner]]
        for option in candidates:  # the first allowed corner where the logo stays off the product
            new = _logo_box(aspect, option, edge, width)
            repair.put(i, new.x0, new.y0, new.x0 + width, new.y0 + height)
            if not any(_overlap(boxes[i], p) > 0 for p in boxes if p.role == "product"):
                break
        else:  # every allowed corner is taken: slide the product away from the logo
            logo = boxes[i]
            for j, p in enumerate(boxes):
                if p.role == "product" and _overlap(logo, p) > 0:
                    dx = (logo.x0 - 0.01 - p.x1) if (logo.x0 + logo.x1) > (p.x0 + p.x1) else (logo.x1 + 0.01 - p.x0)
                    repair.put(j, p.x0 + dx, p.y0, p.x1 + dx, p.y1)


def _text_off_the_product(repair: _Repair) -> None:
    """Text still on the product moves beside, below or above it where nothing else is; failing that,
    room is made below by trading the product's height for width."""
    boxes, margin = repair.boxes, repair.margin
    for i, b in enumerate(boxes):
        if b.role not in TEXT_ROLES:
            continue
        for j, p in enumerate(boxes):
            if p.role != "product" or _overlap(b, p) <= 0.02 * p.area:
                continue
            others = [o for k, o in enumerate(boxes) if k not in (i, j) and o.role != "free"]
            spots = [
                (b.x0, p.y1 + 0.01, b.x1, p.y1 + 0.01 + b.h),  # below
                (b.x0, p.y0 - 0.01 - b.h, b.x1, p.y0 - 0.01),  # above
                (p.x1 + 0.01, b.y0, p.x1 + 0.01 + b.w, b.y1),  # right
                (p.x0 - 0.01 - b.w, b.y0, p.x0 - 0.01, b.y1),  # left
            ]
            for x0, y0, x1, y1 in spots:
                if x0 >= margin - 1e-6 and y0 >= margin - 1e-6 and x1 <= 1 - margin + 1e-6 and y1 <= 1 - margin + 1e-6:
                    spot = _box(b.role, x0, y0, x1, y1)
                    if all(_overlap(spot, o) == 0 for o in others):
                        boxes[i] = spot
                        break
            else:
                new_y1 = 1 - margin - b.h - 0.02
                if new_y1 - p.y0 > 0.1:
                    area = p.area
                    h = new_y1 - p.y0
                    w = min(area / h, 1 - 2 * margin)
                    cx = (p.x0 + p.x1) / 2
                    repair.put(j, cx - w / 2, p.y0, cx + w / 2, new_y1)
                    repair.put(i, b.x0, new_y1 + 0.02, b.x1, new_y1 + 0.02 + b.h)
