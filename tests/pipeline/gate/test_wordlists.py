"""Issue 18's wider and fairer word lists, checked by the lists alone (no classifier): every addition
blocks its test prompt with the right rule, and the false positives the issue found pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from pipeline.gate.prompt import SAFETY_DIR, PromptGate, sequence_pattern, validate_prompt
from pipeline.gate.wordforms import Misspellings, glued_pattern, within_one_edit
from pipeline.words import normalise

pytestmark = pytest.mark.unit

SETS = yaml.safe_load((Path(__file__).parent / "data" / "gate_prompts_issue18.yaml").read_text())
TERMS = yaml.safe_load((SAFETY_DIR / "terms.yaml").read_text())


@pytest.fixture(scope="module")
def lists() -> PromptGate:
    return PromptGate.lists_only()


@pytest.mark.parametrize(("prompt", "rule"), SETS["unsafe"])
def test_each_addition_blocks_its_prompt(lists: PromptGate, prompt: str, rule: str) -> None:
    verdict = lists.check(prompt)
    assert rule in {r.rule for r in verdict.reasons}, [r.message for r in verdict.reasons]


@pytest.mark.parametrize("prompt", SETS["safe"])
def test_the_issues_false_positives_and_lookalikes_pass(lists: PromptGate, prompt: str) -> None:
    verdict = lists.check(prompt)
    assert verdict.allowed, [r.message for r in verdict.reasons]


def test_every_listed_term_blocks_in_a_plain_sentence(lists: PromptGate) -> None:
    """A term that its own category's safe phrases hide, or that compiles to nothing, is a dead entry."""
    dead = []
    for name, spec in TERMS.items():
        for term in spec.get("terms", []):
            word = str(term).rstrip("*") + ("ed" if str(term).endswith("*") else "")
            verdict = lists.check(f"a picture of {word} here")
            if f"safety:{name}" not in {r.rule for r in verdict.reasons}:
                dead.append((name, term))
    assert not dead, dead


def test_sequences_keep_their_order_and_gap() -> None:
    pattern = sequence_pattern([["kicking"], ["woman"]])
    assert pattern.search("a man kicking a young woman")
    assert not pattern.search("a woman kicking a ball")  # the other order
    assert not pattern.search("kicking a ball across the whole park to a woman")  # too far apart


def test_run_together_words_are_matched_only_for_long_terms() -> None:
    pattern = glued_pattern(["murder", "strip club", "sex"])
    assert pattern is not None
    assert pattern.search("ready tomurder") and pattern.search("a stripclub sign")
    assert not pattern.search("a tosex") and not pattern.search("a murderous look")


def test_misspellings_only_of_long_terms_and_never_of_real_words() -> None:
    assert within_one_edit("decapitatd", "decapitated") and within_one_edit("swastikka", "swastika")
    assert within_one_edit("pronographic", "pornographic")  # two letters swapped: one edit
    assert not within_one_edit("pornogrephik", "pornographic")  # two letters changed: two edits
    checker = Misspellings(["decapitated", "bondage", "beaners", "cocaine"])
    assert checker.find("a decapitatd head") == ("decapitatd", "decapitated")
    assert checker.find("a bandage on a knee") is None  # a real word, one letter from "bondage"
    assert checker.find("beakers in a lab") is None
    assert Misspellings(["meth"]).find("a mehh lab") is None  # short terms are left alone


def test_misspellings_give_up_without_a_word_list() -> None:
    assert Misspellings(["decapitated"], known=frozenset()).find("a decapitatd head") is None


@pytest.mark.parametrize(
    ("prompt", "why"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("a" * 2001, "2,001 characters"),
        ("a teal can\x00 on sand", "U+0000"),
        ("a teal can \x1b[31m", "U+001B"),
        ("a teal can \udcff\udcfe", "not UTF-8"),
    ],
)
def test_unreadable_prompts_get_one_clear_line(prompt: str, why: str) -> None:
    from pipeline.errors import UserError

    with pytest.raises(UserError) as caught:
        validate_prompt(prompt)
    message = str(caught.value)
    assert why in message and "\n" not in message


def test_bytes_and_long_but_fine_prompts() -> None:
    from pipeline.errors import UserError

    with pytest.raises(UserError, match="bytes"):
        validate_prompt(b"a teal can")
    assert validate_prompt("a" * 2000) == "a" * 2000
    assert validate_prompt("a teal can,\ttwo lines\nand tabs") is not None


def test_bad_prompts_are_a_clean_cli_error(capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import main

    for prompt in ("", "x" * 2500, "a can \x07 on sand"):
        assert main(["check-prompt", prompt]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err and "prompt" in err


def test_normalised_safe_phrases_still_cover_their_variants(lists: PromptGate) -> None:
    assert lists.check("Dark-Skinned model in a gold gown").allowed
    assert not lists.check("a skinned body hanging in a barn").allowed
    assert re.search("naked tree", normalise("A NAKED  tree"))
