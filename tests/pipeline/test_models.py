from __future__ import annotations

import pytest
from pydantic import ValidationError

from pipeline.models import Box, BrandColor, Brief, ChannelSpec, Check, EvalReport, Layout

pytestmark = pytest.mark.unit

BRIEF = dict(campaign="c", brand="b", product="p", channels=["instagram_post"])


def test_brief_lists_accept_comma_strings_and_cron_is_checked() -> None:
    brief = Brief(**BRIEF, mood="calm, fresh", schedule="0  9 * * 1")
    assert brief.mood == ["calm", "fresh"]
    assert brief.schedule == "0 9 * * 1"
    with pytest.raises(ValidationError, match="cron"):
        Brief(**BRIEF, schedule="every monday")


def test_brief_rejects_unknown_fields_and_duplicate_channels() -> None:
    with pytest.raises(ValidationError):
        Brief(**BRIEF, colour="red")
    with pytest.raises(ValidationError, match="twice"):
        Brief(**{**BRIEF, "channels": ["instagram_post", "instagram_post"]})


def test_box_must_stay_inside_the_canvas() -> None:
    Box(role="logo", x0=0.8, y0=0.8, x1=1.0, y1=1.0)
    with pytest.raises(ValidationError, match="leaves the canvas"):
        Box(role="logo", x0=0.9, y0=0.8, x1=1.1, y1=1.0)
    with pytest.raises(ValidationError, match="is empty"):
        Box(role="logo", x0=0.5, y0=0.8, x1=0.4, y1=1.0)
    layout = Layout(aspect=1.0, boxes=[Box(role="product", x0=0.3, y0=0.3, x1=0.7, y1=0.8)])
    assert layout.boxes_with_role("product")[0].area == pytest.approx(0.2)


def test_channel_render_size_keeps_the_aspect_and_snaps() -> None:
    story = ChannelSpec(name="story", width=1080, height=1920)
    w, h = story.render_size(512, 64)
    assert w % 64 == 0 and h % 64 == 0
    assert abs(w / h - 1080 / 1920) < 0.06
    banner = ChannelSpec(name="banner", width=1920, height=600, render_aspect=2.5)
    assert banner.aspect == 2.5


def test_colour_hex_is_normalised() -> None:
    assert BrandColor(name="x", hex="1f6f8b").hex == "#1F6F8B"
    assert BrandColor(name="x", hex="#abc").hex == "#AABBCC"
    with pytest.raises(ValidationError):
        BrandColor(name="x", hex="#12345G")


def test_eval_verdict_is_the_worst_check() -> None:
    ok = Check(name="nsfw", status="pass", reason="clean")
    warn = Check(name="faces", status="warn", reason="1 face")
    skipped = Check(name="text_artifacts", status="skipped", reason="OCR not installed")
    assert EvalReport(draft_id="d", checks=[ok, skipped]).worst == "pass"
    assert EvalReport(draft_id="d", checks=[ok, warn]).worst == "warn"
    fail = Check(name="palette", status="fail", reason="neon")
    assert EvalReport(draft_id="d", checks=[ok, warn, fail]).worst == "fail"
