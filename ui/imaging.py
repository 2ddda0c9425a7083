"""Pictures for the review UI: gallery thumbnails and the layout overlay (plain PIL, no Streamlit).

    >>> png = thumbnail_png("drafts/spring/1af43d4a.png", 320)         # doctest: +SKIP
    >>> png = overlay_png("drafts/spring/1af43d4a.png", plan.layout)    # boxes drawn over the render

Drafts from the bundled model are 128 px, and channels differ in shape; the gallery shows each in
the same square frame so that a grid of dozens reads at a glance (as in InvokeAI's gallery).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

    from pipeline.models import Layout

FRAME = (241, 243, 247)  # the gallery's light grey behind letterboxed drafts
# Overlay colours per layout role: distinct from each other and from most renders.
ROLE_COLOURS: dict[str, tuple[int, int, int]] = {
    "product": (34, 197, 94),
    "headline": (59, 130, 246),
    "logo": (245, 158, 11),
    "cta": (236, 72, 153),
    "free": (148, 163, 184),
}


def _open(path: str | Path) -> Image.Image:
    from PIL import Image

    with Image.open(path) as image:
        return image.convert("RGB")


def enlarge(image: Image.Image, longest: int) -> Image.Image:
    """Scale so the longest side is ``longest`` px (small drafts are enlarged, smoothly)."""
    from PIL import Image as PILImage

    scale = longest / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, PILImage.Resampling.LANCZOS)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def thumbnail_png(path: str | Path, size: int = 320) -> bytes:
    """The draft centred in a ``size`` x ``size`` light frame (PNG bytes)."""
    from PIL import Image

    picture = enlarge(_open(path), size)
    frame = Image.new("RGB", (size, size), FRAME)
    frame.paste(picture, ((size - picture.width) // 2, (size - picture.height) // 2))
    return _png(frame)


def view_png(path: str | Path, longest: int = 640) -> bytes:
    """The draft enlarged for the detail view (PNG bytes)."""
    return _png(enlarge(_open(path), longest))


def overlay_png(path: str | Path, layout: Layout, longest: int = 640) -> bytes:
    """The draft with its layout boxes drawn over it: a tinted fill, an outline and the role's name."""
    from PIL import Image, ImageDraw

    base = enlarge(_open(path), longest).convert("RGBA")
    tint = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(tint)
    w, h = base.size
    stroke = max(2, round(min(w, h) / 160))
    for box in layout.boxes:
        colour = ROLE_COLOURS.get(box.role, (255, 255, 255))
        rect = (box.x0 * w, box.y0 * h, box.x1 * w - 1, box.y1 * h - 1)
        draw.rectangle(rect, fill=(*colour, 46), outline=(*colour, 255), width=stroke)
        label = box.role.upper()
        tx, ty = rect[0] + stroke + 3, rect[1] + stroke + 2
        text_box = draw.textbbox((tx, ty), label, font_size=max(11, round(min(w, h) / 40)))
        draw.rectangle((text_box[0] - 3, text_box[1] - 2, text_box[2] + 3, text_box[3] + 2), fill=(*colour, 230))
        draw.text((tx, ty), label, fill=(255, 255, 255, 255), font_size=max(11, round(min(w, h) / 40)))
    return _png(Image.alpha_composite(base, tint).convert("RGB"))


def condition_png(condition: str | None, layout: Layout, width: int, height: int, longest: int = 320) -> bytes:
    """The ControlNet condition the draft was rendered from: the stored file, or drawn again from
    the plan's layout when the file is gone (it is derived data)."""
    if condition and Path(condition).is_file():
        return _png(enlarge(_open(condition), longest))
    from pipeline.campaign.conditions import draw_box_map

    return _png(enlarge(draw_box_map(layout, width, height), longest))
