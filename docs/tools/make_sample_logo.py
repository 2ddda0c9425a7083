"""Generate the sample Tidewell logo: ``data/brands/tidewell/brand-kit/logo.png``.

The logo is a horizontal lock-up of the wave mark (two rolling waves and three rising
bubbles, in Tidewell Teal) and the lower-case wordmark "tidewell" set in Lato Black (in
Deep Harbour), on a fully transparent 1024 x 512 RGBA canvas. As the visual identity
chapter says, the wave mark is 15% of the logo's width tall.

The wordmark font is read from the brand kit (``brand-kit/fonts/Lato-Black.ttf``). The
drawing is done at 4x and scaled down for smooth edges; the output is deterministic.

Usage:
    python docs/tools/make_sample_logo.py [OUTPUT.png]
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

REPO_ROOT = Path(__file__).resolve().parents[2]
BRAND_KIT = REPO_ROOT / "data" / "brands" / "tidewell" / "brand-kit"
DEFAULT_OUT = BRAND_KIT / "logo.png"
FONT_PATH = BRAND_KIT / "fonts" / "Lato-Black.ttf"

TIDEWELL_TEAL = (15, 124, 140, 255)  # #0F7C8C
DEEP_HARBOUR = (18, 48, 74, 255)  # #12304A

CANVAS = (1024, 512)
SCALE = 4  # supersampling factor
WORDMARK = "tidewell"
FONT_SIZE = 150  # at 1x
MARK_ASPECT = 1.45  # wave mark width / height
MARK_SHARE = 0.15  # wave mark height as a share of the logo width
GAP_SHARE = 0.22  # gap between mark and wordmark, as a share of the mark height


def _wave(draw: ImageDraw.ImageDraw, x0: float, x1: float, y: float, amp: float, width: int) -> None:
    """Draw one rolling wave (1.5 periods of a sine) as a round-capped stroke.

    The stroke is stamped as densely spaced discs, which gives a clean, even edge
    (Pillow's wide polylines leave hairline gaps at the joints).
    """
    steps = 1200
    r = width / 2
    for i in range(steps + 1):
        t = i / steps
        cx = x0 + (x1 - x0) * t
        cy = y - amp * math.sin(2 * math.pi * 1.5 * t)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=TIDEWELL_TEAL)


def _bubble(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=TIDEWELL_TEAL)


def build(out: Path) -> Path:
    if not FONT_PATH.is_file():
        raise SystemExit(f"missing brand font: {FONT_PATH}")
    s = SCALE
    font = ImageFont.truetype(str(FONT_PATH), FONT_SIZE * s)
    img = Image.new("RGBA", (CANVAS[0] * s, CANVAS[1] * s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)

    # Measure the wordmark and solve for the mark size: mark_h = MARK_SHARE * logo_w,
    # logo_w = mark_w + gap + text_w, mark_w = MARK_ASPECT * mark_h, gap = GAP_SHARE * mark_h.
    left, top, right, _bottom = draw.textbbox((0, 0), WORDMARK, font=font, anchor="ls")
    text_w = right - left
    logo_w = text_w / (1 - MARK_SHARE * (MARK_ASPECT + GAP_SHARE))
    mark_h = MARK_SHARE * logo_w
    mark_w = MARK_ASPECT * mark_h
    gap = GAP_SHARE * mark_h

    # Centre the lock-up; the wordmark baseline lines up with the bottom of the mark.
    x0 = (img.width - logo_w) / 2
    lockup_h = max(mark_h, -top)
    baseline = (img.height + lockup_h) / 2
    mark_top = baseline - mark_h

    stroke = round(0.13 * mark_h)
    pad = stroke / 2
    amp = 0.095 * mark_h
    _wave(draw, x0 + pad, x0 + mark_w - pad, mark_top + 0.55 * mark_h, amp, stroke)
    _wave(draw, x0 + pad, x0 + mark_w - pad, mark_top + 0.86 * mark_h, amp, stroke)
    _bubble(draw, x0 + 0.60 * mark_w, mark_top + 0.24 * mark_h, 0.080 * mark_h)
    _bubble(draw, x0 + 0.76 * mark_w, mark_top + 0.08 * mark_h, 0.058 * mark_h)
    _bubble(draw, x0 + 0.90 * mark_w, mark_top + 0.25 * mark_h, 0.042 * mark_h)

    draw.text((x0 + mark_w + gap - left, baseline), WORDMARK, font=font, fill=DEEP_HARBOUR, anchor="ls")

    logo = img.resize(CANVAS, Image.Resampling.LANCZOS)
    out.parent.mkdir(parents=True, exist_ok=True)
    logo.save(out, format="PNG", optimize=True)
    return out


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    path = build(out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
