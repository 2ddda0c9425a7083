"""Export: approved drafts composed at each channel's final size, with their history attached.

    >>> result = export_campaign("spring-citrus-launch", Path("out"), settings)   # doctest: +SKIP
    >>> result.manifest
    PosixPath('out/spring-citrus-launch/manifest.json')

For every approved draft (never another): the render is scaled to cover the channel's final size and
centre-cropped; the brief's headline and call to action are set in the brand's font inside their
layout boxes, in black or white, whichever reads better, with a soft scrim where neither reaches a
4.5:1 contrast (WCAG AA); the logo file is placed in the layout's logo box, at least the brand's
minimum width. Each PNG carries an ``onbrand`` JSON chunk (prompt, seed, model, checks, approver);
the campaign gets ``manifest.json`` and a zip of everything.

A render smaller than its channel is enlarged by the configured upscaler first (``ONBRAND_UPSCALER``:
Lanczos by default, or a diffusers / ESRGAN model, see :mod:`pipeline.upscale`). Optionally each
asset then gets an invisible watermark and, last (it hashes the final bytes), a signed C2PA
manifest (see :mod:`pipeline.provenance`).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from pipeline.errors import UserError
from pipeline.models import Box, BrandProfile, DraftPlan
from pipeline.upscale import LANCZOS, Upscaler, enlarges, make_upscaler

if TYPE_CHECKING:
    from PIL import Image, ImageFont

    from pipeline.settings import Settings

FALLBACK_KIT = Path(__file__).resolve().parent.parent / "data" / "brands" / "tidewell" / "brand-kit"
FALLBACK_FONT = FALLBACK_KIT / "fonts" / "Lato-Black.ttf"  # SIL Open Font License, shipped with onbrand
MIN_CONTRAST = 4.5
WEIGHTS = ("black", "heavy", "extrabold", "bold", "semibold", "medium", "regular", "")


class ExportedFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    draft_id: str
    channel: str
    path: str
    width: int
    height: int
    sha256: str
    approver: str
    text_contrast: dict[str, float] = Field(default_factory=dict)  # box role -> contrast ratio achieved
    upscaler: str = "lanczos"  # what enlarged the render ("lanczos" also when it was only shrunk)
    watermark: str | None = None  # the invisible watermark's payload, None when none was embedded
    c2pa: bool = False  # carries a signed C2PA manifest
    c2pa_self_signed: bool | None = None  # signed with onbrand's local certificate (untrusted elsewhere)
    notes: list[str] = Field(default_factory=list)


class ExportResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    campaign: str
    files: list[ExportedFile]
    manifest: Path
    zip: Path
    c2pa_trust_anchor: Path | None = None  # the local CA that signed, when the credentials are self-signed


# --- brand kit -------------------------------------------------------------------------------


def find_brand_kit(paths: list[Path]) -> Path | None:
    """A folder named ``brand-kit`` inside or beside the ingested guideline folders, if any."""
    for path in paths:
        folder = path if path.is_dir() else path.parent
        for candidate in (folder / "brand-kit", folder.parent / "brand-kit"):
            if candidate.is_dir():
                return candidate.resolve()
    return None


def find_font(kit: Path | None, families: list[str]) -> Path | None:
    """The heaviest font file of the brand's first font family in the kit (or any font there);
    None when the kit has no font file (the caller falls back to the bundled Lato Black)."""
    if kit is not None and kit.is_dir():
        files = sorted(p for p in kit.rglob("*") if p.suffix.lower() in (".ttf", ".otf"))
        for family in families:
            key = family.replace(" ", "").lower()
            matching = [p for p in files if p.stem.replace(" ", "").replace("_", "").lower().startswith(key)]
            for weight in WEIGHTS:
                for p in matching:
                    if p.stem.lower().endswith(weight):
                        return p
        if files:
            return files[0]
    return None


def find_logo(kit: Path | None) -> Path | None:
    if kit is None or not kit.is_dir():
        return None
    for pattern in ("logo.png", "logo*.png", "*logo*.png"):
        found = sorted(kit.rglob(pattern))
        if found:
            return found[0]
    return None


# --- composing ---------------------------------------------------------------------------------


def _luminance(rgb: Any) -> float:
    import numpy as np

    c = np.asarray(rgb, dtype=np.float64) / 255
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(0.2126 * c[..., 0] + 0.7152 * c[..., 1] + 0.0722 * c[..., 2])


def contrast(a: float, b: float) -> float:
    """WCAG contrast ratio of two relative luminances."""
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


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
    background = _luminance(region.reshape(-1, 3).mean(axis=0)) if region.size else 1.0
    colour, ratio = max(
        (
            ((20, 20, 20), contrast(_luminance((20, 20, 20)), background)),
            ((250, 250, 250), contrast(_luminance((250, 250, 250)), background)),
        ),
        key=lambda c: c[1],
    )
    if ratio < MIN_CONTRAST:
        scrim_colour = (255, 255, 255) if colour == (20, 20, 20) else (0, 0, 0)
        overlay = PILImage.new("RGBA", image.size, (0, 0, 0, 0))
        ImageDraw.Draw(overlay).rounded_rectangle((x0, y0, x1, y1), radius=pad, fill=(*scrim_colour, 150))
        image.paste(PILImage.alpha_composite(image.convert("RGBA"), overlay).convert("RGB"))
        region = np.asarray(image.crop((x0, y0, x1, y1)).convert("RGB"), dtype=np.float64)
        background = _luminance(region.reshape(-1, 3).mean(axis=0))
        ratio = contrast(_luminance(colour), background)
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


# --- the campaign ------------------------------------------------------------------------------


def export_campaign(
    campaign: str,
    out: Path,
    settings: Settings,
    kit: Path | None = None,
    *,
    upscaler: Upscaler | None = None,
    c2pa: bool | None = None,
    watermark: bool | None = None,
) -> ExportResult:
    """Compose and write every approved draft of ``campaign`` under ``out/<campaign>/``.

    ``upscaler``, ``c2pa`` and ``watermark`` override the settings of the same names."""
    from PIL import Image as PILImage
    from PIL.PngImagePlugin import PngInfo

    from pipeline.brand_store import ProfileStore
    from pipeline.briefs import load_channels
    from pipeline.drafting import safe_name
    from pipeline.review_store import ReviewStore

    store = ReviewStore.from_settings(settings)
    records = [r for r in store.list_drafts(campaign=campaign) if r.status in ("approved", "exported")]
    if not records:
        known = ", ".join(store.campaigns()) or "none yet"
        raise UserError(
            f"campaign '{campaign}' has no approved drafts to export (campaigns: {known}); "
            "approve some with: onbrand review approve ID --by NAME"
        )
    channels = load_channels()
    # Every setting is checked before anything is written.
    if upscaler is None:
        upscaler = make_upscaler(settings.upscaler, device=settings.device, steps=settings.upscaler_steps)
    signer = None
    sign = settings.c2pa if c2pa is None else c2pa
    if sign:
        from pipeline.provenance import C2paSigner, c2pa_credentials, require_c2pa

        require_c2pa()
        signer = C2paSigner(c2pa_credentials(settings), settings.c2pa_tsa_url)
    mark = settings.watermark if watermark is None else watermark
    if mark:
        from pipeline.provenance import embed_watermark, require_watermark, watermark_payload

        require_watermark()
    folder = out / safe_name(campaign)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{out}: cannot write the export there ({exc.strerror}); pick another --out") from exc
    files: list[ExportedFile] = []
    profiles: dict[str, BrandProfile] = {}
    for record in records:
        stored = store.raw(record.id)
        plan = DraftPlan.model_validate(stored["plan"])
        profile = profiles.setdefault(plan.brand, ProfileStore(settings).profile(plan.brand))
        channel = channels[plan.channel]
        with PILImage.open(record.image) as render:
            enlarged = enlarges(render.size, channel.width, channel.height)
            image, ratios, notes = compose(
                render,
                plan,
                channel.width,
                channel.height,
                plan.headline,
                plan.cta,
                profile,
                kit if kit is not None else (Path(profile.brand_kit) if profile.brand_kit else None),
                upscaler,
            )
        used = upscaler.name if enlarged else LANCZOS
        if used != LANCZOS:
            notes.append(f"enlarged with {used} before the final resize")
        payload = None
        if mark:
            marked = embed_watermark(image, watermark_payload(record.id))
            if marked is None:
                notes.append("no invisible watermark: the image is too small or too flat/saturated to carry it")
            else:
                image, payload = marked, watermark_payload(record.id)
        approver = next((h["reviewer"] for h in reversed(store.history(record.id)) if h["action"] == "approve"), "")
        meta = {
            "draft_id": record.id,
            "campaign": campaign,
            "channel": plan.channel,
            "prompt": plan.prompt,
            "negative_prompt": plan.negative_prompt,
            "seed": plan.seed,
            "model": str((stored["draft"] or {}).get("model", "")),
            "checks": [{k: c.get(k) for k in ("name", "status", "score")} for c in record.checks],
            "approver": approver,
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "upscaler": used,
            "watermark": payload,
        }
        info = PngInfo()
        info.add_text("onbrand", json.dumps(meta))
        info.add_text("Description", plan.prompt)
        path = folder / safe_name(plan.channel) / f"{safe_name(record.id)}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.png")
        image.save(tmp, pnginfo=info)
        if signer is not None:  # last: the manifest hashes the finished file
            try:
                signer.sign(tmp, meta, title=path.name)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        tmp.replace(path)
        files.append(
            ExportedFile(
                draft_id=record.id,
                channel=plan.channel,
                path=str(path),
                width=image.width,
                height=image.height,
                sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                approver=approver,
                text_contrast=ratios,
                upscaler=used,
                watermark=payload,
                c2pa=signer is not None,
                c2pa_self_signed=signer.credentials.self_signed if signer is not None else None,
                notes=notes,
            )
        )
    manifest = folder / "manifest.json"
    provenance = None
    if signer is not None:
        anchor = signer.credentials.trust_anchor
        provenance = {
            "self_signed": signer.credentials.self_signed,
            # file names only: the manifest travels in the zip, local paths stay local
            "certificate_chain": signer.credentials.chain.name,
            "trust_anchor": anchor.name if anchor is not None else None,  # add it to a validator's trust list
        }
    manifest.write_text(
        json.dumps({"campaign": campaign, "c2pa": provenance, "files": [f.model_dump() for f in files]}, indent=2)
        + "\n",
        encoding="utf-8",
    )
    archive = out / f"{safe_name(campaign)}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for f in files:
            z.write(f.path, Path(f.path).relative_to(out))
        z.write(manifest, manifest.relative_to(out))
    store.mark_exported([f.draft_id for f in files])
    return ExportResult(
        campaign=campaign,
        files=files,
        manifest=manifest,
        zip=archive,
        c2pa_trust_anchor=signer.credentials.trust_anchor if signer is not None else None,
    )
