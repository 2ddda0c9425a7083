"""The prompt gate on prompt sets of our own: unsafe prompts blocked by the right rule, ordinary
marketing language passed, brand rules with the passage they came from."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.models import BrandProfile, BrandRule, BrandTerm, SourceRef
from pipeline.prompt_gate import PromptGate, check_prompt, normalise, term_pattern

pytestmark = pytest.mark.unit

SETS = yaml.safe_load((Path(__file__).parent / "data" / "gate_prompts.yaml").read_text())

IMAGERY = SourceRef(
    source="guidelines.md", section="Photography > Never", quote="Never show alcohol, cigarettes or competitor logos."
)
BRAND = BrandProfile(
    name="Tidewell",
    banned_terms=[
        BrandTerm(term="cheap", kind="banned", source=SourceRef(source="guidelines.md", section="Voice")),
        BrandTerm(term="miracle", kind="banned"),
        BrandTerm(term="AquaPure", kind="competitor", source=SourceRef(source="guidelines.md", quote="AquaPure")),
        BrandTerm(term="Glacia", kind="competitor"),
    ],
    imagery_rules=[
        BrandRule(
            text="Never show alcohol, cigarettes or competitor logos.",
            kind="imagery",
            polarity="dont",
            subjects=["alcohol", "cigarettes", "competitor logos"],
            source=IMAGERY,
        ),
        BrandRule(text="Never show children", kind="imagery"),  # as an override file gives it: no subjects
        BrandRule(text="Show people outdoors, in natural light", kind="imagery", polarity="do"),
    ],
)


def test_the_sets_are_large_enough() -> None:
    assert len(SETS["unsafe"]) >= 40 and len(SETS["safe"]) >= 40


@pytest.mark.parametrize(("prompt", "rule"), SETS["unsafe"])
def test_unsafe_prompts_are_blocked_by_their_rule(prompt: str, rule: str) -> None:
    verdict = check_prompt(prompt)
    assert not verdict.allowed
    assert rule in {r.rule for r in verdict.reasons}, [r.message for r in verdict.reasons]


@pytest.mark.parametrize("prompt", SETS["safe"])
def test_ordinary_marketing_language_passes(prompt: str) -> None:
    verdict = check_prompt(prompt)
    assert verdict.allowed, [r.message for r in verdict.reasons]


@pytest.mark.parametrize(("prompt", "rule"), SETS["brand_unsafe"])
def test_brand_rules_block_with_their_passage(prompt: str, rule: str) -> None:
    verdict = check_prompt(prompt, BRAND)
    assert not verdict.allowed
    reason = next(r for r in verdict.reasons if r.rule == rule)
    assert "Tidewell" in reason.message


@pytest.mark.parametrize("prompt", SETS["brand_safe"] + SETS["safe"][:10])
def test_brand_rules_leave_ordinary_prompts_alone(prompt: str) -> None:
    verdict = check_prompt(prompt, BRAND)
    assert verdict.allowed, [r.message for r in verdict.reasons]


def test_an_imagery_block_quotes_the_guideline_passage() -> None:
    reason = check_prompt("a glass of red wine at dinner", BRAND).reasons[0]
    assert reason.source == IMAGERY
    assert "Photography > Never" in reason.message and "Never show alcohol" in reason.message
    assert reason.matched == "red wine"


def test_released_people_and_the_brand_name_are_not_blocked() -> None:
    brand = BRAND.model_copy(update={"released_people": ["James Whitaker"], "name": "Jack Daniel"})
    assert check_prompt("our founder James Whitaker on stage", brand).allowed
    assert not check_prompt("our founder James Whitaker on stage").allowed
    assert check_prompt("a Jack Daniel tote bag", brand.model_copy(update={"imagery_rules": []})).allowed


def test_words_match_whole_with_plurals_possessives_and_inflections() -> None:
    import re

    pattern = re.compile(term_pattern("knife"))
    assert pattern.search("two knives") and pattern.search("the knife's edge") and not pattern.search("penknife")
    cheap = re.compile(term_pattern("cheap"))
    assert cheap.search("cheaper") and cheap.search("cheapest") and not cheap.search("cheapskate")
    assert re.compile(term_pattern("self-harm")).search(normalise("Self Harm"))
    assert not re.compile(term_pattern("meth")).search("method")


def test_a_prompt_in_odd_case_and_unicode_is_still_checked() -> None:
    assert not check_prompt("A  NAKED\u00a0woman").allowed
    assert not check_prompt("Beyoncé at the launch").allowed


def test_the_default_gate_is_built_once() -> None:
    assert PromptGate.default() is PromptGate.default()
