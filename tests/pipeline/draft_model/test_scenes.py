"""The draft model's training scenes: ground truth that the eval's measurements must read back."""

from __future__ import annotations

import random

import numpy as np
import pytest

from pipeline.campaign.conditions import draw_box_map
from pipeline.campaign.layouts import make_layout
from pipeline.draft_model.eval import colour_name, eval_cases, measure
from pipeline.draft_model.scenes import COLOURS, SceneSpec, caption, condition, draw_scene, sample_scene
from pipeline.draft_model.vocabulary import HELDOUT_TEMPLATES, PRODUCTS, TRAIN_TEMPLATES

pytestmark = pytest.mark.unit


def test_a_scene_is_decided_by_its_seed() -> None:
    a, b = draw_scene(sample_scene(11)), draw_scene(sample_scene(11))
    assert a.spec == b.spec and a.image.tobytes() == b.image.tobytes()
    assert draw_scene(sample_scene(12)).image.tobytes() != a.image.tobytes()


def test_scenes_cover_the_colours_products_and_backgrounds_the_issue_asks_for() -> None:
    assert len(COLOURS) >= 12 and len(PRODUCTS) >= 6
    specs = [sample_scene(s) for s in range(600)]
    assert {s.background_colour for s in specs} == set(COLOURS)
    assert {s.product_colour for s in specs} == set(COLOURS)
    assert {s.product for s in specs} == set(PRODUCTS)
    assert {s.background for s in specs} == {"flat", "gradient", "sweep", "horizon"}
    assert all(s.product_colour != s.background_colour for s in specs)
    assert {(s.width, s.height) for s in specs} == {(128, 128), (96, 160), (160, 96)}


@pytest.mark.parametrize("seed", range(0, 400, 37))
def test_the_product_sits_in_its_layout_box(seed: int) -> None:
    scene = draw_scene(sample_scene(seed))
    box = scene.spec.product_box
    h, w = scene.product_mask.shape
    inside = np.zeros_like(scene.product_mask)
    inside[round(box.y0 * h) : round(box.y1 * h), round(box.x0 * w) : round(box.x1 * w)] = True
    assert (scene.product_mask & inside).sum() / scene.product_mask.sum() > 0.97
    assert (scene.product_mask & inside).sum() / inside.sum() > 0.4  # fills the box, not a speck in it


def test_the_eval_reads_back_what_the_scenes_drew() -> None:
    """Measured on drawn scenes (not model output), every colour and side must come back as drawn."""
    for i in range(96):
        base = sample_scene(9000 + i, (128, 128))
        side = "left" if i % 2 else "right"
        spec = SceneSpec(**{**base.__dict__, "layout": make_layout(f"thirds_{side}", 1.0)})
        m = measure(draw_scene(spec).image, spec.product_box)
        assert (m.background_colour, m.product_colour) == (spec.background_colour, spec.product_colour), spec
        assert m.centre_x is not None and (m.centre_x < 0.5) == (side == "left")
        assert m.coverage > 0.45


def test_named_colours_round_trip() -> None:
    for name, rgb in COLOURS.items():
        assert colour_name(rgb) == name


def test_captions_name_both_colours_and_the_product_in_many_phrasings() -> None:
    rng = random.Random(0)
    spec = sample_scene(5)
    texts = {caption(spec, rng) for _ in range(200)}
    assert len(texts) > 100
    said = lambda name, t: name in t or (name == "gray" and "grey" in t)  # noqa: E731
    full = [t for t in texts if said(spec.background_colour, t) and said(spec.product_colour, t)]
    assert len(full) > 0.75 * len(texts)  # the rest leave one colour to the model on purpose
    heldout = {caption(spec, rng, phrasing="heldout") for _ in range(50)}
    assert not set(HELDOUT_TEMPLATES) & set(TRAIN_TEMPLATES)
    assert all(spec.product_colour in t or "grey" in t for t in heldout)


def test_the_condition_is_the_renderers_own_layout_drawing() -> None:
    spec = sample_scene(3)
    assert condition(spec).tobytes() == draw_box_map(spec.layout, spec.width, spec.height).tobytes()


def test_eval_cases_ask_for_every_background_colour_equally() -> None:
    cases = eval_cases(48)
    counts = {name: sum(c.background_colour == name for c in cases) for name in COLOURS}
    assert set(counts.values()) == {4}
    assert all(c.product_colour != c.background_colour for c in cases)
    assert {c.side for c in cases} == {"left", "right"}
