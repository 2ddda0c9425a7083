"""An approved draft in a real review store and brand store, ready for ``export_campaign``."""

from __future__ import annotations

from PIL import Image, ImageDraw

from pipeline.brand.store import ProfileStore
from pipeline.campaign.layouts import make_layout
from pipeline.export.kit import FALLBACK_KIT
from pipeline.models import BrandFont, BrandProfile, Check, Decision, Draft, DraftPlan, EvalReport
from pipeline.review.store import ReviewStore
from pipeline.settings import Settings
from tests.actors import reviewer

CAMPAIGN = "spring"


def approved_draft(
    settings: Settings,
    channel: str = "web_banner",
    render_size: tuple[int, int] = (160, 64),
    index: int = 1,
    approver: str = "maya",
) -> str:
    """Render a textured stand-in image, store it as a draft of ``CAMPAIGN`` and approve it; returns its id."""
    width, height = render_size
    renders = settings.home / "renders"
    renders.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", render_size, (40, 150, 140))
    draw = ImageDraw.Draw(image)
    for i in range(0, width, 8):  # stripes and a disc: something for an upscaler and a watermark to work on
        draw.line((i, 0, i + height, height), fill=(220, 200, 60), width=2)
    draw.ellipse((width // 4, height // 4, 3 * width // 4, 3 * height // 4), fill=(240, 240, 230))
    path = renders / f"{channel}-{index}.png"
    image.save(path)
    plan = DraftPlan(
        id=f"{CAMPAIGN}-{channel}-{index}",
        campaign=CAMPAIGN,
        brand="Tidewell",
        channel=channel,
        width=width,
        height=height,
        prompt="a teal can of sparkling water on a sunny beach",
        seed=7,
        layout=make_layout("thirds_left", width / height),
        headline="Bright citrus",
        cta="Find a stockist",
    )
    draft = Draft(plan=plan, image_path=str(path), model="bundled", steps=2, seconds=0.1, image_sha256="ab" * 32)
    report = EvalReport(
        draft_id=plan.id, checks=[Check(name="palette", status="pass", reason="on palette")], verdict="review"
    )
    store = ReviewStore.from_settings(settings)
    store.add_draft(draft, report)
    store.decide(Decision(draft_id=plan.id, action="approve", reviewer=approver), actor=reviewer(approver))
    profiles = ProfileStore(settings)
    if profiles.load_extracted("Tidewell") is None:
        profiles.save_extracted(
            BrandProfile(name="Tidewell", fonts=[BrandFont(family="Lato")], brand_kit=str(FALLBACK_KIT))
        )
    return plan.id
