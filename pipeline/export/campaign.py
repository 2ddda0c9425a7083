"""Export: approved drafts composed at each channel's final size, with their history attached.

    >>> result = export_campaign("spring-citrus-launch", Path("out"), settings)   # doctest: +SKIP
    >>> result.manifest
    PosixPath('out/spring-citrus-launch/manifest.json')

For every approved draft (never another): the render is scaled to cover the channel's final size and
centre-cropped; the brief's headline and call to action are set in the brand's font, in the colours
and form the guidelines give them (see :mod:`pipeline.export.compose`), inside the channel's safe
area; the kit's logo is placed in the layout's logo box, at least the brand's minimum width. With no
logo file in the kit the export stops before writing anything unless ``without_logo`` is given
(:func:`export_warnings` says so beforehand). Each PNG carries an ``onbrand`` JSON chunk (prompt,
seed, model, checks, approver, colours); the campaign gets ``manifest.json`` (which also records each
colour choice and its reason) and a zip of everything. Exporting needs the reviewer role.

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
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from pipeline.errors import UserError
from pipeline.export.compose import compose, describe
from pipeline.export.kit import find_logo
from pipeline.export.upscalers import LANCZOS, Upscaler, enlarges, make_upscaler
from pipeline.models import Actor, BrandProfile, ColourChoice, StoredDraft

if TYPE_CHECKING:
    from pipeline.settings import Settings


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
    text_colour: dict[str, ColourChoice] = Field(default_factory=dict)  # box role -> colour, with the reason
    cta_form: str | None = None  # "button" or "text", as the guidelines say; None: no call to action
    cta_fill: ColourChoice | None = None  # the button's colour, with the reason
    logo: str | None = None  # the kit's logo file placed; None: no logo
    safe_area: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # the channel's insets kept clear
    notes: list[str] = Field(default_factory=list)


class ExportResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    campaign: str
    files: list[ExportedFile]
    manifest: Path
    zip: Path
    c2pa_trust_anchor: Path | None = None  # the local CA that signed, when the credentials are self-signed


class NoLogo(UserError):
    """The brand kit has no logo file: the export stops before writing, unless told to go on without."""


def _approved(campaign: str, settings: Settings) -> list[StoredDraft]:
    from pipeline.review.store import ReviewStore

    store = ReviewStore.from_settings(settings)
    records = [r for r in store.list_drafts(campaign=campaign) if r.status in ("approved", "exported")]
    if not records:
        known = ", ".join(store.campaigns()) or "none yet"
        raise UserError(
            f"campaign '{campaign}' has no approved drafts to export (campaigns: {known}); "
            "approve some with: onbrand review approve ID --by NAME"
        )
    return records


def _kit_of(profile: BrandProfile, kit: Path | None) -> Path | None:
    return kit if kit is not None else (Path(profile.brand_kit) if profile.brand_kit else None)


def export_warnings(campaign: str, settings: Settings, kit: Path | None = None) -> list[str]:
    """What to know before exporting ``campaign``, one line each (today: a brand kit with no logo).

    >>> export_warnings("spring-citrus-launch", settings)                 # doctest: +SKIP
    ["Tidewell's brand kit has no logo file: the assets would have no logo; ..."]
    """
    from pipeline.brand.store import ProfileStore
    from pipeline.review.store import ReviewStore

    store = ProfileStore(settings)
    review = ReviewStore.from_settings(settings)
    warnings: list[str] = []
    brands: set[str] = set()
    for record in _approved(campaign, settings):
        plan = review.detail(record.id).plan
        if plan.brand in brands or not plan.layout.boxes_with_role("logo"):
            continue
        brands.add(plan.brand)
        profile = store.profile(plan.brand)
        if find_logo(_kit_of(profile, kit)) is None:
            where = "no brand kit" if _kit_of(profile, kit) is None else "no logo file (logo.png) in its brand kit"
            warnings.append(
                f"{profile.name} has {where}: the assets would have no logo; add the kit (brand_kit: in the "
                "override file, or --kit) or export without the logo"
            )
    return warnings


def export_campaign(
    campaign: str,
    out: Path,
    settings: Settings,
    kit: Path | None = None,
    *,
    actor: Actor,
    upscaler: Upscaler | None = None,
    c2pa: bool | None = None,
    watermark: bool | None = None,
    without_logo: bool = False,
) -> ExportResult:
    """Compose and write every approved draft of ``campaign`` under ``out/<campaign>/``, as ``actor``
    (who needs the reviewer role). A brand kit with no logo stops the export before anything is
    written (:class:`NoLogo`) unless ``without_logo``.

    ``upscaler``, ``c2pa`` and ``watermark`` override the settings of the same names."""
    from PIL import Image as PILImage
    from PIL.PngImagePlugin import PngInfo

    from pipeline.brand.store import ProfileStore
    from pipeline.campaign.channels import load_channels
    from pipeline.review.store import ReviewStore
    from pipeline.slugs import safe_name

    actor.require("export")
    store = ReviewStore.from_settings(settings)
    records = _approved(campaign, settings)
    if not without_logo:
        missing = export_warnings(campaign, settings, kit)
        if missing:
            raise NoLogo(f"{missing[0]}; nothing was written (onbrand export --without-logo goes on without it)")
    channels = load_channels()
    # Every setting is checked before anything is written.
    if upscaler is None:
        upscaler = make_upscaler(settings.upscaler, device=settings.device, steps=settings.upscaler_steps)
    signer = None
    sign = settings.c2pa if c2pa is None else c2pa
    if sign:
        from pipeline.export.c2pa import C2paSigner, c2pa_credentials, require_c2pa

        require_c2pa()
        signer = C2paSigner(c2pa_credentials(settings), settings.c2pa_tsa_url)
    mark = settings.watermark if watermark is None else watermark
    if mark:
        from pipeline.export.watermark import embed_watermark, require_watermark, watermark_payload

        require_watermark()
    folder = out / safe_name(campaign)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{out}: cannot write the export there ({exc.strerror}); pick another --out") from exc
    files: list[ExportedFile] = []
    profiles: dict[str, BrandProfile] = {}
    for record in records:
        stored = store.detail(record.id)
        plan = stored.plan
        profile = profiles.setdefault(plan.brand, ProfileStore(settings).profile(plan.brand))
        channel = channels[plan.channel]
        with PILImage.open(record.image) as render:
            enlarged = enlarges(render.size, channel.width, channel.height)
            image, how = compose(render, plan, channel, profile, _kit_of(profile, kit), upscaler)
        notes = list(how.notes)
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
        approver = next((h.reviewer for h in reversed(store.history(record.id)) if h.action == "approve"), "")
        meta = {
            "draft_id": record.id,
            "campaign": campaign,
            "channel": plan.channel,
            "prompt": plan.prompt,
            "negative_prompt": plan.negative_prompt,
            "seed": plan.seed,
            "model": stored.draft.model if stored.draft else "",
            "checks": [{"name": c.name, "status": c.status, "score": c.score} for c in record.checks],
            "approver": approver,
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "upscaler": used,
            "watermark": payload,
            **describe(how),
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
                text_contrast=how.contrast,
                upscaler=used,
                watermark=payload,
                c2pa=signer is not None,
                c2pa_self_signed=signer.credentials.self_signed if signer is not None else None,
                text_colour=how.text,
                cta_form=how.cta_form,
                cta_fill=how.cta_fill,
                logo=how.logo,
                safe_area=how.safe_area,
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
        json.dumps(
            {"campaign": campaign, "c2pa": provenance, "files": [f.model_dump(mode="json") for f in files]}, indent=2
        )
        + "\n",
        encoding="utf-8",
    )
    archive = out / f"{safe_name(campaign)}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for f in files:
            z.write(f.path, Path(f.path).relative_to(out))
        z.write(manifest, manifest.relative_to(out))
    store.mark_exported([f.draft_id for f in files], actor)
    return ExportResult(
        campaign=campaign,
        files=files,
        manifest=manifest,
        zip=archive,
        c2pa_trust_anchor=signer.credentials.trust_anchor if signer is not None else None,
    )
