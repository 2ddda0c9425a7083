"""Colour science the gate and the evals share: sRGB -> CIELAB, CIEDE2000, dominant colours.

>>> round(float(delta_e_2000(to_lab([255, 0, 0]), to_lab([250, 5, 5]))), 1)
1.6
"""

from __future__ import annotations

from typing import Any

import numpy as np

_M = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
_WHITE = np.array([0.95047, 1.0, 1.08883])


def to_lab(rgb: Any) -> np.ndarray:
    """sRGB (0..255, any shape ... x 3) to CIELAB (D65)."""
    c = np.asarray(rgb, dtype=np.float64) / 255
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    xyz = c @ _M.T / _WHITE
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def hex_to_rgb(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def chroma(lab: np.ndarray) -> np.ndarray:
    return np.hypot(lab[..., 1], lab[..., 2])


def delta_e_2000(lab1: Any, lab2: Any) -> np.ndarray:
    """CIEDE2000 colour difference (Sharma, Wu and Dalal 2005), broadcasting over leading axes."""
    lab1, lab2 = np.asarray(lab1, dtype=np.float64), np.asarray(lab2, dtype=np.float64)
    L1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    L2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean**7 / (c_mean**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dl = L2 - L1
    dc = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0, dh)
    dH = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    l_mean = (L1 + L2) / 2
    cp_mean = (c1p + c2p) / 2
    h_sum = h1p + h2p
    hp_mean = np.where(
        c1p * c2p == 0,
        h_sum,
        np.where(np.abs(h1p - h2p) <= 180, h_sum / 2, np.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2)),
    )
    t = (
        1
        - 0.17 * np.cos(np.radians(hp_mean - 30))
        + 0.24 * np.cos(np.radians(2 * hp_mean))
        + 0.32 * np.cos(np.radians(3 * hp_mean + 6))
        - 0.20 * np.cos(np.radians(4 * hp_mean - 63))
    )
    d_theta = 30 * np.exp(-(((hp_mean - 275) / 25) ** 2))
    rc = 2 * np.sqrt(cp_mean**7 / (cp_mean**7 + 25.0**7))
    sl = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    sc = 1 + 0.045 * cp_mean
    sh = 1 + 0.015 * cp_mean * t
    rt = -np.sin(np.radians(2 * d_theta)) * rc
    return np.sqrt((dl / sl) ** 2 + (dc / sc) ** 2 + (dH / sh) ** 2 + rt * (dc / sc) * (dH / sh))


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


def lab_to_hex(lab: np.ndarray) -> str:
    """The nearest sRGB colour of a CIELAB value, as #RRGGBB (for swatches and reasons)."""
    L, a, b = (float(v) for v in lab)
    fy = (L + 16) / 116
    fx, fz = fy + a / 500, fy - b / 200
    xyz = np.array([f**3 if f**3 > 216 / 24389 else (116 * f - 16) / (24389 / 27) for f in (fx, fy, fz)]) * _WHITE
    rgb = np.linalg.solve(_M, xyz)
    rgb = np.where(rgb > 0.0031308, 1.055 * np.clip(rgb, 0, None) ** (1 / 2.4) - 0.055, 12.92 * rgb)
    r, g, bl = (round(v) for v in np.clip(rgb * 255, 0, 255))
    return f"#{r:02X}{g:02X}{bl:02X}"


def basic_colour_name(hex_value: str) -> str:
    """The nearest of the twelve plain colour words the draft model was trained on (CIELAB distance),
    e.g. a brand's "#0F7C8C" -> "teal". Plain words are what diffusion prompts understand.

    >>> basic_colour_name("#0F7C8C")
    'teal'
    """
    from pipeline.scenes import COLOURS

    names = list(COLOURS)
    reference = to_lab(np.array(list(COLOURS.values()), dtype=np.float64))
    distances = np.linalg.norm(reference - to_lab(np.array(hex_to_rgb(hex_value), dtype=np.float64)), axis=1)
    return names[int(np.argmin(distances))]
