"""The gate over a campaign's drafts, as the campaign and revision flows call it: the settings' CLIP
model reaches the prompt_alignment check (issue 18: campaign runs used to skip it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from pipeline.models import BrandProfile, Draft
from tests.pipeline.plan_factory import a_plan

pytestmark = pytest.mark.integration


def a_draft(tmp_path: Path) -> Draft:
    image = tmp_path / "d.png"
    Image.new("RGB", (128, 128), (240, 240, 240)).save(image)
    return Draft(plan=a_plan(), image_path=str(image), model="bundled", steps=2, seconds=0.1)


def test_the_campaign_flows_gate_uses_the_settings_clip_model(tmp_path: Path) -> None:
    from flows.campaign import evaluate_task
    from pipeline.settings import load_settings

    draft, profile = a_draft(tmp_path), BrandProfile(name="Acme")
    missing = str(tmp_path / "no-clip-here")
    with_clip = evaluate_task.fn([draft], profile, load_settings(home=tmp_path, clip_model=missing))
    check = with_clip[0].check("prompt_alignment")
    assert check is not None and check.status == "skipped"
    assert check.reason.startswith("CLIP weights not found locally"), check.reason  # it tried the folder
    without = evaluate_task.fn([draft], profile, load_settings(home=tmp_path))
    check = without[0].check("prompt_alignment")
    assert check is not None and "set ONBRAND_CLIP_MODEL" in check.reason
    assert with_clip[0].check("colour_match") is not None
