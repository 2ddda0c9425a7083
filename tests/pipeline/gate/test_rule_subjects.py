"""What an extracted imagery prohibition bans from prompts: every listed subject on its own, in all its
word forms, whichever way the guidelines phrase the prohibition."""

from __future__ import annotations

import pytest

from pipeline.gate.prompt import check_prompt, rule_subjects
from pipeline.models import BrandProfile, BrandRule

pytestmark = pytest.mark.unit


def rule(text: str, subjects: list[str]) -> BrandRule:
    return BrandRule(text=text, kind="imagery", polarity="dont", subjects=subjects)


def test_a_shared_modifier_does_not_narrow_the_ban_but_materials_and_owners_carry() -> None:
    assert rule_subjects(rule("Never show open flames or campfires.", ["open flames", "campfires"])) == [
        "open flame",
        "campfire",
    ]
    assert rule_subjects(
        rule("No plastic bottles, cups or straws in the frame.", ["plastic bottles", "cups", "straws"])
    ) == [
        "plastic bottle",
        "plastic cup",
        "plastic straw",
    ]
    assert "competitors' can" in rule_subjects(
        rule("Do not show competitors' products, cans or packaging.", ["competitors' products", "cans", "packaging"])
    )


def test_every_prohibition_form_blocks_its_subjects_in_any_word_form() -> None:
    brand = BrandProfile(
        name="Acme",
        imagery_rules=[
            rule("Never show open flames or campfires.", ["open flames", "campfires"]),
            rule("No drones, no motorbikes, no cars in the frame.", ["drones", "motorbikes", "cars"]),
            rule("People on thin ice must never be shown.", ["thin ice"]),
            rule("Fireworks", ["fireworks"]),
            rule("Never retouch the shape of the can.", ["shape of the can"]),  # process, not what is shown
        ],
    )
    for prompt, word in [
        ("a roaring campfire at night", "campfire"),
        ("a drone over the bay", "drone"),
        ("two cars on a coast road", "cars"),
        ("a man skating on thin ice", "thin ice"),
        ("a firework over the harbour", "firework"),
    ]:
        verdict = check_prompt(prompt, brand)
        assert not verdict.allowed and word in {r.matched for r in verdict.reasons}, prompt
    for prompt in ("a can of soda on a rock", "a quiet lake at dawn", "friends at a picnic"):
        assert check_prompt(prompt, brand).allowed, prompt
