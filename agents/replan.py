"""Re-planning: a draft the gate rejected (or a reviewer sent back) gets a revised plan.

    >>> revised = replan(plan, report, profile)             # doctest: +SKIP
    >>> revised.id, revised.parent_id, revised.replan_reason
    ('spring-...-instagram_post-1-r1', 'spring-...-instagram_post-1', 'failed palette: ...; changed: seed, ...')

Each failed or warned check maps to a change a diffusion model responds to: words in the prompt or
the negative prompt, the ControlNet's strength, or another composition. The seed always changes
(a fresh sample is the cheapest fix there is). The revised prompt passes the guard again.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from agents.guard import gate_prompt, tidy
from agents.planner import COMPOSITIONS, layout_for, palette_words, stable_seed, templates_for
from pipeline.campaign.channels import load_channels
from pipeline.models import BrandProfile, ChannelSpec, DraftPlan, EvalReport

MAX_CONTROL_SCALE = 1.6


class Revision(BaseModel):
    """What one fix adds: prompt and negative words, a ControlNet scale step, a new composition."""

    model_config = ConfigDict(extra="forbid")

    prompt: list[str] = Field(default_factory=list)
    negative: list[str] = Field(default_factory=list)
    control_step: float = 0.0
    new_composition: bool = False
    note: str = ""


def _palette(profile: BrandProfile) -> Revision:
    words = palette_words(profile)[:3]
    tones = f"colour palette of {', '.join(words)}" if words else "brand colour palette"
    return Revision(prompt=[tones], negative=["off-palette colours", "neon colours"], note="palette words")


FIXES: dict[str, Callable[[BrandProfile], Revision]] = {
    "palette": _palette,
    "layout": lambda _: Revision(control_step=0.2, note="stronger layout control"),
    "negative_space": lambda _: Revision(
        prompt=["clean empty space around the product"], negative=["clutter", "busy background"], note="calmer space"
    ),
    "text_artifacts": lambda _: Revision(
        negative=["words", "typography", "signage", "captions", "printed labels with text"], note="no-text words"
    ),
    "sharpness": lambda _: Revision(prompt=["sharp focus", "crisp detail"], negative=["blurry", "soft focus"]),
    "exposure": lambda _: Revision(prompt=["balanced exposure"], negative=["overexposed", "underexposed"]),
    "faces": lambda _: Revision(negative=["people", "person", "face", "hands"], note="no people"),
    "nsfw": lambda _: Revision(negative=["nudity", "skin", "revealing clothing", "people"], new_composition=True),
    "duplicate": lambda _: Revision(new_composition=True, note="another composition"),
    "prompt_alignment": lambda _: Revision(control_step=-0.1, note="more room for the prompt"),
    # the product came out in another colour than asked: a fresh seed is what changes it (the seed
    # always changes); the words stay, they already ask for the colour
    "colour_match": lambda _: Revision(note="new seed for the product colour"),
}


def _extend(text: str, words: list[str]) -> str:
    """``text`` as it was, with the ``words`` it does not already list appended."""
    have = {p.strip().lower() for p in text.split(",")}
    new = [w for w in dict.fromkeys(words) if w.lower() not in have]
    return ", ".join([text, *new]) if text and new else (text or ", ".join(new))


def _failed(report: EvalReport) -> list[tuple[str, str]]:
    bad = [c for c in report.checks if c.status == "fail"] or [c for c in report.checks if c.status == "warn"]
    return [(c.name, c.reason) for c in bad]


def replan(
    plan: DraftPlan,
    report: EvalReport | None,
    profile: BrandProfile,
    note: str = "",
    channels: dict[str, ChannelSpec] | None = None,
) -> DraftPlan:
    """The next generation of ``plan``: new id, parent, seed; prompt, negative prompt, ControlNet
    scale or layout adjusted for each failed check; ``note`` (a reviewer's request) recorded too."""
    failed = _failed(report) if report is not None else []
    prompt_words: list[str] = []
    negative_words: list[str] = []
    step = 0.0
    new_composition = False
    changes = ["seed"]
    for name, _ in failed:
        fix = FIXES.get(name)
        if fix is None:
            continue
        revision = fix(profile)
        prompt_words += revision.prompt
        negative_words += revision.negative
        step += revision.control_step
        new_composition = new_composition or revision.new_composition
        changes.append(revision.note or f"{name} fix")
    generation = plan.generation + 1
    base = re.sub(r"-r\d+$", "", plan.id)  # the first plan's id: campaign-channel-index
    tail = base.rsplit("-", 1)[-1]
    index = int(tail) if tail.isdigit() else 1
    new_id = f"{base}-r{generation}"
    layout = plan.layout
    text = plan.prompt
    if new_composition:
        channel = (channels or load_channels()).get(plan.channel)
        if channel is not None:
            options = [t for t in templates_for(channel.aspect) if t != plan.layout.template] or [plan.layout.template]
            layout, _ = layout_for(options[generation % len(options)], channel, profile)
            old = COMPOSITIONS.get(plan.layout.template, "")
            if old and old in text:
                text = text.replace(old, COMPOSITIONS.get(layout.template, old))
            changes.append(f"layout {plan.layout.template} -> {layout.template}")
    scale = min(MAX_CONTROL_SCALE, max(0.3, plan.controlnet_scale + step))
    if scale != plan.controlnet_scale:
        changes.append(f"control scale {plan.controlnet_scale:.2f} -> {scale:.2f}")
    text = _extend(text, prompt_words)
    prompt, _ = gate_prompt(tidy(text), profile, f"{new_id} prompt")
    negative = _extend(plan.negative_prompt, negative_words)
    reason = "; ".join(
        part
        for part in (
            ("failed " + ", ".join(f"{n} ({r})" for n, r in failed)) if failed else "",
            f"reviewer: {note}" if note else "",
            "changed: " + ", ".join(dict.fromkeys(changes)),
        )
        if part
    )
    return plan.model_copy(
        update={
            "id": new_id,
            "parent_id": plan.id,
            "generation": generation,
            "seed": stable_seed(plan.campaign, plan.channel, index, generation),
            "prompt": prompt,
            "negative_prompt": tidy(negative),
            "layout": layout,
            "controlnet_scale": round(scale, 2),
            "replan_reason": reason[:1000],
        }
    )
