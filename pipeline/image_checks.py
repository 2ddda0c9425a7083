"""The eval gate's image checks and verdict: every draft is measured, and every verdict explained.

    >>> gate = ImageGate(brand=profile)                 # cheap: detectors load on first use
    >>> report = gate.evaluate(image, draft_id="d1", prompt="a teal can", layout=layout)
    >>> report.verdict, [(c.name, c.status) for c in report.checks]
    ('review', [('nsfw', 'pass'), ('faces', 'pass'), ('text_artifacts', 'pass'), ...])

Each check returns a :class:`Check` with a fixed name, a status (``pass``, ``warn``, ``fail``, or
``skipped`` with the reason), a score and a one-line reason. A check that crashes on an image marks
itself ``skipped`` with the error, and a skipped safety check keeps the draft in human review: the gate
never approves what it could not look at. The verdict comes from the brand's :class:`GatePolicy`.

Detectors (NudeNet, OpenCV's face cascade, RapidOCR, CLIP) load once per process and are shared.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from PIL import Image

from pipeline.colour import chroma, delta_e_2000, dominant_colours, hex_to_rgb, lab_to_hex, to_lab
from pipeline.errors import UserError
from pipeline.models import BrandProfile, Check, EvalReport, GatePolicy, Layout

CHECK_NAMES = (
    "nsfw",
    "faces",
    "text_artifacts",
    "palette",
    "layout",
    "negative_space",
    "sharpness",
    "exposure",
    "duplicate",
    "prompt_alignment",
)
SAFETY_CHECKS = ("nsfw", "faces")
ANALYSIS_SIDE = 1024  # larger images are measured at this long side (the verdict does not need more)
EXPOSED = {
    "FEMALE_GENITALIA_EXPOSED",
    "FEMALE_BREAST_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "BUTTOCKS_EXPOSED",
    "ANUS_EXPOSED",
}
# A rule against showing people makes any face fail; one against children does not (a face
# detector cannot tell an adult from a child), so those drafts get the release warning.
PEOPLE_SUBJECTS = re.compile(r"\b(people|persons?|humans?|faces?|models?|portraits?|men|women|man|woman)\b")


# --- input ---------------------------------------------------------------------------------------


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
    """64-bit DCT perceptual hash (pHash): near-identical images differ in a few bits."""
    from scipy.fft import dctn

    small = np.asarray(image.convert("L").resize((32, 32), Image.Resampling.LANCZOS), dtype=np.float64)
    coeffs = dctn(small, norm="ortho")[:8, :8].flatten()[1:]
    bits = coeffs > np.median(coeffs)
    return int("".join("1" if b else "0" for b in bits), 2)


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


# --- detectors (shared per process) --------------------------------------------------------------


class Detectors:
    """NudeNet, the face cascade, OCR and CLIP, each loaded on first use and kept for the process."""

    _lock = threading.Lock()
    _shared: ClassVar[dict[str, Any]] = {}

    def __init__(self, clip_model: str | None = None) -> None:
        self.clip_model = clip_model

    def _get(self, key: str, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key not in self._shared:
                self._shared[key] = build()
            return self._shared[key]

    def nudity(self) -> Any:
        def build() -> Any:
            from nudenet import NudeDetector

            return NudeDetector()

        return self._get("nudenet", build)

    def faces(self) -> Any:
        def build() -> Any:
            import cv2

            cascades = Path(cv2.data.haarcascades)  # type: ignore[attr-defined]
            return cv2.CascadeClassifier(str(cascades / "haarcascade_frontalface_default.xml"))

        return self._get("faces", build)

    def ocr(self) -> Any:
        def build() -> Any:
            import logging

            from rapidocr import RapidOCR

            engine = RapidOCR(params={"Global.log_level": "error", "Det.limit_side_len": 320, "Det.limit_type": "max"})
            logging.getLogger("RapidOCR").setLevel(logging.ERROR)
            return engine

        return self._get("ocr", build)

    def clip(self) -> tuple[Any, Any] | None:
        name = self.clip_model
        if not name:
            return None

        def build() -> tuple[Any, Any]:
            from transformers import CLIPModel, CLIPProcessor

            model = CLIPModel.from_pretrained(name, local_files_only=True).eval()
            return model, CLIPProcessor.from_pretrained(name, local_files_only=True)

        loaded: tuple[Any, Any] = self._get(f"clip:{name}", build)
        return loaded


# --- one image, measured -------------------------------------------------------------------------


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


def _box_slice(box: Any, h: int, w: int) -> tuple[slice, slice]:
    return (
        slice(int(box.y0 * h), max(int(box.y0 * h) + 1, round(box.y1 * h))),
        slice(int(box.x0 * w), max(int(box.x0 * w) + 1, round(box.x1 * w))),
    )


# --- the checks ----------------------------------------------------------------------------------


class ImageGate:
    """Runs the checks on drafts and turns them into a verdict with the brand's :class:`GatePolicy`."""

    def __init__(
        self,
        brand: BrandProfile | None = None,
        policy: GatePolicy | None = None,
        detectors: Detectors | None = None,
        checks: Iterable[str] = CHECK_NAMES,
    ) -> None:
        self.brand = brand
        self.policy = policy or (brand.gate if brand is not None else GatePolicy())
        self.detectors = detectors or Detectors()
        self.checks = [c for c in CHECK_NAMES if c in set(checks)]
        self.people = self.policy.people or _people_policy(brand)

    def evaluate(
        self,
        image: Image.Image,
        draft_id: str = "draft",
        prompt: str | None = None,
        layout: Layout | None = None,
        others: dict[str, str] | None = None,
    ) -> EvalReport:
        """Every check on one image; ``others`` maps the campaign's other drafts to their
        :func:`fingerprint` (the duplicate check's ``data["fingerprint"]``)."""
        m = Measured.of(image, layout, prompt)
        results = []
        for name in self.checks:
            try:
                check = self._duplicate(m, others or {}) if name == "duplicate" else getattr(self, f"_{name}")(m)
            except Exception as exc:
                check = Check(name=name, status="skipped", reason=f"check crashed: {type(exc).__name__}: {exc}"[:300])
            results.append(check)
        return decide(EvalReport(draft_id=draft_id, checks=results), self.policy)

    # safety --------------------------------------------------------------------------------------

    def _nsfw(self, m: Measured) -> Check:
        rgba = np.dstack([m.rgb, np.full(m.rgb.shape[:2], 255, dtype=np.uint8)])
        found = self.detectors.nudity().detect(rgba)
        exposed = [d for d in found if d.get("class") in EXPOSED]
        score = max((float(d["score"]) for d in exposed), default=0.0)
        p = self.policy
        classes = sorted({d["class"].lower().replace("_", " ") for d in exposed if d["score"] >= p.nsfw_warn})
        data = {
            "detections": [
                {"class": d["class"], "score": round(float(d["score"]), 3), "box": d["box"]} for d in exposed
            ]
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

    def _faces(self, m: Measured) -> Check:
        import cv2

        gray, scale = m.gray, 1.0
        if max(gray.shape) > 400:  # faces worth a release are large; 400 px finds them 2-3x faster
            scale = 400 / max(gray.shape)
            gray = cv2.resize(
                gray, (round(gray.shape[1] * scale), round(gray.shape[0] * scale)), interpolation=cv2.INTER_AREA
            )
        h, w = gray.shape
        side = max(20, int(0.06 * min(h, w)))
        found = self.detectors.faces().detectMultiScale(gray, scaleFactor=1.1, minNeighbors=6, minSize=(side, side))
        boxes = [[round(int(v) / scale) for v in f] for f in found] if len(found) else []
        n = len(boxes)
        data = {"boxes": boxes, "policy": self.people}
        if n == 0:
            return Check(name="faces", status="pass", score=0.0, reason="no faces", data=data)
        what = f"{n} face{'s' if n > 1 else ''}"
        if self.people == "forbidden":
            return Check(
                name="faces",
                status="fail",
                score=float(n),
                reason=f"{what}; the brand's rules never show people",
                data=data,
            )
        if self.people == "release_required":
            return Check(
                name="faces",
                status="warn",
                score=float(n),
                reason=f"{what}; a model release is needed before use",
                data=data,
            )
        return Check(name="faces", status="pass", score=float(n), reason=f"{what}; people are allowed", data=data)

    # content -------------------------------------------------------------------------------------

    def _text_artifacts(self, m: Measured) -> Check:
        result = self.detectors.ocr()(m.rgb[:, :, ::-1])
        texts = list(result.txts or ())
        scores = [float(s) for s in (result.scores or ())]
        words = [
            (t, s)
            for t, s in zip(texts, scores, strict=False)
            if s >= self.policy.text_min_confidence and sum(ch.isalnum() for ch in t) >= 2
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

    def _palette(self, m: Measured) -> Check:
        palette = self.brand.palette if self.brand is not None else []
        if not palette:
            return Check(name="palette", status="skipped", reason="the brand has no palette to compare with")
        p = self.policy
        brand_lab = to_lab(np.array([hex_to_rgb(c.hex) for c in palette], dtype=np.float64))
        forbidden = self.brand.forbidden_colors if self.brand is not None else []
        forbidden_lab = (
            to_lab(np.array([hex_to_rgb(c.hex) for c in forbidden], dtype=np.float64)) if forbidden else None
        )
        clusters = dominant_colours(m.lab_small[::2, ::2].reshape(-1, 3), k=6)  # ~2,300 pixels are plenty
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
        if on_share < p.palette_warn_below:
            return Check(
                name="palette",
                status="warn",
                score=on_share,
                reason=f"{on_share:.0%} of the image is in brand colours{tail}",
                data=data,
            )
        return Check(
            name="palette",
            status="pass",
            score=on_share,
            reason=f"{on_share:.0%} of the image is in brand colours or neutrals",
            data=data,
        )

    def _layout(self, m: Measured) -> Check:
        boxes = m.layout.boxes_with_role("product") if m.layout is not None else []
        if not boxes:
            return Check(name="layout", status="skipped", reason="no layout with a product box was given")
        fg = m.foreground()
        h, w = fg.shape
        in_box = np.zeros_like(fg)
        for box in boxes:
            ys, xs = _box_slice(box, h, w)
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
        p = self.policy
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

    def _negative_space(self, m: Measured) -> Check:
        boxes = [b for b in (m.layout.boxes if m.layout else []) if b.role in ("headline", "logo", "cta")]
        if not boxes:
            return Check(name="negative_space", status="skipped", reason="no layout with headline, logo or CTA boxes")
        import cv2

        h, w = m.gray.shape
        edges = cv2.Canny(cv2.GaussianBlur(m.gray, (3, 3), 0), 60, 160) > 0
        fg = m.foreground()
        fh, fw = fg.shape
        limit = self.policy.negative_space_max_edges
        worst = 0.0
        rows: list[dict[str, Any]] = []
        for box in boxes:
            ys, xs = _box_slice(box, h, w)
            density = float(edges[ys, xs].mean())
            fys, fxs = _box_slice(box, fh, fw)
            covered = float(fg[fys, fxs].mean()) if box.role != "logo" else 0.0
            busy = max(density / limit, covered / 0.25)
            rows.append({"role": box.role, "edge_density": round(density, 4), "product_overlap": round(covered, 3)})
            worst = max(worst, busy)
        data = {"boxes": rows}
        bad = max(rows, key=lambda r: max(r["edge_density"] / limit, r["product_overlap"] / 0.25))
        detail = (
            f"{bad['role']} box: {bad['edge_density']:.1%} edge pixels, "
            f"{bad['product_overlap']:.0%} covered by the product"
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

    # quality -------------------------------------------------------------------------------------

    def _sharpness(self, m: Measured) -> Check:
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
        p = self.policy
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

    def _exposure(self, m: Measured) -> Check:
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
        if max(high, low) > self.policy.exposure_clip_warn:
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

    def _duplicate(self, m: Measured, others: dict[str, str]) -> Check:
        """Against the campaign's other drafts: the same composition (pHash) in the same colours."""
        own = {"fingerprint": m.fingerprint}
        if not others:
            return Check(
                name="duplicate", status="pass", score=64.0, reason="no other drafts to compare with", data=own
            )
        distances = {k: fingerprint_distance(m.fingerprint, v) for k, v in others.items()}
        nearest_id, (bits, colour) = min(distances.items(), key=lambda kv: (kv[1][0] + kv[1][1] / 4, kv[0]))
        data = {"nearest": nearest_id, "distance": bits, "colour_distance": round(colour, 1), **own}
        limit = self.policy.duplicate_max_distance
        if bits <= limit and colour <= 12:
            reason = f"near-duplicate of {nearest_id} ({bits} of 64 hash bits differ, colours dE {colour:.0f})"
            return Check(name="duplicate", status="fail", score=float(bits), reason=reason, data=data)
        if bits <= limit + 4 and colour <= 20:
            reason = f"very like {nearest_id} ({bits} of 64 hash bits differ, colours dE {colour:.0f})"
            return Check(name="duplicate", status="warn", score=float(bits), reason=reason, data=data)
        reason = f"distinct (nearest {nearest_id}: {bits} hash bits, colours dE {colour:.0f})"
        return Check(name="duplicate", status="pass", score=float(bits), reason=reason, data=data)

    def _prompt_alignment(self, m: Measured) -> Check:
        if not m.prompt:
            return Check(name="prompt_alignment", status="skipped", reason="no prompt given")
        try:
            loaded = self.detectors.clip()
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


def _people_policy(brand: BrandProfile | None) -> str:
    """Faces fail where an imagery rule says never to show people; otherwise they need a release."""
    if brand is not None:
        from pipeline.prompt_gate import rule_subjects

        for rule in brand.imagery_rules:
            if any(PEOPLE_SUBJECTS.search(s.lower()) for s in rule_subjects(rule)):
                return "forbidden"
    return "release_required"


def decide(report: EvalReport, policy: GatePolicy) -> EvalReport:
    """The verdict: a failed safety check (or a check listed in ``reject_on``) rejects; otherwise the
    draft goes to review, unless the brand switched on ``auto_approve`` and every check passed."""
    reasons: list[str] = []
    rejecting = set(SAFETY_CHECKS) | set(policy.reject_on)
    for check in report.checks:
        if check.status == "fail" and check.name in rejecting:
            reasons.append(f"{check.name}: {check.reason}")
    if reasons:
        return report.model_copy(update={"verdict": "reject", "reasons": reasons})
    for check in report.checks:
        if check.status == "fail":
            reasons.append(f"{check.name} failed: {check.reason}")
        elif check.status == "warn":
            reasons.append(f"{check.name}: {check.reason}")
        elif check.status == "skipped" and check.name in SAFETY_CHECKS:
            reasons.append(f"{check.name} could not run ({check.reason}); a person must look")
    clean = not reasons
    if policy.auto_approve and clean:
        return report.model_copy(
            update={"verdict": "approve", "reasons": ["every check passed; the brand auto-approves"]}
        )
    if clean:
        reasons = ["every check passed; waiting for a person's approval"]
    return report.model_copy(update={"verdict": "review", "reasons": reasons})
