"""Colour science and contrast, in one place: sRGB <-> CIELAB and CIEDE2000 (scikit-image), dominant
colours, WCAG contrast, and the twelve plain colour words prompts use.

>>> round(float(delta_e_2000(to_lab([255, 0, 0]), to_lab([250, 5, 5]))), 1)
1.6
>>> round(contrast_ratio(hex_to_rgb("#12304A"), (255, 255, 255)), 1)
13.1
"""

from __future__ import annotations

from typing import Any

import numpy as np

# The plain colour words diffusion prompts understand (and the bundled draft model was trained on),
# with the sRGB value each stands for. Brand colours are named by the nearest of these in prompts.
BASIC_COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (204, 38, 38),
    "orange": (240, 128, 24),
    "yellow": (246, 212, 36),
    "green": (46, 150, 58),
    "teal": (18, 140, 140),
    "blue": (36, 84, 204),
    "purple": (122, 56, 172),
    "pink": (242, 136, 184),
    "brown": (118, 72, 36),
    "black": (22, 22, 24),
    "white": (242, 242, 240),
    "gray": (128, 128, 128),
}


def to_lab(rgb: Any) -> np.ndarray:
    """sRGB (0..255, any shape ... x 3) to CIELAB (D65, 2° observer)."""
    from skimage.color import rgb2lab

    return np.asarray(rgb2lab(np.asarray(rgb, dtype=np.float64) / 255.0), dtype=np.float64)


def lab_to_rgb(lab: Any) -> np.ndarray:
    """CIELAB to sRGB 0..255 (clipped to the gamut)."""
    from skimage.color import lab2rgb

    return np.clip(lab2rgb(np.asarray(lab, dtype=np.float64)) * 255.0, 0, 255)


def lab_to_hex(lab: np.ndarray) -> str:
    """The nearest sRGB colour of a CIELAB value, as #RRGGBB (for swatches and reasons)."""
    r, g, b = (round(float(v)) for v in lab_to_rgb(np.asarray(lab, dtype=np.float64).reshape(1, 3))[0])
    return f"#{r:02X}{g:02X}{b:02X}"


def hex_to_rgb(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def rgb_to_hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02X}{:02X}{:02X}".format(*(max(0, min(255, round(v))) for v in rgb))


def chroma(lab: np.ndarray) -> np.ndarray:
    return np.hypot(lab[..., 1], lab[..., 2])


def delta_e_2000(lab1: Any, lab2: Any) -> np.ndarray:
    """CIEDE2000 colour difference, broadcasting over leading axes."""
    from skimage.color import deltaE_ciede2000

    a, b = np.broadcast_arrays(np.asarray(lab1, dtype=np.float64), np.asarray(lab2, dtype=np.float64))
    return np.asarray(deltaE_ciede2000(a, b), dtype=np.float64)


def dominant_colours(
    lab: np.ndarray, k: int = 6, iterations: int = 12, seed: int = 0
) -> list[tuple[np.ndarray, float]]:
    """k-means in CIELAB on ``lab`` (N x 3): cluster centres with their share of pixels, largest first.

    Seeded k-means++ start, so the same image always gives the same answer."""
    points = np.asarray(lab, dtype=np.float64).reshape(-1, 3)
    rng = np.random.default_rng(seed)
    k = max(1, min(k, len(points)))
    centres = [points[rng.integers(len(points))]]
    for _ in range(1, k):
        d2 = np.min(((points[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
        if d2.sum() <= 1e-9:
            break
        centres.append(points[rng.choice(len(points), p=d2 / d2.sum())])
    c = np.array(centres)
    for _ in range(iterations):
        labels = np.argmin(((points[:, None, :] - c[None]) ** 2).sum(-1), axis=1)
        moved = np.array([points[labels == i].mean(axis=0) if np.any(labels == i) else c[i] for i in range(len(c))])
        if np.allclose(moved, c, atol=0.05):
            c = moved
            break
        c = moved
    labels = np.argmin(((points[:, None, :] - c[None]) ** 2).sum(-1), axis=1)
    shares = np.bincount(labels, minlength=len(c)) / len(points)
    order = np.argsort(-shares)
    return [(c[i], float(shares[i])) for i in order if shares[i] > 0]


def relative_luminance(rgb: Any) -> float:
    """WCAG relative luminance of an sRGB colour (0..255), with the sRGB standard's linearisation."""
    c = np.asarray(rgb, dtype=np.float64) / 255
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(0.2126 * c[..., 0] + 0.7152 * c[..., 1] + 0.0722 * c[..., 2])


def contrast(a: float, b: float) -> float:
    """WCAG contrast ratio of two relative luminances."""
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


def contrast_ratio(rgb1: Any, rgb2: Any) -> float:
    """WCAG contrast ratio of two sRGB colours (1 to 21; body text needs 4.5)."""
    return contrast(relative_luminance(rgb1), relative_luminance(rgb2))


def basic_colour_name(hex_value: str) -> str:
    """The nearest of the twelve plain colour words (CIELAB distance), e.g. a brand's "#0F7C8C" ->
    "teal". Plain words are what diffusion prompts understand.

    >>> basic_colour_name("#0F7C8C")
    'teal'
    """
    names = list(BASIC_COLOURS)
    reference = to_lab(np.array(list(BASIC_COLOURS.values()), dtype=np.float64))
    distances = np.linalg.norm(reference - to_lab(np.array(hex_to_rgb(hex_value), dtype=np.float64)), axis=1)
    return names[int(np.argmin(distances))]
