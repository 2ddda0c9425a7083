"""The eval gate's image checks on images drawn here (and skimage's sample photos), and its verdicts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from pipeline.campaign.layouts import make_layout
from pipeline.errors import UserError
from pipeline.gate.detectors import Detectors
from pipeline.gate.image import CHECK_NAMES, ImageGate
from pipeline.gate.measure import fingerprint, load_image
from pipeline.gate.verdict import decide
from pipeline.models import Box, BrandColor, BrandProfile, BrandRule, Check, EvalReport, GatePolicy
from tests.actors import ADMIN

pytestmark = pytest.mark.integration

TEAL, SAND, CORAL = (31, 111, 139), (232, 216, 176), (242, 107, 91)
BRAND = BrandProfile(
    name="Tidewell",
    palette=[
        BrandColor(name="Deep Teal", hex="#1F6F8B"),
        BrandColor(name="Sand", hex="#E8D8B0"),
        BrandColor(name="Coral", hex="#F26B5B"),
    ],
    forbidden_colors=[BrandColor(name="Competitor Red", hex="#E10600")],
)
LAYOUT = make_layout("thirds_left", 1.0)
PRODUCT = next(b for b in LAYOUT.boxes if b.role == "product")


def photo(name: str) -> Image.Image:
    import skimage.data

    return Image.open(Path(os.path.dirname(skimage.data.__file__)) / name).convert("RGB")


def scene(bg: tuple[int, int, int] = TEAL, product: tuple[int, int, int] = CORAL, box: Box = PRODUCT) -> Image.Image:
    """A flat product shot: a rounded product in its layout box, soft light, 512 px."""
    size = 512
    img = Image.new("RGB", (size, size), bg)
    draw = ImageDraw.Draw(img)
    x0, y0, x1, y1 = box.x0 * size, box.y0 * size, box.x1 * size, box.y1 * size
    w, h = x1 - x0, y1 - y0
    draw.rounded_rectangle([x0 + 0.15 * w, y0 + 0.1 * h, x1 - 0.15 * w, y1 - 0.05 * h], radius=24, fill=product)
    draw.rectangle(
        [x0 + 0.3 * w, y0 + 0.25 * h, x0 + 0.45 * w, y1 - 0.2 * h], fill=tuple(min(255, c + 40) for c in product)
    )
    return img


@pytest.fixture(scope="module")
def gate() -> ImageGate:
    return ImageGate(brand=BRAND)


def statuses(report: EvalReport) -> dict[str, str]:
    return {c.name: c.status for c in report.checks}


def test_an_on_brand_draft_passes_every_check_and_waits_for_a_person(gate: ImageGate) -> None:
    report = gate.evaluate(scene(), layout=LAYOUT)
    assert [c.name for c in report.checks] == list(CHECK_NAMES)
    assert {k: v for k, v in statuses(report).items() if v != "skipped"} == dict.fromkeys(
        [
            "nsfw",
            "faces",
            "text_artifacts",
            "palette",
            "layout",
            "negative_space",
            "sharpness",
            "exposure",
            "duplicate",
        ],
        "pass",
    )
    assert statuses(report)["prompt_alignment"] == "skipped"  # no CLIP weights here
    assert report.verdict == "review" and "waiting for a person" in report.reasons[0]
    assert all(c.reason and "\n" not in c.reason for c in report.checks)


def test_neon_and_forbidden_colours_fail_the_palette(gate: ImageGate) -> None:
    neon = gate.evaluate(scene(bg=(57, 255, 20), product=(255, 0, 255)), layout=LAYOUT).check("palette")
    assert neon is not None and neon.status == "fail" and "off-palette" in neon.reason
    rival = gate.evaluate(scene(product=(225, 6, 0)), layout=LAYOUT).check("palette")
    assert rival is not None and rival.status == "fail" and "Competitor Red" in rival.reason
    assert {"hex", "share", "nearest"} <= set(neon.data["swatches"][0])


def test_letters_baked_into_the_render_fail(gate: ImageGate) -> None:
    img = scene()
    ImageDraw.Draw(img).text((40, 30), "SUMMER SALE", fill=(255, 255, 255), font=ImageFont.load_default(size=44))
    check = gate.evaluate(img, layout=LAYOUT).check("text_artifacts")
    assert check is not None and check.status == "fail" and "SUMMER" in check.reason


def test_a_blurred_draft_fails_sharpness_and_a_real_photo_passes(gate: ImageGate) -> None:
    assert statuses(gate.evaluate(scene().filter(ImageFilter.GaussianBlur(4))))["sharpness"] == "fail"
    assert statuses(gate.evaluate(photo("coffee.png").filter(ImageFilter.GaussianBlur(2))))["sharpness"] == "fail"
    assert statuses(gate.evaluate(photo("coffee.png")))["sharpness"] == "pass"


def test_a_product_outside_its_box_fails_layout_and_crowds_the_text(gate: ImageGate) -> None:
    moved = scene(box=Box(role="product", x0=0.6, y0=0.3, x1=0.95, y1=0.9))
    report = gate.evaluate(moved, layout=LAYOUT)
    assert statuses(report)["layout"] == "fail"
    assert report.check("layout").data["inside"] < 0.2  # type: ignore[union-attr]


def test_a_busy_headline_area_fails_negative_space(gate: ImageGate) -> None:
    img = scene()
    draw = ImageDraw.Draw(img)
    headline = next(b for b in LAYOUT.boxes if b.role == "headline")
    for i in range(0, 512, 6):  # stripes through the headline box
        draw.line([(i, headline.y0 * 512), (i, headline.y1 * 512)], fill=SAND if i % 12 else (0, 0, 0), width=2)
    assert statuses(gate.evaluate(img, layout=LAYOUT))["negative_space"] == "fail"


def test_clipped_and_black_renders_are_flagged(gate: ImageGate) -> None:
    assert statuses(gate.evaluate(Image.new("RGB", (256, 256), (0, 0, 0))))["exposure"] == "fail"
    half = np.full((256, 256, 3), 120, dtype=np.uint8)
    half[:, :128] = 255
    assert statuses(gate.evaluate(Image.fromarray(half)))["exposure"] == "warn"


def test_duplicates_within_a_campaign_are_rejected(gate: ImageGate) -> None:
    first = scene()
    others = {"d1": fingerprint(first), "d2": fingerprint(scene(bg=SAND, product=TEAL))}
    again = gate.evaluate(first.resize((500, 500)), draft_id="d3", layout=LAYOUT, others=others)
    assert statuses(again)["duplicate"] == "fail" and "d1" in again.check("duplicate").reason  # type: ignore[union-attr]
    assert again.verdict == "reject"
    other = gate.evaluate(photo("chelsea.png"), draft_id="d4", others=others)
    assert statuses(other)["duplicate"] == "pass"
    # the same composition in another palette is a variation, not a duplicate
    recoloured = gate.evaluate(scene(bg=(120, 40, 90), product=(250, 230, 120)), draft_id="d5", others=others)
    assert statuses(recoloured)["duplicate"] == "pass", recoloured.check("duplicate")


def test_faces_need_a_release_or_fail_where_the_brand_never_shows_people() -> None:
    face = photo("astronaut.png")
    default = ImageGate(brand=BRAND).evaluate(face)
    assert statuses(default)["faces"] == "warn" and "release" in default.check("faces").reason  # type: ignore[union-attr]
    never = BRAND.model_copy(update={"imagery_rules": [BrandRule(text="Never show people or faces", kind="imagery")]})
    strict = ImageGate(brand=never).evaluate(face)
    assert statuses(strict)["faces"] == "fail" and strict.verdict == "reject"
    assert statuses(ImageGate(brand=BRAND).evaluate(photo("chelsea.png")))["faces"] == "pass"  # a cat


def test_a_crashing_check_is_skipped_with_its_error_and_never_approves() -> None:
    class Broken(Detectors):
        def nudity(self) -> object:
            raise RuntimeError("model file missing")

    policy = GatePolicy(auto_approve=True)
    report = ImageGate(brand=BRAND, policy=policy, detectors=Broken()).evaluate(scene(), layout=LAYOUT)
    nsfw = report.check("nsfw")
    assert nsfw is not None and nsfw.status == "skipped" and "model file missing" in nsfw.reason
    assert report.verdict == "review" and any("nsfw could not run" in r for r in report.reasons)


def test_verdict_policy() -> None:
    ok = Check(name="sharpness", status="pass", reason="sharp")
    nsfw_fail = Check(name="nsfw", status="fail", reason="nudity")
    palette_fail = Check(name="palette", status="fail", reason="neon")
    assert decide(EvalReport(draft_id="a", checks=[ok, nsfw_fail]), GatePolicy()).verdict == "reject"
    flagged = decide(EvalReport(draft_id="b", checks=[ok, palette_fail]), GatePolicy())
    assert flagged.verdict == "review" and "palette failed" in flagged.reasons[0]
    assert (
        decide(EvalReport(draft_id="c", checks=[ok, palette_fail]), GatePolicy(reject_on=["palette"])).verdict
        == "reject"
    )
    assert decide(EvalReport(draft_id="d", checks=[ok]), GatePolicy()).verdict == "review"
    assert decide(EvalReport(draft_id="e", checks=[ok]), GatePolicy(auto_approve=True)).verdict == "approve"


def test_bad_files_are_clear_user_errors(tmp_path: Path) -> None:
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(UserError, match=r"notes\.png: not a readable image"):
        load_image(tmp_path / "notes.png")
    good = tmp_path / "good.png"
    scene().save(good)
    (tmp_path / "cut.png").write_bytes(good.read_bytes()[:2000])
    with pytest.raises(UserError, match=r"cut\.png: not a readable image"):
        load_image(tmp_path / "cut.png")
    with pytest.raises(UserError, match=r"megapixels, over the 0 MP cap"):
        load_image(good, max_megapixels=0.1)
    with pytest.raises(UserError, match="no such image"):
        load_image(tmp_path / "missing.png")


def test_the_cli_reports_checks_and_exits_by_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import main

    img = tmp_path / "draft.png"
    scene().save(img)
    layout = tmp_path / "layout.json"
    layout.write_text(json.dumps({"boxes": [b.model_dump() for b in LAYOUT.boxes]}))
    assert main(["evaluate", str(img), "--layout", str(layout), "--prompt", "a coral can", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["verdict"] == "review" and [c["name"] for c in body["checks"]] == list(CHECK_NAMES)
    assert {"name", "status", "score", "reason"} == set(body["checks"][0])
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    assert main(["evaluate", str(tmp_path / "bad.png")]) == 2
    err = capsys.readouterr().err
    assert "bad.png" in err and "Traceback" not in err
    layout.write_text('{"boxes": [{"role": "product", "x0": 0.5, "y0": 0, "x1": 2, "y1": 1}]}')
    assert main(["evaluate", str(img), "--layout", str(layout)]) == 2
    assert "layout.json" in capsys.readouterr().err
    black = tmp_path / "black.png"
    Image.new("RGB", (64, 64)).save(black)
    scene().save(tmp_path / "first.png")
    assert main(["evaluate", str(black)]) == 0  # flagged for review, not rejected


def test_the_prompt_alignment_check_runs_clip_from_a_local_folder(tmp_path: Path) -> None:
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor

    from tests.pipeline.tiny_diffusion import tiny_tokenizer

    config = CLIPConfig(
        text_config={
            "hidden_size": 32,
            "intermediate_size": 37,
            "num_attention_heads": 4,
            "num_hidden_layers": 2,
            "vocab_size": 1000,
            "projection_dim": 16,
        },
        vision_config={
            "hidden_size": 32,
            "intermediate_size": 37,
            "num_attention_heads": 4,
            "num_hidden_layers": 2,
            "image_size": 32,
            "patch_size": 8,
            "projection_dim": 16,
        },
        projection_dim=16,
    )
    CLIPModel(config).save_pretrained(tmp_path / "clip")
    CLIPProcessor(
        image_processor=CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}),
        tokenizer=tiny_tokenizer(),
    ).save_pretrained(tmp_path / "clip")
    gate = ImageGate(detectors=Detectors(clip_model=str(tmp_path / "clip")), checks=["prompt_alignment"])
    check = gate.evaluate(scene(), prompt="a coral can on teal").check("prompt_alignment")
    assert check is not None and check.status in ("pass", "warn") and check.score is not None
    assert "CLIPScore" in check.reason
    missing = ImageGate(detectors=Detectors(clip_model=str(tmp_path / "nope")), checks=["prompt_alignment"])
    assert missing.evaluate(scene(), prompt="x").checks[0].status == "skipped"


def test_the_override_file_sets_the_gate_policy_and_released_people(tmp_path: Path) -> None:
    from pipeline.brand.store import ProfileStore
    from pipeline.gate.prompt import check_prompt
    from pipeline.settings import Settings

    store = ProfileStore(Settings(home=tmp_path / "ws"))
    override = tmp_path / "acme.yaml"
    override.write_text(
        "palette: [{name: Teal, hex: '#1F6F8B'}]\n"
        "released_people: [Maria Lopez]\n"
        "gate: {reject_on: [palette, duplicate], people: forbidden, auto_approve: true}\n"
    )
    store.set_override("Acme", override, ADMIN)
    profile = store.profile("Acme")
    assert profile.gate.reject_on == ["palette", "duplicate"] and profile.gate.auto_approve
    assert profile.gate.nsfw_fail == GatePolicy().nsfw_fail  # unlisted keys keep their defaults
    assert check_prompt("Maria Lopez holding the can", profile).allowed
    neon = ImageGate(brand=profile).evaluate(scene(bg=(57, 255, 20), product=(255, 0, 255)))
    assert neon.verdict == "reject" and neon.reasons[0].startswith("palette")
    bad = tmp_path / "bad.yaml"
    bad.write_text("gate: {nsfw_fail: 7}\n")
    with pytest.raises(UserError, match="nsfw_fail"):
        store.set_override("Acme", bad, ADMIN)
    assert store.profile("Acme").gate.reject_on == ["palette", "duplicate"]  # the old file is kept
