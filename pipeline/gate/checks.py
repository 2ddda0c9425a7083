"""The image checks, one function each, in a registry.

    >>> register_check("logo_present", my_logo_check)   # doctest: +SKIP

A check takes the measured image and the gate's context (brand, policy, detectors, the campaign's
other drafts) and returns a :class:`Check` with a fixed name, a status (``pass``, ``warn``, ``fail``,
or ``skipped`` with the reason), a score and a one-line reason. The built-ins register here the way
a user's own check would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pipeline.colour import chroma, delta_e_2000, dominant_colours, hex_to_rgb, lab_to_hex, to_lab
from pipeline.gate.colours import asked_colours, background_colour, nearest_name, product_colour, product_pixels
from pipeline.gate.detectors import Detectors
from pipeline.gate.measure import Measured, box_slice, fingerprint_distance
from pipeline.models import BrandProfile, Check, GatePolicy

EXPOSED = {
    "FEMALE_GENITALIA_EXPOSED",
    "FEMALE_BREAST_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "BUTTOCKS_EXPOSED",
    "ANUS_EXPOSED",
}


@dataclass
class CheckContext:
    """What a check may read besides the image: the brand, its gate policy, the shared detectors, the
    people policy, and the fingerprints of the campaign's other drafts (for duplicates)."""

    brand: BrandProfile | None
    policy: GatePolicy
    detectors: Detectors
    people: str
    others: dict[str, str] = field(default_factory=dict)


CheckFn = Callable[[Measured, CheckContext], Check]
CHECKS: dict[str, CheckFn] = {}


def register_check(name: str, check: CheckFn) -> None:
    """Add (or replace) the image check called ``name``; :class:`ImageGate` runs it by name."""
    CHECKS[name] = check


def nsfw(m: Measured, ctx: CheckContext) -> Check:
    rgba = np.dstack([m.rgb, np.full(m.rgb.shape[:2], 255, dtype=np.uint8)])
    found = ctx.detectors.nudity().detect(rgba)
    exposed = [d for d in found if d.get("class") in EXPOSED]
    score = max((float(d["score"]) for d in exposed), default=0.0)
    p = ctx.policy
    classes = sorted({d["class"].lower().replace("_", " ") for d in exposed if d["score"] >= p.nsfw_warn})
    data = {
        "detections": [{"class": d["class"], "score": round(float(d["score"]), 3), "box": d["box"]} for d in exposed]
    }
    if score >= p.nsfw_fail:
        return Check(
            name="nsfw",
            status="fail",
            score=score,
            reason=f"nudity detected: {', '.join(classes)} ({score:.2f})",
            data=data,
        )
    if score >= p.nsfw_warn:
        return Check(
            name="nsfw",
            status="warn",
            score=score,
            reason=f"possible nudity: {', '.join(classes)} ({score:.2f})",
            data=data,
        )
    return Check(name="nsfw", status="pass", score=score, reason="no exposed nudity found", data=data)


def faces(m: Measured, ctx: CheckContext) -> Check:
    import cv2

    gray, scale = m.gray, 1.0
    if max(gray.shape) > 400:  # faces worth a release are large; 400 px finds them 2-3x faster
        scale = 400 / max(gray.shape)
        gray = cv2.resize(
            gray, (round(gray.shape[1] * scale), round(gray.shape[0] * scale)), interpolation=cv2.INTER_AREA
        )
    h, w = gray.shape
    side = max(20, int(0.06 * min(h, w)))
    found = ctx.detectors.faces().detectMultiScale(gray, scaleFactor=1.1, minNeighbors=6, minSize=(side, side))
    boxes = [[round(int(v) / scale) for v in f] for f in found] if len(found) else []
    n = len(boxes)
    data = {"boxes": boxes, "policy": ctx.people}
    if n == 0:
        return Check(name="faces", status="pass", score=0.0, reason="no faces", data=data)
    what = f"{n} face{'s' if n > 1 else ''}"
    if ctx.people == "forbidden":
        return Check(
            name="faces",
            status="fail",
            score=float(n),
            reason=f"{what}; the brand's rules never show people",
            data=data,
        )
    if ctx.people == "release_required":
        return Check(
            name="faces",
            status="warn",
            score=float(n),
            reason=f"{what}; a model release is needed before use",
            data=data,
        )
    return Check(name="faces", status="pass", score=float(n), reason=f"{what}; people are allowed", data=data)


def text_artifacts(m: Measured, ctx: CheckContext) -> Check:
    result = ctx.detectors.ocr()(m.rgb[:, :, ::-1])
    texts = list(result.txts or ())
    scores = [float(s) for s in (result.scores or ())]
    words = [
        (t, s)
        for t, s in zip(texts, scores, strict=False)
        if s >= ctx.policy.text_min_confidence and sum(ch.isalnum() for ch in t) >= 2
    ]
    if not words:
        return Check(name="text_artifacts", status="pass", score=0.0, reason="no letters baked into the image")
    shown = ", ".join(f"'{t}'" for t, _ in words[:3])
    letters = sum(sum(ch.isalnum() for ch in t) for t, _ in words)
    status = "fail" if letters >= 3 else "warn"
    return Check(
        name="text_artifacts",
        status=status,
        score=max(s for _, s in words),
        reason=f"text baked into the render: {shown}; text is added at export",
        data={"texts": [t for t, _ in words]},
    )


def palette(m: Measured, ctx: CheckContext) -> Check:
    palette = ctx.brand.accepted_colours() if ctx.brand is not None else []  # tints count as the brand's
    if not palette:
        return Check(name="palette", status="skipped", reason="the brand has no palette to compare with")
    p = ctx.policy
    brand_lab = to_lab(np.array([hex_to_rgb(c.hex) for c in palette], dtype=np.float64))
    forbidden = ctx.brand.forbidden_colors if ctx.brand is not None else []
    forbidden_lab = to_lab(np.array([hex_to_rgb(c.hex) for c in forbidden], dtype=np.float64)) if forbidden else None
    clusters = dominant_colours(m.lab_small[::2, ::2].reshape(-1, 3), k=6)  # ~2,300 pixels are plenty
    # The product is what the brief is about: its pixels count for at least palette_product_weight of
    # the image, so a white backdrop cannot outvote an off-palette product.
    product = product_pixels(m.lab_small, m.layout) if m.layout and m.layout.boxes_with_role("product") else None
    warnings: list[str] = []
    if product is not None and product.any():
        clusters = _weigh_product(m.lab_small, product, clusters, p.palette_product_weight)
        lab = np.median(m.lab_small[product], axis=0)
        box_fill = float(product.sum() / max(1, _box_area(m)))
        distances = delta_e_2000(brand_lab, lab[None, :])
        nearest = int(np.argmin(distances))
        if (
            box_fill >= 0.3
            and float(distances[nearest]) > p.palette_match_delta_e
            and float(chroma(lab)) >= p.neutral_chroma
        ):
            warnings.append(
                f"the product ({box_fill:.0%} of its box) is off-palette {lab_to_hex(lab)} "
                f"(nearest {palette[nearest].name}, dE {float(distances[nearest]):.0f})"
            )
    on_share = 0.0
    swatches: list[dict[str, Any]] = []
    problems: list[str] = []
    for centre, share in clusters:
        distances = delta_e_2000(brand_lab, centre[None, :])
        nearest = int(np.argmin(distances))
        de = float(distances[nearest])
        c = float(chroma(centre))
        neutral = c < p.neutral_chroma
        on = de <= p.palette_match_delta_e or neutral
        if on:
            on_share += share
        swatches.append(
            {
                "hex": lab_to_hex(centre),
                "share": round(share, 3),
                "nearest": palette[nearest].name,
                "delta_e": round(de, 1),
                "on_palette": bool(on),
            }
        )
        if forbidden_lab is not None and share >= 0.05:
            fd = delta_e_2000(forbidden_lab, centre[None, :])
            # a forbidden colour counts when it is close and nearer than any brand colour
            if float(fd.min()) <= min(10.0, de):
                problems.append(f"forbidden colour {forbidden[int(np.argmin(fd))].name} ({share:.0%} of the image)")
        if not on and share >= 0.15 and c >= 60:
            problems.append(
                f"off-palette saturated {lab_to_hex(centre)} covers {share:.0%} "
                f"(nearest {palette[nearest].name}, dE {de:.0f})"
            )
    data = {"swatches": swatches, "on_palette_share": round(on_share, 3)}
    if problems:
        return Check(name="palette", status="fail", score=on_share, reason="; ".join(problems), data=data)
    worst = max((s for s in swatches if not s["on_palette"]), key=lambda s: s["share"], default=None)
    tail = f"; largest off-palette colour {worst['hex']} ({worst['share']:.0%})" if worst else ""
    if on_share < p.palette_fail_below:
        return Check(
            name="palette",
            status="fail",
            score=on_share,
            reason=f"only {on_share:.0%} of the image is in brand colours{tail}",
            data=data,
        )
    if on_share < p.palette_warn_below or warnings:
        return Check(
            name="palette",
            status="warn",
            score=on_share,
            reason="; ".join([f"{on_share:.0%} of the image is in brand colours{tail}", *warnings]),
            data=data,
        )
    return Check(
        name="palette",
        status="pass",
        score=on_share,
        reason=f"{on_share:.0%} of the image is in brand colours or neutrals",
        data=data,
    )


def _box_area(m: Measured) -> int:
    h, w = m.lab_small.shape[:2]
    area = np.zeros((h, w), dtype=bool)
    for box in m.layout.boxes_with_role("product") if m.layout else []:
        ys, xs = box_slice(box, h, w)
        area[ys, xs] = True
    return int(area.sum())


def _weigh_product(
    lab: np.ndarray, product: np.ndarray, clusters: list[tuple[np.ndarray, float]], weight: float
) -> list[tuple[np.ndarray, float]]:
    """The clusters' shares with the product's pixels weighted up to ``weight`` of the image."""
    share = float(product.mean())
    if share <= 0 or share >= weight:
        return clusters
    pixels = lab.reshape(-1, 3)
    centres = np.array([c for c, _ in clusters])
    labels = np.argmin(((pixels[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
    weights = np.where(product.reshape(-1), weight / share, (1 - weight) / (1 - share))
    shares = np.bincount(labels, weights=weights, minlength=len(centres)) / weights.sum()
    return [(centres[i], float(shares[i])) for i in np.argsort(-shares) if shares[i] > 0]


def colour_match(m: Measured, ctx: CheckContext) -> Check:
    """The colours the prompt asked for, against what the draft shows: the product in its layout box and
    the background outside the boxes (CIEDE2000). A product that reads as another colour fails (the
    campaign re-plans it with a new seed); a background that does only warns."""
    if not m.prompt:
        return Check(name="colour_match", status="skipped", reason="no prompt given")
    asked = asked_colours(m.prompt, ctx.brand)
    if asked.product is None and asked.background is None:
        return Check(name="colour_match", status="skipped", reason="the prompt names no product or background colour")
    if m.layout is None or not m.layout.boxes_with_role("product"):
        return Check(name="colour_match", status="skipped", reason="no layout with a product box was given")
    tolerance = ctx.policy.colour_match_delta_e
    data: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []  # (status, reason)
    notes: list[str] = []
    score = 100.0
    if asked.product is not None:
        lab, fill = product_colour(m.lab_small, m.layout)
        if lab is None:
            problems.append(("warn", f"no product stands out in its box to check for {asked.product.words}"))
        else:
            de = float(delta_e_2000(np.array(asked.product.lab), lab))
            seen = nearest_name(lab)
            score = de
            data["product"] = {
                "asked": asked.product.words,
                "seen": seen,
                "hex": lab_to_hex(lab),
                "delta_e": round(de, 1),
                "fill": round(fill, 3),
            }
            if seen == asked.product.name or de <= tolerance / 2:
                notes.append(f"product {seen} as asked ({asked.product.words}, dE {de:.0f})")
            elif de <= tolerance:
                problems.append(
                    (
                        "warn",
                        f"product reads {seen} {lab_to_hex(lab)}, near the {asked.product.words} asked (dE {de:.0f})",
                    )
                )
            else:
                problems.append(
                    ("fail", f"product is {seen} {lab_to_hex(lab)}, not {asked.product.words} (dE {de:.0f})")
                )
    if asked.background is not None:
        lab = background_colour(m.lab_small, m.layout)
        de = float(delta_e_2000(np.array(asked.background.lab), lab))
        seen = nearest_name(lab)
        data["background"] = {
            "asked": asked.background.words,
            "seen": seen,
            "hex": lab_to_hex(lab),
            "delta_e": round(de, 1),
        }
        if seen == asked.background.name or de <= tolerance:
            notes.append(f"background {seen} as asked ({asked.background.words}, dE {de:.0f})")
        else:
            problems.append(
                ("warn", f"background is {seen} {lab_to_hex(lab)}, not {asked.background.words} (dE {de:.0f})")
            )
    if problems:
        status = "fail" if any(s == "fail" for s, _ in problems) else "warn"
        return Check(
            name="colour_match", status=status, score=score, reason="; ".join(r for _, r in problems), data=data
        )
    return Check(name="colour_match", status="pass", score=score, reason="; ".join(notes), data=data)


def layout(m: Measured, ctx: CheckContext) -> Check:
    boxes = m.layout.boxes_with_role("product") if m.layout is not None else []
    if not boxes:
        return Check(name="layout", status="skipped", reason="no layout with a product box was given")
    fg = m.foreground()
    h, w = fg.shape
    in_box = np.zeros_like(fg)
    for box in boxes:
        ys, xs = box_slice(box, h, w)
        in_box[ys, xs] = True
    total = int(fg.sum())
    if total < 0.01 * h * w:
        return Check(name="layout", status="fail", score=0.0, reason="no product stands out from the background")
    inside = float((fg & in_box).sum() / total)
    coverage = float((fg & in_box).sum() / max(1, in_box.sum()))
    yy, xx = np.nonzero(fg)
    cx, cy = float(xx.mean() / w), float(yy.mean() / h)
    centre_in = any(b.x0 <= cx <= b.x1 and b.y0 <= cy <= b.y1 for b in boxes)
    data = {"inside": round(inside, 3), "coverage": round(coverage, 3), "centre": [round(cx, 3), round(cy, 3)]}
    where = f"{inside:.0%} of the product inside its box, box {coverage:.0%} filled"
    p = ctx.policy
    if not centre_in or inside < p.layout_min_inside - 0.2:
        return Check(
            name="layout", status="fail", score=inside, reason=f"product outside its layout box: {where}", data=data
        )
    if inside < p.layout_min_inside or coverage < 0.2:
        return Check(
            name="layout",
            status="warn",
            score=inside,
            reason=f"product partly outside or small in its box: {where}",
            data=data,
        )
    return Check(name="layout", status="pass", score=inside, reason=where, data=data)


def negative_space(m: Measured, ctx: CheckContext) -> Check:
    boxes = [b for b in (m.layout.boxes if m.layout else []) if b.role in ("headline", "logo", "cta")]
    if not boxes:
        return Check(name="negative_space", status="skipped", reason="no layout with headline, logo or CTA boxes")
    import cv2

    h, w = m.gray.shape
    edges = cv2.Canny(cv2.GaussianBlur(m.gray, (3, 3), 0), 60, 160) > 0
    fg = m.foreground()
    fh, fw = fg.shape
    limit = ctx.policy.negative_space_max_edges
    worst = 0.0
    rows: list[dict[str, Any]] = []
    for box in boxes:
        ys, xs = box_slice(box, h, w)
        density = float(edges[ys, xs].mean())
        fys, fxs = box_slice(box, fh, fw)
        covered = float(fg[fys, fxs].mean()) if box.role != "logo" else 0.0
        busy = max(density / limit, covered / 0.25)
        rows.append({"role": box.role, "edge_density": round(density, 4), "product_overlap": round(covered, 3)})
        worst = max(worst, busy)
    data = {"boxes": rows}
    bad = max(rows, key=lambda r: max(r["edge_density"] / limit, r["product_overlap"] / 0.25))
    detail = (
        f"{bad['role']} box: {bad['edge_density']:.1%} edge pixels, {bad['product_overlap']:.0%} covered by the product"
    )
    score = max(0.0, 1.0 - worst / 2)
    if worst > 2.0:
        return Check(
            name="negative_space", status="fail", score=score, reason=f"too busy for text: {detail}", data=data
        )
    if worst > 1.0:
        return Check(
            name="negative_space", status="warn", score=score, reason=f"busy under the text: {detail}", data=data
        )
    return Check(
        name="negative_space", status="pass", score=score, reason=f"calm enough for text ({detail})", data=data
    )


def sharpness(m: Measured, ctx: CheckContext) -> Check:
    import cv2

    gray = m.gray.astype(np.float32)
    gx, gy = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    grad = np.hypot(gx, gy) / 4  # grey levels per pixel across an edge
    lap = np.abs(cv2.Laplacian(gray, cv2.CV_32F, ksize=1))
    if float(grad.max()) < 2.0:
        return Check(name="sharpness", status="warn", score=0.0, reason="no edges at all: a flat or empty render")
    strong = grad >= max(2.0, float(np.percentile(grad, 97)))
    # A crisp edge turns within a pixel, so at the strongest edges the Laplacian is about as large
    # as the gradient; blur spreads the edge and the ratio falls (sharp photos ~0.5-0.9, a 1 px
    # Gaussian blur ~0.2-0.35, 2 px ~0.1-0.18), whatever the edge's contrast.
    score = float(lap[strong].mean() / (grad[strong].mean() + 1e-6))
    p = ctx.policy
    data = {"edge_pixels": int(strong.sum())}
    if score < p.sharpness_fail_below:
        return Check(
            name="sharpness",
            status="fail",
            score=score,
            reason=f"blurred: edges are soft (sharpness {score:.2f})",
            data=data,
        )
    if score < p.sharpness_warn_below:
        return Check(
            name="sharpness", status="warn", score=score, reason=f"a little soft (sharpness {score:.2f})", data=data
        )
    return Check(name="sharpness", status="pass", score=score, reason=f"sharp (sharpness {score:.2f})", data=data)


def exposure(m: Measured, ctx: CheckContext) -> Check:
    y = m.gray
    high, low = float((y >= 250).mean()), float((y <= 5).mean())
    mean = float(y.mean())
    data = {"clipped_highlights": round(high, 3), "clipped_shadows": round(low, 3), "mean": round(mean, 1)}
    score = 1.0 - high - low
    if mean < 12 or mean > 248 or high + low > 0.9:
        return Check(
            name="exposure",
            status="fail",
            score=score,
            reason=f"blown out or black: mean {mean:.0f}/255, {high:.0%} clipped white, {low:.0%} black",
            data=data,
        )
    if max(high, low) > ctx.policy.exposure_clip_warn:
        side = "highlights" if high >= low else "shadows"
        return Check(
            name="exposure",
            status="warn",
            score=score,
            reason=f"{max(high, low):.0%} of the image has clipped {side}",
            data=data,
        )
    return Check(
        name="exposure",
        status="pass",
        score=score,
        reason=f"exposure fine ({high:.0%} clipped white, {low:.0%} black)",
        data=data,
    )


def duplicate(m: Measured, ctx: CheckContext) -> Check:
    """Against the campaign's other drafts: the same composition (pHash) in the same colours."""
    others = ctx.others
    own = {"fingerprint": m.fingerprint}
    if not others:
        return Check(name="duplicate", status="pass", score=64.0, reason="no other drafts to compare with", data=own)
    distances = {k: fingerprint_distance(m.fingerprint, v) for k, v in others.items()}
    nearest_id, (bits, colour) = min(distances.items(), key=lambda kv: (kv[1][0] + kv[1][1] / 4, kv[0]))
    data = {"nearest": nearest_id, "distance": bits, "colour_distance": round(colour, 1), **own}
    limit = ctx.policy.duplicate_max_distance
    if bits <= limit and colour <= 12:
        reason = f"near-duplicate of {nearest_id} ({bits} of 64 hash bits differ, colours dE {colour:.0f})"
        return Check(name="duplicate", status="fail", score=float(bits), reason=reason, data=data)
    if bits <= limit + 4 and colour <= 20:
        reason = f"very like {nearest_id} ({bits} of 64 hash bits differ, colours dE {colour:.0f})"
        return Check(name="duplicate", status="warn", score=float(bits), reason=reason, data=data)
    reason = f"distinct (nearest {nearest_id}: {bits} hash bits, colours dE {colour:.0f})"
    return Check(name="duplicate", status="pass", score=float(bits), reason=reason, data=data)


def prompt_alignment(m: Measured, ctx: CheckContext) -> Check:
    if not m.prompt:
        return Check(name="prompt_alignment", status="skipped", reason="no prompt given")
    try:
        loaded = ctx.detectors.clip()
    except OSError as exc:
        return Check(
            name="prompt_alignment",
            status="skipped",
            reason=f"CLIP weights not found locally: {str(exc).splitlines()[0][:160]}",
        )
    if loaded is None:
        return Check(
            name="prompt_alignment",
            status="skipped",
            reason="no CLIP weights available locally (set ONBRAND_CLIP_MODEL to a local CLIP folder)",
        )
    import torch

    model, processor = loaded
    inputs = processor(text=[m.prompt], images=m.image, return_tensors="pt", padding=True, truncation=True)
    with torch.no_grad():
        out = model(**inputs)
    cos = torch.nn.functional.cosine_similarity(out.image_embeds, out.text_embeds).item()
    score = 100 * max(cos, 0.0)  # CLIPScore as torchmetrics reports it
    if score < 22:
        return Check(
            name="prompt_alignment",
            status="warn",
            score=score,
            reason=f"weak match to the prompt (CLIPScore {score:.1f})",
        )
    return Check(
        name="prompt_alignment", status="pass", score=score, reason=f"matches the prompt (CLIPScore {score:.1f})"
    )


register_check("nsfw", nsfw)
register_check("faces", faces)
register_check("text_artifacts", text_artifacts)
register_check("palette", palette)
register_check("colour_match", colour_match)
register_check("layout", layout)
register_check("negative_space", negative_space)
register_check("sharpness", sharpness)
register_check("exposure", exposure)
register_check("duplicate", duplicate)
register_check("prompt_alignment", prompt_alignment)
