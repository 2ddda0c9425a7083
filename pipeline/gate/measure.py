"""One image, measured once for every check: analysis size, grey, CIELAB, the product mask, fingerprints."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from pipeline.colour import to_lab
from pipeline.errors import UserError
from pipeline.models import Layout

ANALYSIS_SIDE = 1024  # larger images are measured at this long side (the verdict does not need more)


def load_image(path: Path, max_megapixels: float = 40.0) -> Image.Image:
    """An RGB image from ``path``, or a one-line :class:`UserError` naming the file and the fix."""
    if not path.is_file():
        raise UserError(f"{path}: no such image file")
    try:
        with Image.open(path) as img:
            w, h = img.size
            if w * h > max_megapixels * 1_000_000:
                raise UserError(
                    f"{path}: {w}x{h} is {w * h / 1e6:.0f} megapixels, over the {max_megapixels:.0f} MP cap; "
                    "resize it first (or raise ONBRAND_MAX_IMAGE_MEGAPIXELS)"
                )
            img.load()
            return img.convert("RGB")
    except UserError:
        raise
    except Image.DecompressionBombError as exc:  # far over any cap: PIL refuses to even open it
        raise UserError(f"{path}: too large to open safely ({exc}); resize it first") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise UserError(f"{path}: not a readable image ({exc}); give a PNG, JPEG or WebP file") from exc


def perceptual_hash(image: Image.Image) -> int:
    """64-bit DCT perceptual hash (pHash, ``imagehash``): near-identical images differ in a few bits."""
    import imagehash

    return int(str(imagehash.phash(image.convert("L"))), 16)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def fingerprint(image: Image.Image) -> str:
    """pHash plus a 4x4 grid of mean CIELAB colours: "<16 hex digits>:<96 hex digits>".

    pHash sees only light and shade, so the same composition in another palette would look like a
    duplicate; the colour grid tells those drafts apart."""
    grid = to_lab(np.asarray(image.convert("RGB").resize((4, 4), Image.Resampling.BOX), dtype=np.float64))
    scaled = np.clip(np.round(np.stack([grid[..., 0] * 2.55, grid[..., 1] + 128, grid[..., 2] + 128], -1)), 0, 255)
    return f"{perceptual_hash(image):016x}:" + bytes(scaled.astype(np.uint8).flatten().tolist()).hex()


def fingerprint_distance(a: str, b: str) -> tuple[int, float]:
    """(differing pHash bits, mean CIELAB distance between the colour grids)."""
    ha, ca = a.split(":")
    hb, cb = b.split(":")
    ga = np.frombuffer(bytes.fromhex(ca), dtype=np.uint8).astype(np.float64).reshape(-1, 3)
    gb = np.frombuffer(bytes.fromhex(cb), dtype=np.uint8).astype(np.float64).reshape(-1, 3)
    scale = np.array([1 / 2.55, 1.0, 1.0])
    colour = float(np.linalg.norm((ga - gb) * scale, axis=1).mean())
    return hamming(int(ha, 16), int(hb, 16)), colour


@dataclass
class Measured:
    """What the checks share: the image at analysis size, in RGB, grey and CIELAB."""

    image: Image.Image
    rgb: np.ndarray
    gray: np.ndarray
    lab_small: np.ndarray  # 96 px CIELAB, for colour statistics
    fingerprint: str
    layout: Layout | None = None
    prompt: str | None = None
    _foreground: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def of(cls, image: Image.Image, layout: Layout | None, prompt: str | None) -> Measured:
        image = image.convert("RGB")
        if max(image.size) > ANALYSIS_SIDE:
            scale = ANALYSIS_SIDE / max(image.size)
            image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
        rgb = np.asarray(image, dtype=np.uint8)
        gray = np.asarray(image.convert("L"), dtype=np.uint8)
        scale = 96 / max(image.size)
        small = image.resize(
            (max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.Resampling.BOX
        )
        return cls(image, rgb, gray, to_lab(np.asarray(small, dtype=np.float64)), fingerprint(image), layout, prompt)

    def foreground(self) -> np.ndarray:
        """Pixels that stand out from their row's background, at the small size: the product, whatever
        the background's gradient or horizon. Each row's background is read from the left and right
        edges of the canvas (a product rarely touches both), smoothed over neighbouring rows."""
        if self._foreground is None:
            lab = self.lab_small
            h, w, _ = lab.shape
            edge = max(1, round(0.05 * w))
            sides = np.concatenate([lab[:, :edge], lab[:, -edge:]], axis=1)
            rows = np.median(sides, axis=1)
            k = max(1, h // 24)
            padded = np.pad(rows, ((k, k), (0, 0)), mode="edge")
            rows = np.stack([np.median(padded[y : y + 2 * k + 1], axis=0) for y in range(h)])
            self._foreground = np.linalg.norm(lab - rows[:, None, :], axis=-1) > 16.0
        return self._foreground


def box_slice(box: Any, h: int, w: int) -> tuple[slice, slice]:
    return (
        slice(int(box.y0 * h), max(int(box.y0 * h) + 1, round(box.y1 * h))),
        slice(int(box.x0 * w), max(int(box.x0 * w) + 1, round(box.x1 * w))),
    )
