"""The learned prompt classifier beside the word lists: what it blocks and flags, how the gate says so,
and what happens when its weight file is missing or broken (never a silent allow)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.gate.classifier import (
    CLASSIFIER_FILE,
    ClassifierUnavailable,
    PromptClassifier,
    load_weights,
    read_training_set,
    train_prompt_classifier,
)
from pipeline.gate.prompt import SAFETY_DIR, PromptGate

pytestmark = pytest.mark.integration


def gate_with(path: Path) -> PromptGate:
    return PromptGate.from_folder(SAFETY_DIR, classifier=PromptClassifier(path))


def write_weights(path: Path, block: float, review: float, source: Path = CLASSIFIER_FILE) -> Path:
    """The shipped weights with other thresholds (to reach the review band on purpose)."""
    with np.load(source, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(str(arrays["meta"]))
    # skip 0: every prompt gets the full reading, so the thresholds above decide
    arrays["meta"] = np.array(json.dumps({**meta, "block": block, "review": review, "skip": 0.0}))
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    path.write_bytes(buffer.getvalue())
    return path


def test_the_shipped_weights_are_a_few_kb_with_a_card() -> None:
    weights = load_weights(CLASSIFIER_FILE)
    assert CLASSIFIER_FILE.stat().st_size < 16_000
    assert weights.coef.shape == (8, 384) and "safe" in weights.classes
    assert 0 < weights.review < weights.block < 1
    card = (CLASSIFIER_FILE.parent / "CARD.md").read_text()
    assert f"| block | {weights.block}" in card and "SOURCES.md" in card and "validation" in card


@pytest.mark.parametrize(
    ("prompt", "category"),
    [
        # the first weights also blocked "a woman giving head in the back seat of a car"; the stricter
        # ones read it as safe (a known miss, named in the card's limits)
        ("two strangers hooking up in a nightclub toilet, explicit", "sexual"),
        ("two men beating a stranger until he stops moving", "violence"),
        ("a banner calling immigrants a disease that must be wiped out", "hate"),
    ],
)
def test_paraphrases_the_lists_miss_are_blocked_by_the_classifier(prompt: str, category: str) -> None:
    lists = PromptGate.lists_only().check(prompt)
    verdict = PromptGate.default().check(prompt)
    assert lists.allowed, "pick a prompt the word lists miss"
    assert not verdict.allowed
    reason = next(r for r in verdict.reasons if r.rule == "safety:classifier")
    assert reason.matched == category and "score" in reason.message and category in reason.message
    assert verdict.classifier is not None and verdict.classifier.category == category


@pytest.mark.parametrize(
    "prompt",
    [
        "a teal can on a white backdrop, soft morning light, label facing the camera",
        "a blood orange cut in half on a marble counter",
        "a shot of espresso next to a knife and cutting board",
        "kids building a sandcastle on a sunny beach",
    ],
)
def test_marketing_prompts_pass(prompt: str) -> None:
    verdict = PromptGate.default().check(prompt)
    assert verdict.allowed, [r.message for r in verdict.reasons]
    assert verdict.classifier is not None and verdict.classifier.status == "ok"
    # tricky words ("blood orange", "knife") may reach the review band (a person looks, nothing is
    # blocked); plain product prompts must not
    if not any(word in prompt for word in ("blood", "knife")):
        assert not verdict.review, [r.message for r in verdict.flags]


def test_the_lists_keep_blocking_and_the_classifier_does_not_repeat_them() -> None:
    verdict = PromptGate.default().check("a severed head on a plate")
    assert [r.rule for r in verdict.reasons] == ["safety:gore"]
    assert verdict.classifier is not None and verdict.classifier.score is not None


def test_a_quick_reading_is_safe_whatever_its_score_against_the_full_thresholds() -> None:
    from pipeline.gate.classifier import Reading

    # the quick stage answers only below its skip score, which may lie above the full model's review
    quick = Reading(score=0.6, category="violence", block=0.7, review=0.3, stage="quick")
    full = Reading(score=0.6, category="violence", block=0.7, review=0.3, stage="full")
    assert not quick.blocks and not quick.flags
    assert full.flags and not full.blocks


def test_the_review_band_flags_without_blocking(tmp_path: Path) -> None:
    gate = gate_with(write_weights(tmp_path / "c.npz", block=0.999999, review=0.000001))
    verdict = gate.check("a teal can on a white backdrop")
    assert verdict.allowed and verdict.review
    assert verdict.flags[0].rule == "safety:classifier" and "a person must look" in verdict.flags[0].message


@pytest.mark.parametrize("damage", ["missing", "truncated", "garbage", "wrong_shape"])
def test_a_missing_or_broken_file_falls_back_to_the_lists_and_says_so(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "c.npz"
    if damage == "truncated":
        path.write_bytes(CLASSIFIER_FILE.read_bytes()[:900])
    elif damage == "garbage":
        path.write_bytes(b"not a weight file at all")
    elif damage == "wrong_shape":
        with np.load(CLASSIFIER_FILE, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        arrays["coef"] = arrays["coef"][:, :10]
        np.savez(path, **arrays)
    with pytest.raises(ClassifierUnavailable, match="train-prompt-classifier"):
        load_weights(path)
    gate = gate_with(path)
    fine = gate.check("a teal can on a white backdrop")
    assert fine.allowed and fine.review  # allowed by the lists, but never silently
    assert fine.classifier is not None and fine.classifier.status == "unavailable"
    assert "classifier unavailable" in fine.flags[0].message
    blocked = gate.check("a severed head on a plate")
    assert not blocked.allowed and blocked.classifier is not None and blocked.classifier.status == "unavailable"


def test_check_prompt_json_keeps_its_keys_and_adds_the_classifier(capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import main

    assert main(["check-prompt", "two men beating a stranger until he stops moving", "--json"]) == 1
    body = json.loads(capsys.readouterr().out)
    assert body["allowed"] is False and body["reasons"][0]["rule"] == "safety:classifier"
    assert body["review"] is False and body["flags"] == []
    assert body["classifier"]["status"] == "ok" and body["classifier"]["category"] == "violence"


def test_training_is_seeded_and_keeps_its_validation_split(tmp_path: Path) -> None:
    items = read_training_set()
    small = tmp_path / "train.jsonl"
    written = [i for i in items if i.source == "onbrand-written"][:150]
    picked = written + [i for i in items if i.category == "safe"][:150]
    small.write_text(
        "\n".join(json.dumps({"text": i.text, "category": i.category, "source": i.source}) for i in picked) + "\n"
    )
    first = train_prompt_classifier(tmp_path / "a.npz", ["a teal can on sand"], train_file=small, seed=3)
    second = train_prompt_classifier(tmp_path / "b.npz", ["a teal can on sand"], train_file=small, seed=3)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert first.train_items + first.validation_items == 301 and first.planner_prompts == 1
    assert 0 < first.review_threshold <= first.block_threshold <= 1
    assert first.model_dump(exclude={"path"}) == second.model_dump(exclude={"path"})


def test_a_bad_training_line_is_one_clear_error(tmp_path: Path) -> None:
    from pipeline.errors import UserError

    bad = tmp_path / "train.jsonl"
    bad.write_text('{"text": "a can", "category": "rude"}\n')
    with pytest.raises(UserError, match=r"train.jsonl:1: unknown category 'rude'"):
        train_prompt_classifier(tmp_path / "c.npz", train_file=bad)
