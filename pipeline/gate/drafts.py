"""The image gate over a campaign's rendered drafts."""

from __future__ import annotations

from pipeline.models import BrandProfile, Draft, EvalReport


def evaluate_drafts(
    drafts: list[Draft],
    profile: BrandProfile | None,
    others: dict[str, str] | None = None,
    clip_model: str | None = None,
) -> list[EvalReport]:
    """The eval gate on each draft; drafts of one campaign are checked against each other for
    duplicates. ``clip_model`` (``ONBRAND_CLIP_MODEL``) turns the prompt-alignment check on."""
    from PIL import Image

    from pipeline.gate.detectors import Detectors
    from pipeline.gate.image import ImageGate

    gate = ImageGate(brand=profile, detectors=Detectors(clip_model=clip_model))
    seen = dict(others or {})
    reports = []
    for draft in drafts:
        with Image.open(draft.image_path) as image:
            report = gate.evaluate(
                image.convert("RGB"),
                draft_id=draft.plan.id,
                prompt=draft.plan.prompt,
                layout=draft.plan.layout,
                others=seen,
            )
        duplicate = report.check("duplicate")
        if duplicate is not None and duplicate.data.get("fingerprint"):
            seen[draft.plan.id] = str(duplicate.data["fingerprint"])
        reports.append(report)
    return reports
