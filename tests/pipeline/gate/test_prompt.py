"""The prompt gate on prompt sets of our own: unsafe prompts blocked by the right rule, ordinary
marketing language passed, brand rules with the passage they came from."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.gate.prompt import PromptGate, check_prompt
from pipeline.models import BrandProfile, BrandRule, BrandTerm, SourceRef
from pipeline.words import normalise, term_pattern

# the default gate embeds each prompt with MiniLM for its classifier (issue 18)
pytestmark = pytest.mark.integration

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


def test_check_prompt_cli_json_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from pipeline.cli import main

    assert main(["check-prompt", "a shot of espresso on a bare wooden table", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    # the contract's keys as they were; issue 18 added review, flags and classifier beside them
    assert body["allowed"] is True and body["reasons"] == []
    assert body["review"] is False and body["flags"] == [] and body["classifier"]["status"] == "ok"
    assert main(["check-prompt", "lines of cocaine next to Taylor Swift", "--json"]) == 1
    body = json.loads(capsys.readouterr().out)
    assert body["allowed"] is False
    assert {r["rule"] for r in body["reasons"]} == {"safety:drugs", "people:public_figure"}
    assert all({"rule", "matched", "message"} <= set(r) for r in body["reasons"])
    assert main(["check-prompt", "x", "--brand", "no-such-brand"]) == 2
    assert "no-such-brand" in capsys.readouterr().err


def test_generate_refuses_a_blocked_prompt_before_loading_any_model(capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import main

    assert main(["generate", "a severed head on a plate", "--model", "/nonexistent/model"]) == 2
    err = capsys.readouterr().err
    assert "prompt gate blocked" in err and "safety:gore" in err and "Traceback" not in err


def test_the_held_out_sets_stay_caught() -> None:
    """Prompt sets written by people who never saw the word lists (after they were used to widen the
    lists, so now a regression check): recall >= 95%, false positives <= 2%."""
    extra = yaml.safe_load((Path(__file__).parent / "data" / "gate_prompts_heldout.yaml").read_text())
    unsafe = [p for s in extra["sets"] for p, _ in s["unsafe"]]
    safe = [p for s in extra["sets"] for p in s["safe"]]
    caught = sum(not check_prompt(p).allowed for p in unsafe) / len(unsafe)
    false_positives = sum(not check_prompt(p).allowed for p in safe) / len(safe)
    assert caught >= 0.95 and false_positives <= 0.02, (caught, false_positives)


@pytest.mark.integration
def test_the_extracted_sample_brand_blocks_what_its_book_bans_and_nothing_else(sample_workspace: object) -> None:
    from pipeline.brand.profile import extract_profile

    profile = extract_profile("Tidewell", sample_workspace.chunks("Tidewell"))  # type: ignore[attr-defined]
    blocked = {
        "a glass of red wine on the terrace": "brand:imagery",
        "friends sharing a cocktail at sunset": "brand:imagery",
        "a plastic cup of lemonade on the sand": "brand:imagery",
        "a dented can on a rock": "brand:imagery",
        "a Fizzbrook can next to ours": "brand:competitor",
        "a cheap summer drink": "brand:banned_term",
    }
    for prompt, rule in blocked.items():
        verdict = check_prompt(prompt, profile)
        assert rule in {r.rule for r in verdict.reasons}, prompt
        assert all(r.source is not None for r in verdict.reasons if r.rule.startswith("brand:")), prompt
    for prompt in (
        "a Tidewell can on a sunny beach with a wedge of lemon",
        "two cans of Tidewell on a rock, condensation, morning light",
        # "never retouch ... the shape of the can or bottle" is about process, not what is shown
        "Tidewell sparkling water in a glass bottle with a mint sprig",
        "a tumbler of Tidewell with two ice cubes on a wooden jetty",
    ):
        assert check_prompt(prompt, profile).allowed, [r.message for r in check_prompt(prompt, profile).reasons]
