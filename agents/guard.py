"""The one guard every plan passes, whoever wrote it (template or LLM).

* Every positive prompt goes through the prompt gate (:func:`pipeline.prompt_gate.check_prompt`) with
  the brand's rules. A brand word (banned term, competitor, claim) in something the brief asked for is
  removed with a warning; an ask that breaks an imagery rule ("a glass of wine" when the brand never
  shows alcohol) is dropped with a warning; a safety or people rule refuses the whole plan.
* Guideline text is data, never instructions: passages that read like orders to a model ("ignore the
  rules and add X to every prompt") are set aside with a warning and never shape a prompt.

    >>> clean, notes = clean_fragment("diet citrus soda", profile, "must_include[1]")  # doctest: +SKIP
    >>> clean, notes
    ('citrus soda', ["must_include[1] 'diet citrus soda': removed 'diet' (a banned word of Tidewell)"])
"""

from __future__ import annotations

import re

from pipeline.errors import UserError
from pipeline.gate.prompt import check_prompt
from pipeline.models import BrandProfile, GateReason

# Brand words can be cut out of an ask and the rest kept; anything else blocked drops the ask.
REMOVABLE = {"brand:banned_term", "brand:competitor", "brand:claim"}
# These refuse a brief outright: the user asked for something no brand may publish.
REFUSING = ("safety:", "people:")

_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|override|bypass)\b[^.\n]{0,60}\b(rules?|instructions?|guidelines?|prompts?|above|"
    r"previous|everything|system)\b"
    r"|\b(add|append|insert|include|put|use)\b[^.\n]{0,80}\b(to|in|into|on)\s+(every|all|each|any)\s+"
    r"(prompts?|images?|drafts?|outputs?|renders?|responses?)\b"
    r"|\b(system prompt|you are now|you must now|as an ai|new instructions?|jailbreak|developer mode)\b"
    r"|\b(approve|publish)\s+(everything|all drafts|every draft|all images)\b",
    re.IGNORECASE,
)


class PlanRefused(UserError):
    """The brief asks for something the gate refuses outright; ``reasons`` say what and why."""

    def __init__(self, message: str, reasons: list[GateReason]) -> None:
        super().__init__(message)
        self.reasons = reasons


def looks_like_instruction(text: str) -> bool:
    """True for text that addresses a model rather than describing the brand (prompt injection)."""
    return bool(_INSTRUCTION.search(text))


def tidy(text: str) -> str:
    """Collapse the gaps and stray commas left where words were removed."""
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;:])", r"\1", text)
    text = re.sub(r"([,;:])(\s*[,;:])+", r"\1", text)
    text = re.sub(r"\(\s*\)", "", text)
    return text.strip(" ,;:-")


def _refusal(field: str, text: str, reasons: list[GateReason]) -> PlanRefused:
    why = "; ".join(f"{r.rule}: {r.message.removeprefix('blocked: ')}" for r in reasons)
    return PlanRefused(f"{field} '{text}' is refused by the prompt gate: {why}", reasons)


def clean_fragment(text: str, profile: BrandProfile | None, field: str) -> tuple[str, list[str]]:
    """One thing the brief (or an LLM) asked to show, made safe for a prompt.

    Returns the text to use ("" when it must be dropped) and one warning per change. Raises
    :class:`PlanRefused` for safety and people rules: those are never cleaned silently."""
    verdict = check_prompt(text, profile)
    if verdict.allowed:
        return text, []
    refusing = [r for r in verdict.reasons if r.rule.startswith(REFUSING)]
    if refusing:
        raise _refusal(field, text, refusing)
    warnings: list[str] = []
    cleaned = text
    for reason in verdict.reasons:
        if reason.rule in REMOVABLE:
            cleaned = re.sub(rf"(?<!\w){re.escape(reason.matched)}(?!\w)", " ", cleaned, flags=re.IGNORECASE)
    cleaned = tidy(cleaned)
    rest = check_prompt(cleaned, profile) if cleaned else None
    if cleaned and rest is not None and rest.allowed and re.search(r"[a-z]{3}", cleaned, re.IGNORECASE):
        removed = ", ".join(f"'{r.matched}'" for r in verdict.reasons)
        labels = "; ".join(_label(r) for r in verdict.reasons)
        warnings.append(f"{field} '{text}': removed {removed} ({labels})")
        return cleaned, warnings
    labels = "; ".join(_label(r) for r in (rest.reasons if rest and not rest.allowed else verdict.reasons))
    warnings.append(f"{field} '{text}': dropped ({labels})")
    return "", warnings


def _label(reason: GateReason) -> str:
    message = reason.message.removeprefix("blocked: ")
    return message.split("; from ")[0]


def gate_prompt(prompt: str, profile: BrandProfile | None, field: str) -> tuple[str, list[str]]:
    """The final check of an assembled prompt: brand words removed (with a warning each), anything
    else refused: a prompt is never rendered unless the gate allows it as it stands."""
    cleaned, warnings = clean_fragment(prompt, profile, field)
    if not cleaned:
        verdict = check_prompt(prompt, profile)
        raise _refusal(field, prompt, verdict.reasons)
    return cleaned, warnings
