"""Composing a final asset: the render at the channel's size, with the headline, the call to action
and the logo set the way the brand's guidelines say, inside the channel's safe area.

    >>> image, how = compose(render, plan, channels["instagram_story"], profile, kit)   # doctest: +SKIP
    >>> how.text["headline"].name, how.cta_form, how.cta_fill.name
    ('Deep Harbour', 'button', 'Citrus Zest')

* **Text colour**: the colour the guidelines name for text (``profile.colour_use.text``), else the
  palette's colour with the role "text", else the most legible palette colour. When it does not reach
  4.5:1 (WCAG AA) on the picture behind it, the nearest brand colour (CIEDE2000) that does is used;
  when none does, a soft scrim goes behind the text. The choice and its reason are recorded.
* **Call to action**: in the colour the guidelines give it (``colour_use.cta``), as a button or as
  text (``colour_use.cta_form``); a layout without a call-to-action box gets one at export.
* **Logo**: the kit's logo file in the layout's logo box, at least the brand's minimum width.
* **Safe area**: text and logo are kept out of the insets a platform's own UI covers (``safe_area``
  in ``channels.yaml``: a story's top and bottom bars).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pipeline.colour import contrast, delta_e_2000, hex_to_rgb, relative_luminance, to_lab
from pipeline.export.kit import FALLBACK_FONT, find_font, find_logo
from pipeline.export.upscalers import Upscaler, enlarges
from pipeline.models import Box, BrandProfile, ChannelSpec, ColourChoice, Composition, DraftPlan, SourceRef

if TYPE_CHECKING:
    from PIL import Image, ImageFont


MIN_CONTRAST = 4.5
NEAR_BLACK, NEAR_WHITE = "#141414", "#FAFAFA"  # for a brand with no palette at all
FORBIDDEN_DELTA_E = 3.0  # a colour this close to a forbidden one counts as that colour
CTA_WORDS = ("call to action", "calls to action", "call-to-action", "calls-to-action", "cta")
Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 as canvas fractions


# --- colours -------------------------------------------------------------------------------------------------


def _where(ref: SourceRef | None) -> str:
    if ref is None:
        return ""
    name = Path(ref.source).name if ref.section == "override" else ref.source
    return " (" + " › ".join(x for x in (name, ref.section) if x) + ")"


def brand_colours(profile: BrandProfile) -> list[tuple[str, str]]:
    """(name, hex) of every palette colour and tint the brand allows, forbidden colours left out."""
    forbidden = [c.hex for c in profile.forbidden_colors]
    found: list[tuple[str, str]] = []
    for name, hex_ in [(c.name, c.hex) for c in profile.palette] + [(t.name, t.hex) for t in profile.tints]:
        if any(
            float(delta_e_2000(to_lab(hex_to_rgb(hex_)), to_lab(hex_to_rgb(f)))) < FORBIDDEN_DELTA_E for f in forbidden
        ):
            continue
        if hex_ not in [h for _, h in found]:
            found.append((name, hex_))
    return found


def _name_of(hex_: str, profile: BrandProfile) -> str:
    for name, value in brand_colours(profile):
        if value == hex_:
            return name
    return ""


def _ratio(hex_: str, background: tuple[float, float, float]) -> float:
    return contrast(relative_luminance(hex_to_rgb(hex_)), relative_luminance(background))


def named_text_colour(profile: BrandProfile) -> tuple[str, str] | None:
    """The text colour the brand names, and why it is that one: the guidelines' colour for text, else
    the palette's colour with the role "text". None when the brand names none."""
    use = profile.colour_use
    if use.text:
        return use.text, "the colour the guidelines name for text" + _where(use.sources.get("text"))
    allowed = {h for _, h in brand_colours(profile)}
    for c in profile.palette:
        if c.role == "text" and c.hex in allowed:
            return c.hex, "the palette's colour for text" + _where(c.source)
    return None


def cta_colour(profile: BrandProfile) -> tuple[str, str] | None:
    """The call to action's colour and why: the guidelines' colour for it, else the palette colour
    whose own line reserves it for calls to action. None when the brand says nothing."""
    use = profile.colour_use
    if use.cta:
        return use.cta, "the colour the guidelines give the call to action" + _where(use.sources.get("cta"))
    for c in profile.palette:
        said = f"{c.name} {c.source.quote if c.source else ''}".lower()
        if any(w in said.replace("-", " ") or w in said for w in CTA_WORDS):
            return c.hex, "the palette colour the guidelines keep for calls to action" + _where(c.source)
    return None


def pick_colour(
    profile: BrandProfile, wanted: tuple[str, str] | None, background: tuple[float, float, float]
) -> tuple[ColourChoice, bool]:
    """The colour to set text in over ``background`` (mean sRGB), and whether it needs a scrim.

    ``wanted`` (hex, reason) is used when it reaches 4.5:1; else the nearest brand colour that does;
    else ``wanted`` on a scrim. With nothing wanted, the most legible brand colour."""
    candidates = brand_colours(profile)
    if not candidates:
        candidates = [("near-black", NEAR_BLACK), ("near-white", NEAR_WHITE)]
        if wanted is None:
            hex_ = max((NEAR_BLACK, NEAR_WHITE), key=lambda h: _ratio(h, background))
            ratio = _ratio(hex_, background)
            why = "the brand names no colours: near-black or near-white, whichever reads better"
            return ColourChoice(hex=hex_, contrast=round(ratio, 2), reason=why), ratio < MIN_CONTRAST
    if wanted is None:
        name, hex_ = max(candidates, key=lambda c: _ratio(c[1], background))
        ratio = _ratio(hex_, background)
        why = f"the guidelines name no colour for this: {name}, the most legible brand colour here ({ratio:.1f}:1)"
        return ColourChoice(hex=hex_, name=name, contrast=round(ratio, 2), reason=why), ratio < MIN_CONTRAST
    hex_, why = wanted
    name = _name_of(hex_, profile)
    ratio = _ratio(hex_, background)
    if ratio >= MIN_CONTRAST:
        return ColourChoice(hex=hex_, name=name, contrast=round(ratio, 2), reason=f"{why}; {ratio:.1f}:1"), False
    legible = [c for c in candidates if _ratio(c[1], background) >= MIN_CONTRAST and c[1] != hex_]
    label = name or hex_
    if legible:
        target = to_lab(hex_to_rgb(hex_))
        other, other_hex = min(legible, key=lambda c: float(delta_e_2000(target, to_lab(hex_to_rgb(c[1])))))
        got = _ratio(other_hex, background)
        reason = (
            f"{label} ({why}) reaches only {ratio:.1f}:1 on this picture; {other} is the nearest brand colour "
            f"that reaches {MIN_CONTRAST}:1 ({got:.1f}:1)"
        )
        return ColourChoice(hex=other_hex, name=other, contrast=round(got, 2), reason=reason), False
    reason = f"{why}; no brand colour reaches {MIN_CONTRAST}:1 on this picture, so a scrim goes behind it"
    return ColourChoice(hex=hex_, name=name, contrast=round(ratio, 2), reason=reason), True


# --- boxes and the safe area ---------------------------------------------------------------------------------


def _px(box: Box, w: int, h: int) -> tuple[int, int, int, int]:
    return round(box.x0 * w), round(box.y0 * h), round(box.x1 * w), round(box.y1 * h)


def _overlaps(a: Rect, b: Rect) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > 1e-6 and min(a[3], b[3]) - max(a[1], b[1]) > 1e-6


def _rect(box: Box) -> Rect:
    return box.x0, box.y0, box.x1, box.y1


def _as_box(role: str, r: Rect) -> Box:
    return Box.model_validate({"role": role, "x0": r[0], "y0": r[1], "x1": r[2], "y1": r[3]})


def _into(r: Rect, safe: Rect) -> Rect:
    """``r`` moved (and shrunk only where it is bigger than the safe rectangle) inside ``safe``."""
    w, h = min(r[2] - r[0], safe[2] - safe[0]), min(r[3] - r[1], safe[3] - safe[1])
    x0 = min(max(r[0], safe[0]), safe[2] - w)
    y0 = min(max(r[1], safe[1]), safe[3] - h)
    return x0, y0, x0 + w, y0 + h


def safe_rect(channel: ChannelSpec) -> Rect:
    top, right, bottom, left = channel.safe_area
    return left, top, 1 - right, 1 - bottom


def place_boxes(plan: DraftPlan, channel: ChannelSpec, with_cta: bool) -> dict[str, Box]:
    """Where the headline, the call to action and the logo go on the final canvas: the layout's boxes,
    moved inside the channel's safe area without landing on each other. A layout with no call-to-action
    box (``top_band``) gets one below the product, or above it, or low in the safe area."""
    safe = safe_rect(channel)
    layout = plan.layout
    product = next((_rect(b) for b in layout.boxes_with_role("product")), None)
    placed: dict[str, Rect] = {}
    for role in ("logo", "headline", "cta"):
        boxes = layout.boxes_with_role(role)
        if not boxes:
            continue
        r = _into(_rect(boxes[0]), safe)
        for other in list(placed.values()):
            if _overlaps(r, other):  # pushed onto another box: go below it, else above it
                h = r[3] - r[1]
                below = (r[0], other[3] + 0.01, r[2], other[3] + 0.01 + h)
                above = (r[0], other[1] - 0.01 - h, r[2], other[1] - 0.01)
                r = below if below[3] <= safe[3] else _into(above, safe)
        placed[role] = r
    if with_cta and "cta" not in placed:
        placed["cta"] = _cta_spot(channel, safe, product, list(placed.values()))
    return {role: _as_box(role, r) for role, r in placed.items()}


def _cta_spot(channel: ChannelSpec, safe: Rect, product: Rect | None, taken: list[Rect]) -> Rect:
    aspect = channel.width / channel.height
    h = 0.06 if aspect < 1 else 0.1
    w = min(0.42 if aspect < 1.5 else 0.26, safe[2] - safe[0])
    x0 = 0.5 - w / 2
    spots: list[Rect] = []
    if product is not None:
        spots += [
            (x0, product[3] + 0.02, x0 + w, product[3] + 0.02 + h),
            (x0, product[1] - 0.02 - h, x0 + w, product[1] - 0.02),
        ]
    low = safe[3] - h - 0.02
    spots += [(x0, low, x0 + w, low + h), (safe[0] + 0.03, low, safe[0] + 0.03 + w, low + h)]
    for spot in spots:
        inside = spot[1] >= safe[1] and spot[3] <= safe[3]
        if inside and not any(_overlaps(spot, t) for t in taken) and (product is None or not _overlaps(spot, product)):
            return spot
    for spot in spots[-2:]:  # over the product's foot, but never over the logo or the headline
        if spot[1] >= safe[1] and not any(_overlaps(spot, t) for t in taken):
            return spot
    return _into(spots[-1], safe)


# --- drawing -------------------------------------------------------------------------------------------------


def _fit(text: str, font_path: Path, width: int, height: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font size at which ``text`` wraps into ``width`` x ``height``."""
    from PIL import ImageFont

    best = (ImageFont.truetype(str(font_path), 8), [text])
    lo, hi = 8, max(9, height)
    while lo <= hi:
        size = (lo + hi) // 2
        font = ImageFont.truetype(str(font_path), size)
        lines: list[str] = []
        for word in text.split():
            trial = f"{lines[-1]} {word}" if lines else word
            if lines and font.getlength(trial) <= width:
                lines[-1] = trial
            else:
                lines.append(word)
        tall = len(lines) * size * 1.2
        if all(font.getlength(line) <= width for line in lines) and tall <= height:
            best, lo = (font, lines), size + 1
        else:
            hi = size - 1
    return best


def _mean_rgb(image: Image.Image, x0: int, y0: int, x1: int, y1: int) -> tuple[float, float, float]:
    import numpy as np

    region = np.asarray(image.crop((x0, y0, x1, y1)).convert("RGB"), dtype=np.float64)
    if not region.size:
        return (255.0, 255.0, 255.0)
    r, g, b = region.reshape(-1, 3).mean(axis=0)
    return float(r), float(g), float(b)


def _write(image: Image.Image, box: Box, text: str, font_path: Path, colour: str, pad: int) -> list[str]:
    from PIL import ImageDraw

    x0, y0, x1, y1 = _px(box, *image.size)
    font, lines = _fit(text, font_path, max(1, x1 - x0 - 2 * pad), max(1, y1 - y0 - 2 * pad))
    draw = ImageDraw.Draw(image)
    size = font.size
    top = y0 + pad + (y1 - y0 - 2 * pad - len(lines) * size * 1.2) / 2
    for i, line in enumerate(lines):
        width = font.getlength(line)
        draw.text((x0 + (x1 - x0 - width) / 2, top + i * size * 1.2), line, font=font, fill=hex_to_rgb(colour))
    return [f"{box.role}: text set at {size} px, small for this box"] if size < 12 else []


def set_text(
    image: Image.Image, box: Box, text: str, font_path: Path, profile: BrandProfile, wanted: tuple[str, str] | None
) -> tuple[ColourChoice, list[str]]:
    """Write ``text`` into ``box`` in the brand's colour for it (see :func:`pick_colour`); a scrim goes
    behind it when no brand colour reads on the picture. Returns the colour used, and notes."""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    x0, y0, x1, y1 = _px(box, *image.size)
    pad = max(2, round(0.06 * (y1 - y0)))
    choice, scrim = pick_colour(profile, wanted, _mean_rgb(image, x0, y0, x1, y1))
    notes: list[str] = []
    if scrim:
        dark_text = relative_luminance(hex_to_rgb(choice.hex)) < 0.18
        overlay = PILImage.new("RGBA", image.size, (0, 0, 0, 0))
        fill = (255, 255, 255, 170) if dark_text else (0, 0, 0, 150)
        ImageDraw.Draw(overlay).rounded_rectangle((x0, y0, x1, y1), radius=pad, fill=fill)
        image.paste(PILImage.alpha_composite(image.convert("RGBA"), overlay).convert("RGB"))
        ratio = _ratio(choice.hex, _mean_rgb(image, x0, y0, x1, y1))
        choice = choice.model_copy(update={"contrast": round(ratio, 2)})
        notes.append(f"{box.role}: a scrim was added for legibility")
    notes += _write(image, box, text, font_path, choice.hex, pad)
    return choice, notes


def set_button(
    image: Image.Image, box: Box, text: str, font_path: Path, profile: BrandProfile, fill: tuple[str, str]
) -> tuple[ColourChoice, ColourChoice, list[str]]:
    """The call to action as a button: a rounded rectangle in ``fill`` (hex, reason), its text in the
    brand's text colour where that reads on the button, else the nearest brand colour that does."""
    from PIL import ImageDraw

    x0, y0, x1, y1 = _px(box, *image.size)
    radius = max(2, round(0.22 * (y1 - y0)))
    ImageDraw.Draw(image).rounded_rectangle((x0, y0, x1, y1), radius=radius, fill=hex_to_rgb(fill[0]))
    button = ColourChoice(hex=fill[0], name=_name_of(fill[0], profile), reason=fill[1])
    choice, _ = pick_colour(profile, named_text_colour(profile), tuple(float(v) for v in hex_to_rgb(fill[0])))  # type: ignore[arg-type]
    notes = _write(image, box, text, font_path, choice.hex, max(3, round(0.18 * (y1 - y0))))
    return button, choice, notes


def place_logo(image: Image.Image, box: Box, logo_path: Path, min_width: int | None, safe: Rect) -> list[str]:
    """The logo file in ``box``, at least ``min_width`` px wide, kept inside the ``safe`` rectangle."""
    from PIL import Image as PILImage

    x0, y0, x1, y1 = _px(box, *image.size)
    with PILImage.open(logo_path) as raw:
        logo = raw.convert("RGBA")
    scale = min((x1 - x0) / logo.width, (y1 - y0) / logo.height)
    notes = []
    if min_width and logo.width * scale < min_width:
        scale = min_width / logo.width
        notes.append(f"logo enlarged to the brand's minimum width of {min_width} px")
    logo = logo.resize(
        (max(1, round(logo.width * scale)), max(1, round(logo.height * scale))), PILImage.Resampling.LANCZOS
    )
    left, top = round(safe[0] * image.width), round(safe[1] * image.height)
    right, bottom = round(safe[2] * image.width), round(safe[3] * image.height)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    at = (
        round(min(max(left, cx - logo.width / 2), right - logo.width)),
        round(min(max(top, cy - logo.height / 2), bottom - logo.height)),
    )
    image.paste(logo, at, logo)
    return notes


def compose(
    render: Image.Image,
    plan: DraftPlan,
    channel: ChannelSpec,
    profile: BrandProfile,
    kit: Path | None,
    upscaler: Upscaler | None = None,
) -> tuple[Image.Image, Composition]:
    """The final asset of one draft at the channel's size, and how it was composed; ``upscaler``
    enlarges a render smaller than that first (prompted and seeded with the plan's). The headline
    and call to action are the plan's (the brief's copy)."""
    from PIL import Image as PILImage

    width, height = channel.width, channel.height
    if upscaler is not None and enlarges(render.size, width, height):
        render = upscaler.upscale(render.convert("RGB"), plan.prompt, plan.seed)
    scale = max(width / render.width, height / render.height)
    resized = render.convert("RGB").resize(
        (max(width, round(render.width * scale)), max(height, round(render.height * scale))),
        PILImage.Resampling.LANCZOS,
    )
    left, top = (resized.width - width) // 2, (resized.height - height) // 2
    image = resized.crop((left, top, left + width, top + height))
    families = [f.family for f in profile.fonts if f.usage != "fallback"] or [f.family for f in profile.fonts]
    found = find_font(kit, families)
    font = found or FALLBACK_FONT
    how = Composition(safe_area=channel.safe_area)
    if not found:
        how.notes.append(f"no font file of {', '.join(families) or 'the brand'} in the kit: used Lato")
    headline, cta = plan.headline.strip(), plan.cta.strip()
    boxes = place_boxes(plan, channel, with_cta=bool(cta))
    how.boxes = list(boxes.values())
    if headline and "headline" in boxes:
        how.text["headline"], notes = set_text(
            image, boxes["headline"], headline, font, profile, named_text_colour(profile)
        )
        how.notes += notes
    if cta and "cta" in boxes:
        fill = cta_colour(profile)
        form: Literal["button", "text"] = profile.colour_use.cta_form or ("button" if fill else "text")
        if form == "button" and fill is None:
            how.notes.append("the guidelines make the call to action a button but give it no colour: set as text")
            form = "text"
        how.cta_form = form
        if form == "button" and fill is not None:
            how.cta_fill, how.text["cta"], notes = set_button(image, boxes["cta"], cta, font, profile, fill)
        else:
            how.text["cta"], notes = set_text(
                image, boxes["cta"], cta, font, profile, fill or named_text_colour(profile)
            )
        how.notes += notes
    logo = find_logo(kit)
    if "logo" in boxes and logo is not None:
        how.notes += place_logo(image, boxes["logo"], logo, profile.layout_rules.logo_min_width_px, safe_rect(channel))
        how.logo = logo.name
    elif "logo" in boxes:
        how.notes.append("no logo file in the brand kit: the logo box is left clear")
    return image, how


def describe(how: Composition) -> dict[str, object]:
    """The manifest's account of one composition: colours with their reasons, the CTA's form, the logo."""
    return {
        "text_colour": {role: c.model_dump(exclude_none=True) for role, c in how.text.items()},
        "cta_form": how.cta_form,
        "cta_fill": how.cta_fill.model_dump(exclude_none=True) if how.cta_fill else None,
        "logo": how.logo,
        "safe_area": list(how.safe_area),
        "boxes": [b.model_dump(mode="json") for b in how.boxes],  # where text and logo went (canvas fractions)
    }
