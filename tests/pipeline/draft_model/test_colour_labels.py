"""The colour read-out used while training: which colours a caption names, and in which role."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from pipeline.draft_model.data import colour_labels
from pipeline.draft_model.scenes import COLOURS, caption, sample_scene
from pipeline.draft_model.train import ColourHeads

pytestmark = pytest.mark.unit

NAMES = list(COLOURS)


def test_a_caption_naming_both_colours_labels_both_roles() -> None:
    spec = replace(sample_scene(3), background_colour="gray", product_colour="red")
    assert colour_labels(spec, "a red bottle on a grey backdrop") == (NAMES.index("gray"), NAMES.index("red"))


def test_unnamed_colours_are_ignored_not_guessed() -> None:
    spec = replace(sample_scene(3), background_colour="blue", product_colour="red")
    assert colour_labels(spec, "a red bottle") == (-100, NAMES.index("red"))
    assert colour_labels(spec, "") == (-100, -100)
    assert colour_labels(spec, "a reddish bottle on a bluebell wall") == (-100, -100)  # whole words only


def test_training_captions_name_the_scene_colours_most_of_the_time() -> None:
    rng = random.Random(0)
    named = [colour_labels(s, caption(s, rng)) for s in (sample_scene(i) for i in range(300))]
    both = sum(bg >= 0 and pc >= 0 for bg, pc in named) / len(named)
    assert 0.8 < both < 0.95  # the rest name one colour on purpose


def test_the_heads_read_colours_from_the_unet_pooled_text() -> None:
    import torch

    from pipeline.draft_model.model import TrainConfig, build_unet

    unet = build_unet(TrainConfig(unet_channels=(8, 16, 16), heads=2, groups=8))
    heads = ColourHeads([unet, torch.nn.Identity()], "cpu")  # modules without pooled text are skipped
    states = torch.randn(3, 16, 384)
    labels = torch.tensor([[0, 1], [-100, 2], [-100, -100]])
    loss, accuracy = heads.loss(states, labels)
    loss.backward()
    assert len(heads.heads) == 1 and torch.isfinite(loss) and 0 <= accuracy <= 1
    assert unet.add_embedding.proj.weight.grad is not None
