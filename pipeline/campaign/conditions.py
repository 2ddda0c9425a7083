"""ControlNet conditions: a layout drawn as a box/edge map or a segmentation map, or a reference
photo through a controlnet-aux detector.

    >>> draw_box_map(layout, 512, 512).save("condition.png")   # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.errors import UserError
from pipeline.models import Box, Layout

if TYPE_CHECKING:
    from PIL import Image


# Segmentation-style colours per role (distinct hues; "free" space is left black).
ROLE_COLOURS: dict[str, tuple[int, int, int]] = {
    "product": (230, 57, 70),
    "headline": (69, 123, 157),
    "logo": (241, 196, 15),
    "cta": (46, 204, 113),
    "free": (0, 0, 0),
}


def draw_box_map(layout: Layout, width: int, height: int, line: int | None = None) -> Image.Image:
    """White box outlines on black, the product drawn as a rounded pack silhouette: for a canny or
    scribble ControlNet. ``free`` boxes are not drawn."""
    from PIL import Image, ImageDraw

    _check_size(width, height)
    image = Image.new("RGB", (width, height), "black")
    draw = ImageDraw.Draw(image)
    stroke = line or max(2, round(min(width, height) / 128))
    for b in layout.boxes:
        if b.role == "free":
            continue
        rect = _pixels(b, width, height)
        if b.role == "product":
            radius = round(min(rect[2] - rect[0], rect[3] - rect[1]) * 0.18)
            draw.rounded_rectangle(rect, radius=radius, outline="white", width=stroke)
        else:
            draw.rectangle(rect, outline="white", width=stroke)
    return image


def draw_segmentation(layout: Layout, width: int, height: int) -> Image.Image:
    """Each role filled with its colour (``ROLE_COLOURS``): a segmentation-style ControlNet condition."""
    from PIL import Image, ImageDraw

    _check_size(width, height)
    image = Image.new("RGB", (width, height), ROLE_COLOURS["free"])
    draw = ImageDraw.Draw(image)
    order = {"free": 0, "product": 1, "cta": 2, "headline": 3, "logo": 4}
    for b in sorted(layout.boxes, key=lambda b: order[b.role]):
        draw.rectangle(_pixels(b, width, height), fill=ROLE_COLOURS[b.role])
    return image


def _pixels(b: Box, width: int, height: int) -> tuple[float, float, float, float]:
    """A box in pixels, inclusive; a box under a pixel wide is still one pixel (PIL refuses x1 < x0)."""
    x0, y0 = b.x0 * width, b.y0 * height
    return (x0, y0, max(x0, b.x1 * width - 1), max(y0, b.y1 * height - 1))


def _check_size(width: int, height: int) -> None:
    if width <= 0 or height <= 0 or width % 8 or height % 8:
        raise UserError(f"size {width}x{height} is not a positive multiple of 8; use e.g. 512x512 or 768x384")


OFFLINE_DETECTORS = ("canny", "lineart", "shuffle")
WEIGHTED_DETECTORS = {"hed": "HEDdetector", "depth": "MidasDetector", "openpose": "OpenposeDetector"}


def reference_condition(
    image: Image.Image, kind: str, width: int, height: int, annotators: str | None = None, seed: int = 0
) -> Image.Image:
    """A ControlNet condition from a reference image (a product photo, an old ad).

    Canny, Lineart and ContentShuffle run offline; HED, MiDaS depth and OpenPose need the
    ``lllyasviel/Annotators`` weights in a local folder (``annotators``).
    """
    import numpy as np
    from PIL import Image as PILImage

    _check_size(width, height)
    source = image.convert("RGB").resize((width, height), PILImage.Resampling.LANCZOS)
    resolution = min(width, height)
    if kind == "canny":
        from controlnet_aux import CannyDetector

        out = CannyDetector()(
            source,
            low_threshold=100,
            high_threshold=200,
            detect_resolution=resolution,
            image_resolution=resolution,
            output_type="pil",
        )
    elif kind == "lineart":
        from controlnet_aux import LineartStandardDetector

        out = LineartStandardDetector()(source, detect_resolution=resolution, output_type="pil")
    elif kind == "shuffle":
        from controlnet_aux import ContentShuffleDetector

        np.random.seed(seed)  # ContentShuffle draws its flow field from numpy's global generator
        out = ContentShuffleDetector()(
            source, h=height, w=width, detect_resolution=resolution, image_resolution=resolution, output_type="pil"
        )
    elif kind in WEIGHTED_DETECTORS:
        out = _weighted_condition(source, kind, annotators, resolution)
    else:
        known = ", ".join([*OFFLINE_DETECTORS, *WEIGHTED_DETECTORS])
        raise UserError(f"unknown control type '{kind}'; known control types: {known}")
    return out.convert("RGB").resize((width, height), PILImage.Resampling.BILINEAR)


def _weighted_condition(source: Image.Image, kind: str, annotators: str | None, resolution: int) -> Image.Image:
    from pathlib import Path

    import controlnet_aux

    if not annotators or not Path(annotators).is_dir():
        raise UserError(
            f"control type '{kind}' needs the lllyasviel/Annotators weights in a local folder; set "
            "ONBRAND_ANNOTATORS to that folder, or use canny, lineart or shuffle, which need no weights"
        )
    detector_cls = getattr(controlnet_aux, WEIGHTED_DETECTORS[kind])
    try:
        detector = detector_cls.from_pretrained(annotators, local_files_only=True)
    except ImportError as exc:
        raise UserError(
            f"control type '{kind}' needs the Python package '{exc.name}', which controlnet-aux does not install; "
            f"pip install {exc.name}, or use canny, lineart or shuffle"
        ) from exc
    except (OSError, ValueError) as exc:
        raise UserError(
            f"control type '{kind}': the annotator weights are missing from {annotators} ({exc.__class__.__name__}); "
            "download lllyasviel/Annotators there on a machine with a model hub"
        ) from exc
    result: Image.Image = detector(source, detect_resolution=resolution, image_resolution=resolution)
    return result
