"""Composing a final asset: the render at the channel's size, headline, call to action and logo."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.colour import contrast, relative_luminance
from pipeline.export.kit import FALLBACK_FONT, find_font, find_logo
from pipeline.export.upscalers import Upscaler, enlarges
from pipeline.models import Box, BrandProfile, DraftPlan

if TYPE_CHECKING:
    from PIL import Image, ImageFont


MIN_CONTRAST = 4.5


def _px(box: Box, w: int, h: int) -> tuple[int, int, int, int]:
    return round(box.x0 * w), round(box.y0 * h), round(box.x1 * w), round(box.y1 * h)


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


def set_text(image: Image.Image, box: Box, text: str, font_path: Path) -> tuple[float, list[str]]:
    """Write ``text`` into ``box``: black or white by contrast, a scrim if neither reaches 4.5:1.
    Returns the contrast achieved and notes."""
    import numpy as np
    from PIL import Image as PILImage
    from PIL import ImageDraw

    notes: list[str] = []
    x0, y0, x1, y1 = _px(box, *image.size)
    pad = max(2, round(0.06 * (y1 - y0)))
    region = np.asarray(image.crop((x0, y0, x1, y1)).convert("RGB"), dtype=np.float64)
    background = relative_luminance(region.reshape(-1, 3).mean(axis=0)) if region.size else 1.0
    colour, ratio = max(
        (
            ((20, 20, 20), contrast(relative_luminance((20, 20, 20)), background)),
            ((250, 250, 250), contrast(relative_luminance((250, 250, 250)), background)),
        ),
        key=lambda c: c[1],
    )
    if ratio < MIN_CONTRAST:
        scrim_colour = (255, 255, 255) if colour == (20, 20, 20) else (0, 0, 0)
        overlay = PILImage.new("RGBA", image.size, (0, 0, 0, 0))
        ImageDraw.Draw(overlay).rounded_rectangle((x0, y0, x1, y1), radius=pad, fill=(*scrim_colour, 150))
        image.paste(PILImage.alpha_composite(image.convert("RGBA"), overlay).convert("RGB"))
        region = np.asarray(image.crop((x0, y0, x1, y1)).convert("RGB"), dtype=np.float64)
        background = relative_luminance(region.reshape(-1, 3).mean(axis=0))
        ratio = contrast(relative_luminance(colour), background)
        notes.append(f"{box.role}: a scrim was added for legibility")
    font, lines = _fit(text, font_path, max(1, x1 - x0 - 2 * pad), max(1, y1 - y0 - 2 * pad))
    draw = ImageDraw.Draw(image)
    size = font.size
    top = y0 + pad + (y1 - y0 - 2 * pad - len(lines) * size * 1.2) / 2
    for i, line in enumerate(lines):
        width = font.getlength(line)
        draw.text((x0 + (x1 - x0 - width) / 2, top + i * size * 1.2), line, font=font, fill=colour)
    if size < 12:
        notes.append(f"{box.role}: text set at {size} px, small for this box")
    return round(ratio, 2), notes


def place_logo(image: Image.Image, box: Box, logo_path: Path, min_width: int | None) -> list[str]:
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
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    at = (
        round(min(max(0, cx - logo.width / 2), image.width - logo.width)),
        round(min(max(0, cy - logo.height / 2), image.height - logo.height)),
    )
    image.paste(logo, at, logo)
    return notes


def compose(
    render: Image.Image,
    plan: DraftPlan,
    width: int,
    height: int,
    headline: str,
    cta: str,
    profile: BrandProfile,
    kit: Path | None,
    upscaler: Upscaler | None = None,
) -> tuple[Image.Image, dict[str, float], list[str]]:
    """The final asset of one draft at ``width`` x ``height``; ``upscaler`` enlarges a render smaller
    than that first (prompted and seeded with the plan's)."""
    from PIL import Image as PILImage

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
    ratios: dict[str, float] = {}
    notes: list[str] = [] if found else [f"no font file of {', '.join(families) or 'the brand'} in the kit: used Lato"]
    for role, text in (("headline", headline), ("cta", cta)):
        boxes = plan.layout.boxes_with_role(role)  # type: ignore[arg-type]
        if text.strip() and boxes:
            ratios[role], more = set_text(image, boxes[0], text.strip(), font)
            notes += more
    logo = find_logo(kit)
    logo_boxes = plan.layout.boxes_with_role("logo")
    if logo_boxes and logo is not None:
        notes += place_logo(image, logo_boxes[0], logo, profile.layout_rules.logo_min_width_px)
    elif logo_boxes:
        notes.append("no logo file in the brand kit: the logo box is left clear")
    return image, ratios, notes
