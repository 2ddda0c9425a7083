"""Brand imagery rules matched by lemma and by meaning (MiniLM), with the rule and passage named."""

from __future__ import annotations

import pytest

from pipeline.gate.prompt import PromptGate, check_prompt
from pipeline.gate.semantic import lemma, lemma_match, phrases
from pipeline.models import BrandProfile, BrandRule, SourceRef

PASSAGE = SourceRef(source="guidelines.md", section="Photography > Never", quote="Never show open flames or campfires.")


def brand(*rules: str) -> BrandProfile:
    return BrandProfile(
        name="Acme",
        imagery_rules=[BrandRule(text=t, kind="imagery", polarity="dont", source=PASSAGE) for t in rules],
    )


@pytest.mark.unit
def test_lemmas_tell_forms_of_one_thing_from_other_things() -> None:
    assert lemma("flames") == lemma("flame") and lemma("smoking") == lemma("smoke")
    assert lemma("tattooed") == lemma("tattoo") and lemma("berries") == lemma("berry")
    assert lemma("shopping") == lemma("shop") and lemma("glass") == "glass"
    assert lemma("cat") != lemma("catamaran")


@pytest.mark.unit
def test_candidate_phrases_start_and_end_with_a_content_word() -> None:
    found = phrases("a roaring bonfire on the beach")
    assert "roaring bonfire" in found and "bonfire" in found and "beach" in found
    assert not any(p.startswith(("a ", "on ")) or p.endswith((" the", " on")) for p in found)
    assert lemma_match("two men smoking by a door", "smoke") == "smoking"


@pytest.mark.integration
@pytest.mark.parametrize(
    ("rule", "prompt"),
    [
        ("Never show open flames or campfires", "a roaring bonfire on the beach"),
        ("Drones must not appear in any visual", "a man flying a dji quadcopter in a park"),
        ("Do not show dogs", "a golden retriever fetching a stick"),
        ("No smoking or tobacco products in imagery", "a man smokes on a balcony"),
    ],
)
def test_near_words_and_word_forms_break_the_rule(rule: str, prompt: str) -> None:
    assert PromptGate.lists_only().check(prompt, brand(rule)).allowed, "pick a prompt the words alone miss"
    verdict = check_prompt(prompt, brand(rule))
    reason = next(r for r in verdict.reasons if r.rule == "brand:imagery")
    assert rule in reason.message and "Photography > Never" in reason.message and reason.source == PASSAGE


@pytest.mark.integration
@pytest.mark.parametrize(
    ("rule", "prompt"),
    [
        ("Never show single-use plastic: no plastic bottles, cups or straws.", "a glass bottle of water on a jetty"),
        ("Never show dented cans, chipped bottles or scuffed labels.", "a teal can, label facing the camera"),
        ("Never show alcohol, cocktails or smoking.", "a bottle of sparkling water, mixed berries, label"),
        ("Do not show dogs", "a cat on a windowsill in the sun"),
    ],
)
def test_related_but_allowed_things_pass(rule: str, prompt: str) -> None:
    verdict = check_prompt(prompt, brand(rule))
    assert verdict.allowed, [r.message for r in verdict.reasons]


@pytest.mark.integration
def test_the_sample_briefs_still_plan_with_every_ask_kept() -> None:
    """The planner's own prompts for the sample brand are never caught by meaning (none of its asks is
    dropped), so the semantic matching does not break the demo."""
    from pipeline.cli.gate import planner_prompts, sample_profile

    profile = sample_profile()
    prompts = planner_prompts()
    assert len(prompts) >= 20
    blocked = [p for p in prompts if not check_prompt(p, profile).allowed]
    assert not blocked, blocked
